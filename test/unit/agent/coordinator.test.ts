import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashOf } from '../../../harness/agent/state/canonical-json.js';
import { CasConflictError, StateCoordinator, StateCorruptError } from '../../../harness/agent/state/coordinator.js';
import type { Snapshot, StateRecord } from '../../../harness/agent/state/coordinator.js';
import { WriteAheadLog } from '../../../harness/agent/state/wal.js';
import { deferred, settle } from './support.js';
import type { Deferred } from './support.js';

/** A write-ahead log whose appends resolve only when the test says so. */
class ControlledWal {
  readonly appends: { record: StateRecord; done: Deferred<void> }[] = [];
  append(record: StateRecord): Promise<void> {
    const done = deferred();
    this.appends.push({ record, done });
    return done.promise;
  }
  asWal(): WriteAheadLog<StateRecord> {
    return this as unknown as WriteAheadLog<StateRecord>;
  }
}

const fixedClock = (): Date => new Date('2024-05-06T07:08:09.000Z');

async function conflict(promise: Promise<unknown>): Promise<CasConflictError> {
  const outcome = await settle(promise);
  if (outcome.status === 'fulfilled') throw new Error('expected a CasConflictError, but the write succeeded');
  expect(outcome.reason).toBeInstanceOf(CasConflictError);
  return outcome.reason as CasConflictError;
}

function record(id: string, version: number, data: unknown, hash = hashOf(data)): StateRecord {
  return { op: 'put', snapshot: { id, version, hash, data, at: '2024-01-01T00:00:00.000Z' } };
}

describe('StateCoordinator without a log', () => {
  it('writes version 1, then increments, with the hash of the data and the clock time', async () => {
    const state = new StateCoordinator(undefined, fixedClock);
    const v1 = await state.compareAndSwap('a', undefined, { x: 1 });
    expect(v1).toEqual({ id: 'a', version: 1, hash: hashOf({ x: 1 }), data: { x: 1 }, at: '2024-05-06T07:08:09.000Z' });
    const v2 = await state.compareAndSwap('a', undefined, { x: 2 });
    expect(v2.version).toBe(2);
    expect(v2.hash).toBe(hashOf({ x: 2 }));
    const v3 = await state.compareAndSwap('a', v2.hash, { x: 3 });
    expect(v3.version).toBe(3);
    expect(state.get('a')).toBe(v3);
  });

  it('keeps ids apart', async () => {
    const state = new StateCoordinator(undefined);
    await state.compareAndSwap('a', undefined, 1);
    await state.compareAndSwap('a', undefined, 2);
    const b = await state.compareAndSwap('b', undefined, 'x');
    expect(b.version).toBe(1);
    expect(state.size).toBe(2);
    expect(state.all().map((s) => [s.id, s.version]).sort()).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    expect(state.get('missing')).toBeUndefined();
  });

  it('swaps when the expected hash matches', async () => {
    const state = new StateCoordinator(undefined);
    const v1 = await state.compareAndSwap('a', undefined, { x: 1 });
    const v2 = await state.compareAndSwap('a', v1.hash, { x: 2 });
    expect(v2).toMatchObject({ version: 2, data: { x: 2 } });
  });

  it('refuses a wrong hash with a CasConflictError naming the current snapshot', async () => {
    const state = new StateCoordinator(undefined);
    const v1 = await state.compareAndSwap('a', undefined, { x: 1 });
    const wrong = hashOf({ x: 999 });
    const error = await conflict(state.compareAndSwap('a', wrong, { x: 2 }));
    expect(error.name).toBe('CasConflictError');
    expect(error.id).toBe('a');
    expect(error.expected).toBe(wrong);
    expect(error.current).toBe(v1);
    expect(error.message).toContain(`version 1 with hash ${v1.hash}`);
    expect(state.get('a')).toBe(v1);
  });

  it('refuses "*" and a specific hash on a missing id, with no current snapshot', async () => {
    const state = new StateCoordinator(undefined);
    for (const expected of ['*', hashOf(1)]) {
      const error = await conflict(state.compareAndSwap('nope', expected, 1));
      expect(error.current).toBeUndefined();
      expect(error.expected).toBe(expected);
      expect(error.message).toContain('does not exist');
    }
    expect(state.size).toBe(0);
  });

  it('accepts "*" on an existing id', async () => {
    const state = new StateCoordinator(undefined);
    await state.compareAndSwap('a', undefined, 1);
    expect((await state.compareAndSwap('a', '*', 2)).version).toBe(2);
  });

  it('freezes snapshots deeply and copies the caller data', async () => {
    const state = new StateCoordinator(undefined);
    const input = { list: [{ deep: 1 }], nested: { k: 'v' } };
    const snap = await state.compareAndSwap('a', undefined, input);
    const data = snap.data as typeof input;
    expect(Object.isFrozen(snap)).toBe(true);
    expect(Object.isFrozen(data)).toBe(true);
    expect(Object.isFrozen(data.list)).toBe(true);
    expect(Object.isFrozen(data.list[0])).toBe(true);
    expect(Object.isFrozen(data.nested)).toBe(true);
    expect(() => {
      (snap as { version: number }).version = 99;
    }).toThrow(TypeError);
    expect(() => {
      data.list[0]!.deep = 2;
    }).toThrow(TypeError);
    // The caller's object is neither frozen nor shared.
    expect(Object.isFrozen(input)).toBe(false);
    input.list[0]!.deep = 42;
    expect(data.list[0]!.deep).toBe(1);
    expect(hashOf(state.get('a')!.data)).toBe(snap.hash);
  });

  it('rejects data it cannot hash without changing state', async () => {
    const state = new StateCoordinator(undefined);
    await expect(state.compareAndSwap('a', undefined, { x: NaN })).rejects.toThrow(TypeError);
    expect(state.get('a')).toBeUndefined();
    expect((await state.compareAndSwap('a', undefined, { x: 1 })).version).toBe(1);
  });
});

describe('StateCoordinator.restore', () => {
  it('rebuilds the newest version of each id and continues from it', async () => {
    const state = new StateCoordinator(undefined);
    state.restore([record('a', 1, { x: 1 }), record('b', 1, 'b1'), record('a', 2, { x: 2 })]);
    expect(state.size).toBe(2);
    expect(state.get('a')).toMatchObject({ version: 2, data: { x: 2 } });
    expect(Object.isFrozen(state.get('a'))).toBe(true);
    expect(Object.isFrozen(state.get('a')!.data)).toBe(true);
    const next = await state.compareAndSwap('a', hashOf({ x: 2 }), { x: 3 });
    expect(next.version).toBe(3);
  });

  it('skips records older than or equal to what it already has', () => {
    const state = new StateCoordinator(undefined);
    state.restore([record('a', 3, 'three'), record('a', 1, 'one'), record('a', 3, 'three again')]);
    expect(state.get('a')).toMatchObject({ version: 3, data: 'three' });
  });

  it('rejects a record whose hash does not match its data', () => {
    const state = new StateCoordinator(undefined);
    expect(() => state.restore([record('a', 1, { x: 1 }, hashOf({ x: 2 }))])).toThrow(StateCorruptError);
    expect(() => state.restore([record('a', 1, { x: 1 }, hashOf({ x: 2 }))])).toThrow(/"a" v1 does not match its hash/);
  });

  it.each([
    { name: 'an unknown op', value: { op: 'delete', snapshot: record('a', 1, 1).snapshot } },
    { name: 'no snapshot', value: { op: 'put' } },
    { name: 'a snapshot without an id', value: { op: 'put', snapshot: { version: 1, hash: hashOf(1), data: 1 } } },
    { name: 'a non-numeric version', value: { op: 'put', snapshot: { id: 'a', version: '1', hash: hashOf(1), data: 1 } } },
  ])('rejects a record with $name', ({ value }) => {
    const state = new StateCoordinator(undefined);
    expect(() => state.restore([value as unknown as StateRecord])).toThrow(StateCorruptError);
  });
});

describe('StateCoordinator with a log', () => {
  it('reads see only durable snapshots', async () => {
    const wal = new ControlledWal();
    const state = new StateCoordinator(wal.asWal());
    state.restore([record('a', 1, 'old')]);
    const old = state.get('a');

    const write = state.compareAndSwap('a', hashOf('old'), 'new');
    expect(wal.appends).toHaveLength(1);
    expect(wal.appends[0]!.record).toMatchObject({ op: 'put', snapshot: { id: 'a', version: 2, data: 'new' } });
    expect(state.get('a')).toBe(old);
    expect(state.all()).toEqual([old]);

    wal.appends[0]!.done.resolve();
    const snap = await write;
    expect(snap.version).toBe(2);
    expect(state.get('a')).toBe(snap);
  });

  it('a brand-new id is invisible until its append resolves', async () => {
    const wal = new ControlledWal();
    const state = new StateCoordinator(wal.asWal());
    const write = state.compareAndSwap('a', undefined, 1);
    expect(state.get('a')).toBeUndefined();
    expect(state.size).toBe(0);
    wal.appends[0]!.done.resolve();
    await write;
    expect(state.size).toBe(1);
  });

  it('of two CAS with the same expected hash, exactly one wins while the first is pending', async () => {
    const wal = new ControlledWal();
    const state = new StateCoordinator(wal.asWal());
    state.restore([record('a', 1, 'base')]);
    const base = hashOf('base');

    const first = state.compareAndSwap('a', base, 'first');
    const second = settle(state.compareAndSwap('a', base, 'second'));
    const lost = await second;
    expect(lost.status).toBe('rejected');
    const error = (lost as { reason: CasConflictError }).reason;
    expect(error).toBeInstanceOf(CasConflictError);
    expect(error.current).toMatchObject({ version: 2, data: 'first' });
    expect(wal.appends).toHaveLength(1);

    wal.appends[0]!.done.resolve();
    expect((await first).data).toBe('first');
    expect(state.get('a')).toMatchObject({ version: 2, data: 'first' });
  });

  it('unconditional writes queue behind a pending one and never make reads go backwards', async () => {
    const wal = new ControlledWal();
    const state = new StateCoordinator(wal.asWal());
    const w1 = state.compareAndSwap('a', undefined, 'one');
    const w2 = state.compareAndSwap('a', undefined, 'two');
    expect(wal.appends.map((a) => a.record.snapshot.version)).toEqual([1, 2]);
    wal.appends[1]!.done.resolve();
    await w2;
    expect(state.get('a')).toMatchObject({ version: 2, data: 'two' });
    wal.appends[0]!.done.resolve();
    await w1;
    expect(state.get('a')).toMatchObject({ version: 2, data: 'two' });
  });

  it('a failed append rejects the write and leaves reads unchanged', async () => {
    const wal = new ControlledWal();
    const state = new StateCoordinator(wal.asWal());
    state.restore([record('a', 1, 'old')]);
    const write = settle(state.compareAndSwap('a', undefined, 'new'));
    wal.appends[0]!.done.reject(new Error('disk full'));
    const outcome = await write;
    expect(outcome.status).toBe('rejected');
    expect((outcome as { reason: Error }).reason.message).toBe('disk full');
    expect(state.get('a')).toMatchObject({ version: 1, data: 'old' });
  });

  it('with a real WAL: exactly one of two racing CAS wins, and the winner survives a replay', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'faultline-state-'));
    try {
      const path = join(dir, 'state.wal');
      let { wal } = await WriteAheadLog.open<StateRecord>(path);
      let state = new StateCoordinator(wal);
      const v1 = await state.compareAndSwap('a', undefined, { n: 0 });
      const outcomes = await Promise.all([
        settle(state.compareAndSwap('a', v1.hash, { n: 1 })),
        settle(state.compareAndSwap('a', v1.hash, { n: 2 })),
      ]);
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o) => o.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect((lost[0] as { reason: unknown }).reason).toBeInstanceOf(CasConflictError);
      const winner = (won[0] as { value: Snapshot }).value;
      expect(winner.version).toBe(2);
      expect(state.get('a')).toBe(winner);
      await wal.close();

      const reopened = await WriteAheadLog.open<StateRecord>(path);
      wal = reopened.wal;
      const replay = reopened.replay;
      state = new StateCoordinator(wal);
      state.restore(replay.records);
      expect(replay.records).toHaveLength(2);
      expect(state.get('a')).toEqual(winner);
      await wal.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
