import { describe, expect, it } from 'vitest';
import { c, linear, niceAxis, tickLabel, timeLabel, timeTicks } from '../../../src/report/svg-scale.js';

describe('chart scales', () => {
  it.each([
    // [max, count, top, ticks]
    [0, 3, 1, [0, 1]],
    [50, 3, 60, [0, 20, 40, 60]],
    [1, 3, 1, [0, 0.5, 1]],
    [14.4 * 1.2, 3, 20, [0, 10, 20]],
    [1977.3, 4, 2000, [0, 500, 1000, 1500, 2000]],
    [0.03, 3, 0.03, [0, 0.01, 0.02, 0.03]],
    [96.67, 3, 100, [0, 50, 100]],
  ])('niceAxis(%f, %i) reaches %f with ticks %j', (max, count, top, ticks) => {
    const axis = niceAxis(max, count);
    expect(axis.top).toBeCloseTo(top, 9);
    expect(axis.ticks).toEqual(ticks);
  });

  it.each([
    [0, 1, '0'],
    [0.5, 0.5, '0.5'],
    [0.25, 0.25, '0.25'],
    [1500, 500, '1500'],
    [20_000, 10_000, '20k'],
    [2_500_000, 500_000, '2.5M'],
  ])('tickLabel(%f, step %f) is %s', (value, step, label) => {
    expect(tickLabel(value, step)).toBe(label);
  });

  it.each([
    [0, 70_000, 12, 10_000, 8],
    [0, 40_000, 12, 5_000, 9],
    [0, 600_000, 12, 60_000, 11],
    [0, 1000, 12, 1000, 2],
  ])('timeTicks(%i, %i, %i) every %i ms, %i ticks', (from, to, count, stepMs, n) => {
    const { ticks, stepMs: step } = timeTicks(from, to, count);
    expect(step).toBe(stepMs);
    expect(ticks).toHaveLength(n);
    expect(ticks[0]).toBe(0);
  });

  it.each([
    [25_000, 5_000, '25 s'],
    [90_000, 60_000, '1:30'],
    [600_000, 120_000, '10:00'],
  ])('timeLabel(%i, step %i) is %s', (ms, step, label) => {
    expect(timeLabel(ms, step)).toBe(label);
  });

  it('clamps to the range and prints coordinates at 0.1 without -0', () => {
    const x = linear([0, 10], [100, 200]);
    expect([x(-5), x(0), x(5), x(10), x(20)]).toEqual([100, 100, 150, 200, 200]);
    expect([c(-0.04), c(12.345), c(1e-9)]).toEqual(['0', '12.3', '0']);
    expect(linear([0, 0], [0, 10])(0)).toBe(0);
  });
});
