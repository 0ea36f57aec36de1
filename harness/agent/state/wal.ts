import { open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';

/**
 * An append-only write-ahead log of JSON records.
 *
 * File layout: an 8-byte magic header, then frames of
 *   [u32le payload length][u32le crc32(payload)][payload: UTF-8 JSON]
 *
 * Durability: `append()` resolves only after the frame is written and `fdatasync` returned.
 * Concurrent appends share one write and one sync (group commit), so throughput grows with
 * concurrency while every acknowledgement still means "on disk".
 *
 * Recovery: a crash can leave a torn last frame (short header, short payload, a payload
 * whose checksum does not match because only part of it reached the disk, or a zero-filled
 * tail when the file's size reached the disk before its data). Replay drops
 * that tail and truncates the file there. A bad frame followed by more data is not a torn
 * write but corruption, and replay refuses to guess.
 */

const MAGIC = Buffer.from('FLTWAL1\n', 'latin1');
const FRAME_HEADER = 8;
/** Refuse absurd lengths in a damaged header instead of allocating them. */
const MAX_RECORD_BYTES = 64 * 1024 * 1024;

export class WalCorruptError extends Error {
  override name = 'WalCorruptError';
  constructor(
    readonly path: string,
    readonly offset: number,
    reason: string,
  ) {
    super(`${path}: write-ahead log is corrupt at byte ${offset}: ${reason}; move the file aside to start empty`);
  }
}

/** The log can no longer be written (a write or sync failed); every later append fails too. */
export class WalFailedError extends Error {
  override name = 'WalFailedError';
}

export interface WalOptions {
  /**
   * The `wal-no-fsync` seeded bug: acknowledge at once, keep the frame in memory and write it
   * later without syncing. A crash loses acknowledged records. Default: false.
   */
  ackBeforeDurable?: boolean;
  /** How long acknowledged-but-unwritten records wait under `ackBeforeDurable`, in ms. Default: 200. */
  lazyFlushMs?: number;
  /** Called for every record appended (durable or, under the bug, not yet). */
  onAppend?: () => void;
  /** Called after every sync with the number of records it made durable and how long it took. */
  onSync?: (records: number, seconds: number) => void;
}

export interface ReplayResult<T> {
  records: T[];
  /** Bytes of a torn tail that were dropped (0 when the log ended cleanly). */
  droppedBytes: number;
}

interface Pending {
  frame: Buffer;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class WriteAheadLog<T> {
  #handle: FileHandle;
  #queue: Pending[] = [];
  #flushing: Promise<void> | undefined;
  #lazyTimer: NodeJS.Timeout | undefined;
  #failed: WalFailedError | undefined;
  #closed = false;
  #appended = 0;

  private constructor(
    readonly path: string,
    handle: FileHandle,
    private readonly options: WalOptions,
  ) {
    this.#handle = handle;
  }

  /** Opens (creating if needed) and replays the log. */
  static async open<T>(path: string, options: WalOptions = {}): Promise<{ wal: WriteAheadLog<T>; replay: ReplayResult<T> }> {
    const replay = await replayFile<T>(path);
    const handle = await open(path, 'a');
    if ((await handle.stat()).size === 0) {
      await handle.write(MAGIC);
      await handle.datasync();
      await syncDirectory(path);
    }
    return { wal: new WriteAheadLog<T>(path, handle, options), replay };
  }

  /** Records appended since open (acknowledged or not). */
  get appended(): number {
    return this.#appended;
  }

  /** Resolves when the record is durable (or, under the `wal-no-fsync` bug, at once). */
  append(record: T): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('write-ahead log is closed'));
    if (this.#failed !== undefined) return Promise.reject(this.#failed);
    const frame = encodeFrame(record);
    this.#appended++;
    this.options.onAppend?.();
    if (this.options.ackBeforeDurable === true) {
      this.#queue.push({ frame, resolve: noop, reject: noop });
      this.#lazyTimer ??= setTimeout(() => {
        this.#lazyTimer = undefined;
        this.#startFlushing(false);
      }, this.options.lazyFlushMs ?? 200);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ frame, resolve, reject });
      this.#startFlushing(true);
    });
  }

  /** Starts the flush loop unless one is running; a running loop picks up what was queued. */
  #startFlushing(sync: boolean): void {
    // With a non-empty queue the loop reaches an await before it can finish, so #flushing is
    // assigned before the loop's `finally` clears it.
    if (this.#flushing === undefined && this.#queue.length > 0) this.#flushing = this.#flushLoop(sync);
  }

  async #flushLoop(sync: boolean): Promise<void> {
    // One write at a time, so frames reach the file in append order; appends that arrive
    // meanwhile ride the next batch (group commit).
    try {
      while (this.#queue.length > 0) {
        try {
          await this.#flush(sync);
        } catch {
          // #flush rejected the batch's waiters; the error is kept in #failed.
        }
      }
    } finally {
      this.#flushing = undefined;
    }
  }

  async #flush(sync: boolean): Promise<void> {
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;
    if (this.#failed !== undefined) {
      // Fail-stop: nothing may follow a frame that may be half on disk.
      for (const p of batch) p.reject(this.#failed);
      throw this.#failed;
    }
    const started = performance.now();
    try {
      await writeAll(this.#handle, Buffer.concat(batch.map((p) => p.frame)));
      if (sync) await this.#handle.datasync();
    } catch (cause) {
      // After a failed write or fsync the file's state is unknown: fail-stop every later append.
      this.#failed = new WalFailedError(`write-ahead log ${this.path} failed: ${(cause as Error).message}`, { cause });
      for (const p of batch) p.reject(this.#failed);
      throw this.#failed;
    }
    if (sync) this.options.onSync?.(batch.length, (performance.now() - started) / 1000);
    for (const p of batch) p.resolve();
  }

  /** Writes and syncs everything queued, including records acknowledged early by the bug. */
  async flush(): Promise<void> {
    if (this.#lazyTimer !== undefined) {
      clearTimeout(this.#lazyTimer);
      this.#lazyTimer = undefined;
    }
    // Drive the one flush loop until the queue is empty, so writes never overlap.
    for (;;) {
      if (this.#flushing !== undefined) {
        await this.#flushing;
        continue;
      }
      if (this.#queue.length === 0) break;
      this.#startFlushing(true);
    }
    if (this.#failed !== undefined) throw this.#failed;
    // Lazy (unsynced) batches of the wal-no-fsync bug become durable here.
    await this.#handle.datasync();
  }

  /**
   * Replaces the log with `records` (the live state), atomically: write a temp file, sync
   * it, rename it over the log, sync the directory. Call only when no append is in flight.
   */
  async compact(records: readonly T[]): Promise<void> {
    await this.flush();
    const tmp = `${this.path}.compact-${process.pid}`;
    const out = await open(tmp, 'w');
    try {
      await writeAll(out, Buffer.concat([MAGIC, ...records.map(encodeFrame)]));
      await out.datasync();
    } finally {
      await out.close();
    }
    await rename(tmp, this.path);
    await syncDirectory(this.path);
    await this.#handle.close();
    this.#handle = await open(this.path, 'a');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    // Refuse appends from here on, so nothing is acknowledged that close() will not write.
    this.#closed = true;
    try {
      await this.flush();
    } finally {
      await this.#handle.close();
    }
  }
}

function noop(): void {}

export function encodeFrame(record: unknown): Buffer {
  const payload = Buffer.from(JSON.stringify(record), 'utf8');
  const frame = Buffer.allocUnsafe(FRAME_HEADER + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeUInt32LE(crc32(payload), 4);
  payload.copy(frame, FRAME_HEADER);
  return frame;
}

/** Decodes a whole log image. Exported for tests; `open` uses it through replayFile. */
export function decodeLog<T>(path: string, bytes: Buffer): ReplayResult<T> & { validBytes: number } {
  if (bytes.length === 0) return { records: [], droppedBytes: 0, validBytes: 0 };
  if (bytes.length < MAGIC.length) {
    // A crash while writing the header of a new log.
    if (MAGIC.subarray(0, bytes.length).equals(bytes)) return { records: [], droppedBytes: bytes.length, validBytes: 0 };
    throw new WalCorruptError(path, 0, 'not a faultline write-ahead log (bad header)');
  }
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new WalCorruptError(path, 0, 'not a faultline write-ahead log (bad header)');
  }
  const records: T[] = [];
  let offset = MAGIC.length;
  while (offset < bytes.length) {
    const remaining = bytes.length - offset;
    if (remaining < FRAME_HEADER) break; // torn frame header
    const length = bytes.readUInt32LE(offset);
    const checksum = bytes.readUInt32LE(offset + 4);
    if (length === 0) {
      // encodeFrame never writes an empty payload. Zeros to the end of the file are the mark
      // of a crash where the file's new size reached the disk before its data: a torn tail.
      if (bytes.subarray(offset).every((b) => b === 0)) break;
      throw new WalCorruptError(path, offset, 'zero-length frame followed by data');
    }
    const end = offset + FRAME_HEADER + length;
    if (length > MAX_RECORD_BYTES || end > bytes.length) {
      // A short payload or a length no frame can have: a torn tail, unless a whole frame
      // follows, which means a length in the middle of the log is damaged.
      if (findFrameAfter(bytes, offset + 1) === undefined) break;
      throw new WalCorruptError(path, offset, `frame length ${length} is damaged (valid frames follow it)`);
    }
    const payload = bytes.subarray(offset + FRAME_HEADER, end);
    if (crc32(payload) !== checksum) {
      if (findFrameAfter(bytes, offset + 1) === undefined) break; // the last frame, partly on disk: torn
      throw new WalCorruptError(path, offset, 'checksum mismatch in a frame that is not the last');
    }
    let record: T;
    try {
      record = JSON.parse(payload.toString('utf8')) as T;
    } catch {
      throw new WalCorruptError(path, offset, 'frame checksum is valid but its payload is not JSON');
    }
    records.push(record);
    offset = end;
  }
  return { records, droppedBytes: bytes.length - offset, validBytes: offset };
}

/**
 * The offset of the first whole, checksummed frame at or after `from`, if any. Used only on a
 * bad frame, to tell a torn tail (nothing valid after it) from damage in the middle.
 * Records are JSON objects, so a candidate payload must start with '{' (cheap pruning).
 */
function findFrameAfter(bytes: Buffer, from: number): number | undefined {
  for (let at = from; at + FRAME_HEADER < bytes.length; at++) {
    if (bytes[at + FRAME_HEADER] !== 0x7b) continue;
    const length = bytes.readUInt32LE(at);
    const end = at + FRAME_HEADER + length;
    if (length === 0 || end > bytes.length) continue;
    if (crc32(bytes.subarray(at + FRAME_HEADER, end)) === bytes.readUInt32LE(at + 4)) return at;
  }
  return undefined;
}

async function replayFile<T>(path: string): Promise<ReplayResult<T>> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], droppedBytes: 0 };
    throw error;
  }
  const decoded = decodeLog<T>(path, bytes);
  if (decoded.droppedBytes > 0) {
    // Cut the torn tail so the next append starts on a frame boundary.
    const handle = await open(path, 'r+');
    try {
      await handle.truncate(decoded.validBytes);
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }
  return { records: decoded.records, droppedBytes: decoded.droppedBytes };
}

async function writeAll(handle: FileHandle, buffer: Buffer): Promise<void> {
  let written = 0;
  while (written < buffer.length) {
    const { bytesWritten } = await handle.write(buffer, written, buffer.length - written);
    written += bytesWritten;
  }
}

/** Makes a create or rename durable: the directory entry must reach the disk too. */
async function syncDirectory(path: string): Promise<void> {
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
