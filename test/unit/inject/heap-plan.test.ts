import { describe, expect, it } from 'vitest';
import { MAX_CHUNK_BYTES, MIN_CHUNK_BYTES, chunkSizes, dueBytes } from '../../../src/inject/heap-plan.js';

const MB = 1_000_000;

describe('dueBytes', () => {
  it.each([
    [50 * MB, 100 * MB, 0, 0],
    [50 * MB, 100 * MB, 50, 2.5 * MB],
    [50 * MB, 100 * MB, 1000, 50 * MB],
    [50 * MB, 100 * MB, 5000, 100 * MB],
    [1000, 1e9, 1, 1],
    [1000, 1e9, -10, 0],
    [50 * MB, 1234.7, 1000, 1234],
  ])('%f B/s capped at %f, after %f ms: %f', (rate, max, elapsedMs, expected) => {
    expect(dueBytes(rate, max, elapsedMs)).toBe(expected);
  });
});

describe('chunkSizes', () => {
  it.each([
    ['nothing due', 0, 0, 100 * MB, []],
    ['ahead of the clock', 10 * MB, 5 * MB, 100 * MB, []],
    ['one tick at 50 MB/s', 0, 2.5 * MB, 100 * MB, [2.5 * MB]],
    ['a late timer catches up in bounded chunks', 0, 10 * MB, 100 * MB, [MAX_CHUNK_BYTES, MAX_CHUNK_BYTES, 10 * MB - 2 * MAX_CHUNK_BYTES]],
    ['a tiny deficit waits', 0, MIN_CHUNK_BYTES - 1, 100 * MB, []],
    ['a tiny deficit that completes the max does not', 100 * MB - 10, 100 * MB, 100 * MB, [10]],
    ['a tiny max', 0, 1000, 1000, [1000]],
  ] as const)('%s', (_, retained, due, max, expected) => {
    expect(chunkSizes(retained, due, max)).toEqual(expected);
  });

  it('adds up to what is due and never past the max, over a whole run', () => {
    for (const [rate, max] of [[5 * MB, 12 * MB], [50 * MB, 100 * MB], [100_000, 1 * MB], [300 * MB, 64 * MB]] as const) {
      let retained = 0;
      for (let t = 0; t <= 10_000; t += 50) {
        const due = dueBytes(rate, max, t);
        const chunks = chunkSizes(retained, due, max);
        for (const c of chunks) {
          expect(c).toBeGreaterThan(0);
          expect(c).toBeLessThanOrEqual(MAX_CHUNK_BYTES);
        }
        retained += chunks.reduce((a, b) => a + b, 0);
        expect(retained).toBeLessThanOrEqual(max);
        expect(due - retained).toBeLessThan(MIN_CHUNK_BYTES);
      }
      expect(retained).toBe(Math.min(max, rate * 10));
    }
  });
});
