import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../../../harness/agent/bus/ring-buffer.js';

describe('RingBuffer', () => {
  it.each([0, -1, 1.5, NaN, Infinity])('rejects capacity %s', (capacity) => {
    expect(() => new RingBuffer<number>(capacity)).toThrow(RangeError);
    expect(() => new RingBuffer<number>(capacity)).toThrow(/positive integer/);
  });

  it('is empty at first', () => {
    const ring = new RingBuffer<number>(3);
    expect(ring.capacity).toBe(3);
    expect(ring.size).toBe(0);
    expect(ring.shift()).toBeUndefined();
    expect(ring.toArray()).toEqual([]);
  });

  it('shifts in push order (FIFO)', () => {
    const ring = new RingBuffer<string>(4);
    for (const item of ['a', 'b', 'c']) expect(ring.push(item)).toBeUndefined();
    expect(ring.size).toBe(3);
    expect(ring.toArray()).toEqual(['a', 'b', 'c']);
    expect(ring.shift()).toBe('a');
    expect(ring.shift()).toBe('b');
    expect(ring.size).toBe(1);
    ring.push('d');
    expect(ring.toArray()).toEqual(['c', 'd']);
    expect(ring.shift()).toBe('c');
    expect(ring.shift()).toBe('d');
    expect(ring.shift()).toBeUndefined();
    expect(ring.size).toBe(0);
  });

  it('overwrites the oldest item when full and returns it', () => {
    const ring = new RingBuffer<number>(3);
    expect([1, 2, 3].map((n) => ring.push(n))).toEqual([undefined, undefined, undefined]);
    expect(ring.push(4)).toBe(1);
    expect(ring.push(5)).toBe(2);
    expect(ring.size).toBe(3);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    expect(ring.shift()).toBe(3);
    expect(ring.push(6)).toBeUndefined();
    expect(ring.push(7)).toBe(4);
    expect(ring.toArray()).toEqual([5, 6, 7]);
  });

  it('keeps order across many wraps (table of capacities)', () => {
    for (const capacity of [1, 2, 3, 7]) {
      const ring = new RingBuffer<number>(capacity);
      const evicted: number[] = [];
      for (let n = 0; n < 25; n++) {
        const out = ring.push(n);
        if (out !== undefined) evicted.push(out);
        if (n % 4 === 3) {
          const shifted = ring.shift();
          if (shifted !== undefined) evicted.push(shifted);
        }
      }
      const kept = ring.toArray();
      // Everything pushed comes out exactly once, oldest first.
      expect([...evicted, ...kept]).toEqual(Array.from({ length: 25 }, (_, n) => n));
      expect(kept.length).toBe(ring.size);
      expect(ring.size).toBeLessThanOrEqual(capacity);
    }
  });

  it('toArray() does not remove items', () => {
    const ring = new RingBuffer<number>(2);
    ring.push(1);
    ring.push(2);
    ring.push(3);
    expect(ring.toArray()).toEqual([2, 3]);
    expect(ring.toArray()).toEqual([2, 3]);
    expect(ring.size).toBe(2);
  });

  it('a capacity-1 ring holds only the newest', () => {
    const ring = new RingBuffer<string>(1);
    expect(ring.push('a')).toBeUndefined();
    expect(ring.push('b')).toBe('a');
    expect(ring.toArray()).toEqual(['b']);
    expect(ring.shift()).toBe('b');
    expect(ring.size).toBe(0);
  });
});
