import { describe, expect, it } from 'vitest';
import { randomInt, randomStream } from '../../../src/toxiproxy/random.js';
import { TOXIC_TYPES } from '../../../src/toxiproxy/toxics/index.js';
import { sliceSizes } from '../../../src/toxiproxy/toxics/timing.js';

describe('seeded random streams', () => {
  it('repeat for the same seed and key, and differ for another seed or key', () => {
    const draw = (seed: number, key: string) => Array.from({ length: 5 }, randomStream(seed, key));
    expect(draw(1, 'p#0/upstream/t')).toEqual(draw(1, 'p#0/upstream/t'));
    expect(draw(1, 'p#0/upstream/t')).not.toEqual(draw(2, 'p#0/upstream/t'));
    expect(draw(1, 'p#0/upstream/t')).not.toEqual(draw(1, 'p#1/upstream/t'));
  });

  it('draw uniform numbers in [0, 1) and integers in [min, max)', () => {
    const random = randomStream(7, 'k');
    const values = Array.from({ length: 10_000 }, random);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    const ints = new Set(Array.from({ length: 2000 }, () => randomInt(random, -3, 3)));
    expect([...ints].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2]);
  });
});

describe('slicer sizes', () => {
  const random = randomStream(1, 'slicer');

  it('avg 1, variation 0 cuts 24 bytes into 24 pieces', () => {
    expect(sliceSizes(24, 1, 0, random)).toEqual(Array(24).fill(1));
  });

  it('keeps a chunk within the variation whole', () => {
    expect(sliceSizes(100, 100, 0, random)).toEqual([100]);
    expect(sliceSizes(110, 100, 10, random)).toEqual([110]);
  });

  it('cuts 480,000 bytes at 1024 ± 512 into 240–720 pieces that add up', () => {
    const sizes = sliceSizes(480_000, 1024, 512, random);
    expect(sizes.length).toBeGreaterThanOrEqual(240);
    expect(sizes.length).toBeLessThanOrEqual(720);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(480_000);
    expect(sizes.every((n) => n > 0)).toBe(true);
  });

  it('terminates with a variation as large as the average (Toxiproxy panics there)', () => {
    const sizes = sliceSizes(10_000, 10, 10, random);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(10_000);
  });
});

describe('toxic attribute checks', () => {
  it.each([
    ['latency', { latency: -1 }],
    ['latency', { jitter: -1 }],
    ['bandwidth', { rate: -1 }],
    ['slicer', { average_size: 0 }],
    ['slicer', { average_size: 5, size_variation: -1 }],
    ['slicer', { average_size: 5, delay: -1 }],
    ['slow_close', { delay: -1 }],
    ['timeout', { timeout: -1 }],
    ['reset_peer', { timeout: -1 }],
    ['limit_data', { bytes: -1 }],
  ])('%s refuses %j', (type, attributes) => {
    expect(TOXIC_TYPES.get(type)?.invalid?.(attributes)).toMatch(/must be/);
  });

  it.each([
    ['latency', { latency: 0, jitter: 0 }],
    ['bandwidth', { rate: 0 }],
    ['slicer', { average_size: 1000, size_variation: 1000, delay: 1000 }],
    ['timeout', { timeout: 0 }],
    ['limit_data', { bytes: 0 }],
  ])('%s accepts %j', (type, attributes) => {
    expect(TOXIC_TYPES.get(type)?.invalid?.(attributes)).toBeUndefined();
  });

  it('registers exactly Toxiproxy 2.x types (down is not a toxic)', () => {
    expect([...TOXIC_TYPES.keys()].sort()).toEqual(['bandwidth', 'latency', 'limit_data', 'noop', 'reset_peer', 'slicer', 'slow_close', 'timeout']);
  });
});
