import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { StateRecord } from '../../harness/agent/state/coordinator.js';
import { WriteAheadLog } from '../../harness/agent/state/wal.js';
import { round, runClosedLoop } from './closed-loop.js';
import { toResult, type BenchResult } from './report.js';

export interface WalDirectOptions {
  /** Appends in flight at once: 1 pays one fdatasync per record; more share one (group commit). */
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  maxOps: number;
  opTimeoutMs: number;
  /** Directory for the log file (a fresh temp dir: the caller removes it). */
  dir: string;
}

/** Padding that brings a record to the size of a small real state document (~250 bytes framed). */
const PAD = 'x'.repeat(96);
const FAKE_HASH = '0'.repeat(64);

/** The record shape the agent itself writes, so encoding cost matches production. */
function record(worker: number, seq: number): StateRecord {
  return {
    op: 'put',
    snapshot: { id: `bench-w${worker}`, version: seq + 1, hash: FAKE_HASH, data: { worker, seq, pad: PAD }, at: new Date().toISOString() },
  };
}

/**
 * Appends through WriteAheadLog in this process, with no HTTP in the way: the floor of what a
 * durable state write can cost on this disk, and how much group commit recovers of it.
 */
export async function walDirect(options: WalDirectOptions): Promise<BenchResult> {
  const path = join(options.dir, `direct-c${options.concurrency}.wal`);
  let syncs = 0;
  let synced = 0;
  const { wal } = await WriteAheadLog.open<StateRecord>(path, {
    onSync: (records) => {
      syncs++;
      synced += records;
    },
  });
  const stats = await runClosedLoop({
    concurrency: options.concurrency,
    warmupMs: options.warmupMs,
    durationMs: options.durationMs,
    maxOps: options.maxOps,
    opTimeoutMs: options.opTimeoutMs,
    op: async (worker, seq) => {
      await wal.append(record(worker, seq));
      return 'ok';
    },
    // Count syncs of the measured phase only.
    onMeasureStart: () => {
      syncs = 0;
      synced = 0;
    },
  }).finally(() => wal.close());
  const bytes = (await stat(path)).size;
  return toResult(
    `wal.direct.c${options.concurrency}`,
    { concurrency: options.concurrency, fsync: true, recordBytes: Buffer.byteLength(JSON.stringify(record(0, 0))) },
    stats,
    { walSyncs: syncs, recordsPerSync: syncs > 0 ? round(synced / syncs, 2) : null, fileMb: round(bytes / 1024 / 1024, 2) },
  );
}
