import { describe, expect, it } from 'vitest';
import { startClock, type Clock } from '../../../src/clock.js';
import { pollOnTicks } from '../../../src/observe/poll.js';

/** A clock whose t = 0 is `shift` ms in the past, so tests do not wait for the grid's first ticks. */
const clockAt = (shift: number): Clock => {
  const real = startClock();
  return { ...real, now: () => real.now() + shift };
};

async function ticks(intervalMs: number, offsetMs: number, calls: number, clock = startClock(), work: (t: number) => Promise<void> = () => Promise.resolve()) {
  const seen: number[] = [];
  let skipped = 0;
  const stop = new AbortController();
  await pollOnTicks(
    clock,
    intervalMs,
    stop.signal,
    async (t) => {
      seen.push(t);
      await work(t);
      return seen.length < calls;
    },
    (missed) => (skipped += missed),
    offsetMs,
  );
  return { seen, skipped };
}

describe('pollOnTicks', () => {
  it('polls on k × interval, never before a tick, one call per tick', async () => {
    const { seen, skipped } = await ticks(20, 0, 5);
    const slots = seen.map((t) => Math.floor(t / 20));
    for (let i = 1; i < slots.length; i++) expect(slots[i]).toBeGreaterThan(slots[i - 1]!);
    expect(skipped).toBe(0);
  });

  it('shifts the grid by the offset: the first poll waits for interval k × 40 + 25', async () => {
    // At t = 3 the next slot of the shifted grid is 25 (the unshifted one would be 40).
    const { seen } = await ticks(40, 25, 3, clockAt(3));
    expect(seen[0]).toBeGreaterThanOrEqual(25);
    const slots = seen.map((t) => Math.floor((t - 25) / 40));
    for (let i = 1; i < slots.length; i++) expect(slots[i]).toBeGreaterThan(slots[i - 1]!);
    // Every poll is at or after its slot's time.
    for (const [i, t] of seen.entries()) expect(t).toBeGreaterThanOrEqual((slots[i] ?? 0) * 40 + 25);
  });

  it('skips the ticks a slow poll overran, and counts them', async () => {
    const { seen, skipped } = await ticks(10, 5, 3, startClock(), (t) => new Promise((resolve) => setTimeout(resolve, t < 30 ? 35 : 0)));
    expect(seen).toHaveLength(3);
    expect(skipped).toBeGreaterThanOrEqual(2);
  });
});
