import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WalCorruptError, WriteAheadLog, decodeLog, encodeFrame } from '../../../harness/agent/state/wal.js';

const MAGIC = Buffer.from('FLTWAL1\n', 'latin1');

interface Rec {
  n: number;
  text?: string;
}

let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-wal-'));
  path = join(dir, 'state.wal');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Flips every bit of one byte (in a payload, this breaks the frame's checksum). */
function flipByte(buffer: Buffer, index: number): void {
  buffer.writeUInt8(buffer.readUInt8(index) ^ 0xff, index);
}

function image(...parts: Buffer[]): Buffer {
  return Buffer.concat([MAGIC, ...parts]);
}

/** Opens, checks nothing, closes; returns what was replayed. */
async function reopen(options = {}): Promise<{ records: Rec[]; droppedBytes: number }> {
  const { wal, replay } = await WriteAheadLog.open<Rec>(path, options);
  await wal.close();
  return replay;
}

async function openError(): Promise<unknown> {
  try {
    const { wal } = await WriteAheadLog.open<Rec>(path);
    await wal.close();
  } catch (error) {
    return error;
  }
  throw new Error('expected WriteAheadLog.open to fail');
}

describe('encodeFrame', () => {
  it('writes [u32le length][u32le crc32][utf-8 JSON]', () => {
    const frame = encodeFrame({ a: 'é' });
    const payload = Buffer.from('{"a":"é"}', 'utf8');
    expect(frame.readUInt32LE(0)).toBe(payload.length);
    expect(frame.readUInt32LE(4)).toBe(crc32(payload));
    expect(frame.subarray(8).equals(payload)).toBe(true);
    expect(frame.length).toBe(8 + payload.length);
  });
});

describe('decodeLog', () => {
  const one = encodeFrame({ n: 1 });
  const two = encodeFrame({ n: 2 });
  const badCrc = Buffer.from(two);
  flipByte(badCrc, badCrc.length - 2);
  const huge = Buffer.alloc(8);
  huge.writeUInt32LE(64 * 1024 * 1024 + 1, 0);
  /** A copy of `frame` whose length field points far past its payload. */
  const lengthPastEnd = (frame: Buffer): Buffer => {
    const copy = Buffer.from(frame);
    copy.writeUInt32LE(1_000_000, 0);
    return copy;
  };

  it.each([
    { name: 'an empty image', bytes: Buffer.alloc(0), records: [], dropped: 0, valid: 0 },
    { name: 'a partial magic header', bytes: MAGIC.subarray(0, 5), records: [], dropped: 5, valid: 0 },
    { name: 'the magic header alone', bytes: image(), records: [], dropped: 0, valid: 8 },
    { name: 'two whole frames', bytes: image(one, two), records: [{ n: 1 }, { n: 2 }], dropped: 0, valid: 8 + one.length + two.length },
    { name: 'a torn frame header', bytes: image(one, two.subarray(0, 5)), records: [{ n: 1 }], dropped: 5, valid: 8 + one.length },
    { name: 'a frame header without payload', bytes: image(one, two.subarray(0, 8)), records: [{ n: 1 }], dropped: 8, valid: 8 + one.length },
    { name: 'a torn payload', bytes: image(one, two.subarray(0, two.length - 1)), records: [{ n: 1 }], dropped: two.length - 1, valid: 8 + one.length },
    { name: 'a last frame with a bad checksum', bytes: image(one, badCrc), records: [{ n: 1 }], dropped: badCrc.length, valid: 8 + one.length },
    { name: 'a zero-filled tail', bytes: image(one, Buffer.alloc(20)), records: [{ n: 1 }], dropped: 20, valid: 8 + one.length },
    // A damaged length at the tail cannot be told from a torn write: both are dropped.
    { name: 'an absurd length at the tail', bytes: image(one, huge), records: [{ n: 1 }], dropped: 8, valid: 8 + one.length },
  ])('decodes $name', ({ bytes, records, dropped, valid }) => {
    const decoded = decodeLog<Rec>('x.wal', bytes);
    expect(decoded.records).toEqual(records);
    expect(decoded.droppedBytes).toBe(dropped);
    expect(decoded.validBytes).toBe(valid);
  });

  const notJson = Buffer.from('{not json', 'utf8');
  const notJsonFrame = Buffer.alloc(8 + notJson.length);
  notJsonFrame.writeUInt32LE(notJson.length, 0);
  notJsonFrame.writeUInt32LE(crc32(notJson), 4);
  notJson.copy(notJsonFrame, 8);

  it.each([
    { name: 'a bad magic header', bytes: Buffer.from('NOTAWAL!rest'), offset: 0, reason: /bad header/ },
    { name: 'a short file that is not a magic prefix', bytes: Buffer.from('FLX'), offset: 0, reason: /bad header/ },
    { name: 'a bad checksum in a frame that is not the last', bytes: image(one, badCrc, one), offset: 8 + one.length, reason: /checksum mismatch/ },
    { name: 'a valid checksum over a payload that is not JSON', bytes: image(notJsonFrame), offset: 8, reason: /not JSON/ },
    { name: 'an absurd frame length followed by frames', bytes: image(one, huge, two, two), offset: 8 + one.length, reason: /damaged/ },
    { name: 'a damaged length in the middle of the log', bytes: image(one, lengthPastEnd(two), one, two), offset: 8 + one.length, reason: /damaged/ },
    { name: 'a zero-length frame followed by data', bytes: image(one, Buffer.alloc(8), one), offset: 8 + one.length, reason: /zero-length frame/ },
  ])('refuses $name', ({ bytes, offset, reason }) => {
    let caught: unknown;
    try {
      decodeLog('x.wal', bytes);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WalCorruptError);
    const error = caught as WalCorruptError;
    expect(error.name).toBe('WalCorruptError');
    expect(error.path).toBe('x.wal');
    expect(error.offset).toBe(offset);
    expect(error.message).toMatch(reason);
    expect(error.message).toContain(`at byte ${offset}`);
  });
});

describe('WriteAheadLog', () => {
  it('creates a new log holding only the magic header', async () => {
    const { wal, replay } = await WriteAheadLog.open<Rec>(path);
    expect(replay).toEqual({ records: [], droppedBytes: 0 });
    expect(wal.path).toBe(path);
    expect(wal.appended).toBe(0);
    await wal.close();
    expect((await readFile(path)).equals(MAGIC)).toBe(true);
  });

  it('replays appended records in order after close and reopen', async () => {
    const { wal } = await WriteAheadLog.open<Rec>(path);
    const records: Rec[] = Array.from({ length: 20 }, (_, n) => ({ n, text: `r${n} ✓` }));
    for (const record of records) await wal.append(record);
    expect(wal.appended).toBe(20);
    await wal.close();
    expect(await reopen()).toEqual({ records, droppedBytes: 0 });
  });

  it('has the record on disk when append resolves', async () => {
    const { wal } = await WriteAheadLog.open<Rec>(path);
    try {
      await wal.append({ n: 7 });
      expect(decodeLog<Rec>(path, await readFile(path)).records).toEqual([{ n: 7 }]);
    } finally {
      await wal.close();
    }
  });

  it('appends after a reopen go after the replayed records', async () => {
    let { wal } = await WriteAheadLog.open<Rec>(path);
    await wal.append({ n: 1 });
    await wal.close();
    ({ wal } = await WriteAheadLog.open<Rec>(path));
    await wal.append({ n: 2 });
    await wal.close();
    expect((await reopen()).records).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('group-commits concurrent appends: all resolve, all replay in order, fewer syncs than records', async () => {
    const syncs: number[] = [];
    const onSync = (records: number, seconds: number): void => {
      expect(seconds).toBeGreaterThanOrEqual(0);
      syncs.push(records);
    };
    const { wal } = await WriteAheadLog.open<Rec>(path, { onSync });
    const records: Rec[] = Array.from({ length: 200 }, (_, n) => ({ n }));
    await Promise.all(records.map((record) => wal.append(record)));
    expect(syncs.reduce((a, b) => a + b, 0)).toBe(200);
    // All 200 were queued before any write finished: one sync for the first, one for the rest.
    expect(syncs.length).toBeLessThanOrEqual(2);
    await wal.close();
    expect((await reopen()).records).toEqual(records);
  });

  it('rejects appends after close', async () => {
    const { wal } = await WriteAheadLog.open<Rec>(path);
    await wal.close();
    await expect(wal.append({ n: 1 })).rejects.toThrow(/^write-ahead log is closed$/);
    await wal.close(); // idempotent
  });

  describe('torn tails', () => {
    const good = [encodeFrame({ n: 1 }), encodeFrame({ n: 2 })];
    const next = encodeFrame({ n: 3, text: 'the torn one' });
    const badCrc = Buffer.from(next);
    flipByte(badCrc, 12);

    it.each([
      { name: 'a partial frame header', tail: next.subarray(0, 3) },
      { name: 'a frame header with no payload', tail: next.subarray(0, 8) },
      { name: 'a partial payload', tail: next.subarray(0, next.length - 4) },
      { name: 'a last frame with a bad checksum', tail: badCrc },
    ])('drops $name, truncates the file, and later appends replay', async ({ tail }) => {
      const validBytes = MAGIC.length + good[0]!.length + good[1]!.length;
      await writeFile(path, image(...good, tail));

      const { wal, replay } = await WriteAheadLog.open<Rec>(path);
      expect(replay.records).toEqual([{ n: 1 }, { n: 2 }]);
      expect(replay.droppedBytes).toBe(tail.length);
      expect((await stat(path)).size).toBe(validBytes);

      await wal.append({ n: 4 });
      await wal.close();
      expect(await reopen()).toEqual({ records: [{ n: 1 }, { n: 2 }, { n: 4 }], droppedBytes: 0 });
    });
  });

  it('drops a zero-filled tail (file size reached the disk before the data) as torn', async () => {
    // A crash can persist a file's new size before its data, leaving zeros where the last
    // frames should be. encodeFrame never writes a zero-length payload (JSON is at least one
    // byte), so a [length 0][crc 0] header can only be such a tail, never a real frame.
    const good = encodeFrame({ n: 1 });
    await writeFile(path, image(good, Buffer.alloc(16)));
    const { wal, replay } = await WriteAheadLog.open<Rec>(path);
    expect(replay).toEqual({ records: [{ n: 1 }], droppedBytes: 16 });
    expect((await stat(path)).size).toBe(MAGIC.length + good.length);
    await wal.append({ n: 2 });
    await wal.close();
    expect(await reopen()).toEqual({ records: [{ n: 1 }, { n: 2 }], droppedBytes: 0 });
  });

  it('refuses a log with a corrupt frame that is not the last, and leaves the file alone', async () => {
    const one = encodeFrame({ n: 1 });
    const bad = encodeFrame({ n: 2 });
    flipByte(bad, bad.length - 1);
    const bytes = image(one, bad, encodeFrame({ n: 3 }));
    await writeFile(path, bytes);
    const error = await openError();
    expect(error).toBeInstanceOf(WalCorruptError);
    expect((error as WalCorruptError).offset).toBe(MAGIC.length + one.length);
    expect((await readFile(path)).equals(bytes)).toBe(true);
  });

  it('refuses a file with a bad magic header', async () => {
    await writeFile(path, Buffer.from('{"n":1}\n{"n":2}\n'));
    const error = await openError();
    expect(error).toBeInstanceOf(WalCorruptError);
    expect((error as WalCorruptError).offset).toBe(0);
    expect((error as Error).message).toMatch(/bad header/);
  });

  it('starts an empty file with the magic header', async () => {
    await writeFile(path, Buffer.alloc(0));
    const { wal, replay } = await WriteAheadLog.open<Rec>(path);
    expect(replay).toEqual({ records: [], droppedBytes: 0 });
    await wal.append({ n: 1 });
    await wal.close();
    expect((await readFile(path)).subarray(0, MAGIC.length).equals(MAGIC)).toBe(true);
    expect((await reopen()).records).toEqual([{ n: 1 }]);
  });

  it('recovers from a partially written magic header', async () => {
    await writeFile(path, MAGIC.subarray(0, 4));
    const { wal, replay } = await WriteAheadLog.open<Rec>(path);
    expect(replay).toEqual({ records: [], droppedBytes: 4 });
    await wal.append({ n: 1 });
    await wal.close();
    const bytes = await readFile(path);
    expect(bytes.subarray(0, MAGIC.length).equals(MAGIC)).toBe(true);
    expect(bytes.length).toBe(MAGIC.length + encodeFrame({ n: 1 }).length);
    expect(await reopen()).toEqual({ records: [{ n: 1 }], droppedBytes: 0 });
  });

  it('compact() replaces the contents, and appends continue after them', async () => {
    let { wal } = await WriteAheadLog.open<Rec>(path);
    for (let n = 0; n < 5; n++) await wal.append({ n });
    await wal.compact([{ n: 100 }, { n: 101 }]);
    const compacted = await readFile(path);
    expect(compacted.equals(image(encodeFrame({ n: 100 }), encodeFrame({ n: 101 })))).toBe(true);
    await wal.append({ n: 102 });
    await wal.close();
    expect(await reopen()).toEqual({ records: [{ n: 100 }, { n: 101 }, { n: 102 }], droppedBytes: 0 });

    ({ wal } = await WriteAheadLog.open<Rec>(path));
    await wal.compact([]);
    await wal.close();
    expect((await readFile(path)).equals(MAGIC)).toBe(true);
  });

  describe('ackBeforeDurable (the wal-no-fsync bug)', () => {
    it('acknowledges before the record is written; flush() writes it', async () => {
      const { wal } = await WriteAheadLog.open<Rec>(path, { ackBeforeDurable: true, lazyFlushMs: 60_000 });
      try {
        await wal.append({ n: 1 });
        await wal.append({ n: 2 });
        expect(wal.appended).toBe(2);
        expect((await readFile(path)).equals(MAGIC)).toBe(true);
        await wal.flush();
        expect(decodeLog<Rec>(path, await readFile(path)).records).toEqual([{ n: 1 }, { n: 2 }]);
      } finally {
        await wal.close();
      }
    });

    it('writes the acknowledged records on close', async () => {
      const { wal } = await WriteAheadLog.open<Rec>(path, { ackBeforeDurable: true, lazyFlushMs: 60_000 });
      await wal.append({ n: 1 });
      expect((await readFile(path)).equals(MAGIC)).toBe(true);
      await wal.close();
      expect((await reopen()).records).toEqual([{ n: 1 }]);
    });

    it('writes them on its own after lazyFlushMs', async () => {
      const { wal } = await WriteAheadLog.open<Rec>(path, { ackBeforeDurable: true, lazyFlushMs: 5 });
      try {
        await wal.append({ n: 1 });
        const deadline = performance.now() + 5_000;
        let records: Rec[] = [];
        while (records.length === 0 && performance.now() < deadline) {
          records = decodeLog<Rec>(path, await readFile(path)).records;
          if (records.length === 0) await new Promise<void>((resolve) => setTimeout(resolve, 5));
        }
        expect(records).toEqual([{ n: 1 }]);
      } finally {
        await wal.close();
      }
    });
  });
});
