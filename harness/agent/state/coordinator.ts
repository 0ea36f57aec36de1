import { hashOf } from './canonical-json.js';
import type { WriteAheadLog } from './wal.js';

/** One immutable version of one piece of state. */
export interface Snapshot {
  readonly id: string;
  /** 1 for the first write, +1 for every later one. */
  readonly version: number;
  /** sha256 over the canonical JSON of `data`. */
  readonly hash: string;
  readonly data: unknown;
  /** Wall-clock time of the write, ISO 8601. */
  readonly at: string;
}

/** What the write-ahead log stores: the snapshot a write produced. */
export interface StateRecord {
  op: 'put';
  snapshot: Snapshot;
}

export class CasConflictError extends Error {
  override name = 'CasConflictError';
  constructor(
    readonly id: string,
    readonly expected: string,
    readonly current: Snapshot | undefined,
  ) {
    super(
      current === undefined
        ? `state "${id}" does not exist, so it cannot match hash ${expected}`
        : `state "${id}" is at version ${current.version} with hash ${current.hash}, not ${expected}`,
    );
  }
}

export class StateCorruptError extends Error {
  override name = 'StateCorruptError';
}

/**
 * Versioned, immutable snapshots with compare-and-swap, optionally backed by a write-ahead log.
 *
 * Reads see only durable snapshots. A write is checked against the newest *accepted*
 * snapshot (which may still be on its way to the disk), so two writers racing with the same
 * expected hash cannot both win; it becomes visible once the log has synced it.
 */
export class StateCoordinator {
  #committed = new Map<string, Snapshot>();
  #accepted = new Map<string, Snapshot>();

  constructor(
    private readonly wal: WriteAheadLog<StateRecord> | undefined,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Rebuilds state from replayed log records, checking every hash. */
  restore(records: readonly StateRecord[]): void {
    for (const record of records) {
      const snap = record.snapshot;
      if (record.op !== 'put' || typeof snap?.id !== 'string' || typeof snap.version !== 'number') {
        throw new StateCorruptError(`write-ahead log holds an unknown record: ${JSON.stringify(record).slice(0, 200)}`);
      }
      if (hashOf(snap.data) !== snap.hash) {
        throw new StateCorruptError(`write-ahead log record for "${snap.id}" v${snap.version} does not match its hash`);
      }
      const previous = this.#committed.get(snap.id);
      if (previous !== undefined && snap.version <= previous.version) continue;
      const frozen = freezeSnapshot(snap);
      this.#committed.set(snap.id, frozen);
      this.#accepted.set(snap.id, frozen);
    }
  }

  get(id: string): Snapshot | undefined {
    return this.#committed.get(id);
  }

  /** Every durable snapshot, newest version of each id. */
  all(): Snapshot[] {
    return [...this.#committed.values()];
  }

  get size(): number {
    return this.#committed.size;
  }

  /**
   * Writes `next` as the new version of `id` if its current hash is `expectedHash`
   * (`undefined` = unconditional, `'*'` = any existing version). Resolves once durable.
   */
  async compareAndSwap(id: string, expectedHash: string | undefined, next: unknown): Promise<Snapshot> {
    const current = this.#accepted.get(id);
    if (expectedHash === '*' && current === undefined) throw new CasConflictError(id, expectedHash, current);
    if (expectedHash !== undefined && expectedHash !== '*' && current?.hash !== expectedHash) {
      throw new CasConflictError(id, expectedHash, current);
    }
    const data: unknown = structuredClone(next);
    const snapshot = freezeSnapshot({
      id,
      version: (current?.version ?? 0) + 1,
      hash: hashOf(data),
      data,
      at: this.clock().toISOString(),
    });
    this.#accepted.set(id, snapshot);
    if (this.wal !== undefined) {
      try {
        await this.wal.append({ op: 'put', snapshot });
      } catch (error) {
        // Never stored: forget it, so the next CAS is checked against what is really there.
        if (this.#accepted.get(id) === snapshot) {
          const committed = this.#committed.get(id);
          if (committed === undefined) this.#accepted.delete(id);
          else this.#accepted.set(id, committed);
        }
        throw error;
      }
    }
    // Another write may have been accepted and committed meanwhile; never go backwards.
    const committed = this.#committed.get(id);
    if (committed === undefined || committed.version < snapshot.version) this.#committed.set(id, snapshot);
    return snapshot;
  }
}

function freezeSnapshot(snapshot: Snapshot): Snapshot {
  deepFreeze(snapshot.data);
  return Object.freeze({ ...snapshot });
}

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}
