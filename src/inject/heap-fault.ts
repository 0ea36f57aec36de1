import { HEAP_TICK_MS, chunkSizes, dueBytes } from './heap-plan.js';
import type { HeapFaultSpec } from './protocol.js';

/**
 * One chunk of retained memory: a flat one-byte string of `bytes` characters. Strings live on
 * the V8 heap, so they count in heapUsed (what heap limits and heap health checks read), and
 * being copied into they are resident, so they count in rss too; the GC never scans inside
 * them, so a large retained set does not slow the target's collections the way a graph of
 * small objects would. `repeat` builds a rope of a few nodes; reading a character flattens it
 * into one sequential string of exactly `bytes` bytes (plus a header); without that read the
 * chunk would stay a rope of a few hundred bytes. The character goes into `_touched` so that
 * no optimising compiler can drop the read as unused.
 */
function allocateChunk(bytes: number): string {
  const chunk = 'x'.repeat(bytes);
  _touched ^= chunk.charCodeAt(bytes - 1);
  return chunk;
}

let _touched = 0;

/** A heap fault: retains `bytesPerSecond` more memory on every tick, up to `maxBytes`. */
export class HeapFault {
  readonly #spec: HeapFaultSpec;
  #chunks: string[] = [];
  #retained = 0;
  #timer: NodeJS.Timeout | undefined;
  #startedAt = 0;

  constructor(spec: HeapFaultSpec) {
    this.#spec = spec;
  }

  get retainedBytes(): number {
    return this.#retained;
  }

  start(): void {
    this.#startedAt = performance.now();
    // Unref'd: a growing heap is no reason for a target that is done to stay alive.
    this.#timer = setInterval(() => this.#tick(), HEAP_TICK_MS).unref();
  }

  #tick(): void {
    const { bytesPerSecond, maxBytes } = this.#spec;
    const due = dueBytes(bytesPerSecond, maxBytes, performance.now() - this.#startedAt);
    for (const size of chunkSizes(this.#retained, due, maxBytes)) {
      this.#chunks.push(allocateChunk(size));
      this.#retained += size;
    }
    if (this.#retained >= Math.floor(maxBytes)) this.stop();
  }

  /** Stops growing; keeps what is retained. Idempotent. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Stops growing and hands over the chunks (for the caller to drop or keep), with their size. */
  detach(): { chunks: string[]; bytes: number } {
    this.stop();
    const detached = { chunks: this.#chunks, bytes: this.#retained };
    this.#chunks = [];
    this.#retained = 0;
    return detached;
  }
}
