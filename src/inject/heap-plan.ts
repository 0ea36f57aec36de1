/**
 * How much the heap fault allocates on each tick. Growth follows the clock, not the tick
 * count: every tick allocates what is due by now minus what is retained, so a late timer
 * (a busy event loop, a CPU fault next to it) catches up instead of drifting below the rate.
 */

/** Tick of the allocation loop, ms. */
export const HEAP_TICK_MS = 50;

/** Below this, a deficit waits for the next tick (unless it completes maxBytes): no confetti. */
export const MIN_CHUNK_BYTES = 64 * 1024;

/**
 * Largest single allocation. Chunks above V8's regular object size (128 KiB on 64-bit) go to
 * the large-object space, whose pages V8 returns to the OS as soon as a GC frees them.
 */
export const MAX_CHUNK_BYTES = 4 * 1024 * 1024;

/** Bytes that should be retained `elapsedMs` after the fault started. */
export function dueBytes(bytesPerSecond: number, maxBytes: number, elapsedMs: number): number {
  return Math.min(Math.floor(maxBytes), Math.floor((bytesPerSecond * Math.max(0, elapsedMs)) / 1000));
}

/** The chunk sizes to allocate now, each at most `maxChunk`; empty when nothing is due yet. */
export function chunkSizes(retained: number, due: number, maxBytes: number, minChunk = MIN_CHUNK_BYTES, maxChunk = MAX_CHUNK_BYTES): number[] {
  const deficit = due - retained;
  if (deficit <= 0) return [];
  if (deficit < minChunk && due < Math.floor(maxBytes)) return [];
  const chunks: number[] = [];
  for (let left = deficit; left > 0; left -= maxChunk) chunks.push(Math.min(left, maxChunk));
  return chunks;
}
