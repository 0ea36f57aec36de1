import { randomInt } from '../random.js';
import { EOF, checkMs, type ToxicType } from './types.js';

/**
 * latency: each chunk leaves `latency` ms (± a uniform integer jitter in [-jitter, jitter-1])
 * after it *arrived*, so back-to-back chunks do not add up; chunks are never reordered (one
 * due earlier than its predecessor leaves right after it); the wait moves the chunk's
 * timestamp, so stacked latency toxics add up. Interrupted, it lets the held chunk go at once.
 */
export const latency: ToxicType = {
  type: 'latency',
  attributes: ['latency', 'jitter'],
  invalid: ({ latency: ms = 0, jitter = 0 }) => checkMs('latency', ms) ?? checkMs('jitter', jitter),
  async run(io, { latency: ms = 0, jitter = 0 }) {
    for (;;) {
      const item = await io.read();
      if (item === null) return;
      if (item === EOF) {
        io.send(item);
        continue;
      }
      const delay = jitter > 0 ? ms + randomInt(io.random, -jitter, jitter) : ms;
      const wait = item.at + delay - performance.now();
      if (wait > 0) {
        const completed = await io.sleep(wait);
        item.at += wait;
        io.send(item);
        if (!completed) return;
      } else {
        io.send(item);
      }
    }
  },
};

/** One KB in Toxiproxy's bandwidth toxic is 1000 bytes. */
const KB = 1000;

/**
 * bandwidth: `rate` KB/s per connection and direction. Each byte costs 1/rate ms; the sleep
 * debt is carried across chunks and corrected for timer overshoot. Chunks larger than 100 ms
 * worth of bytes are cut and sent one piece per 100 ms. `rate: 0` stalls the stream.
 */
export const bandwidth: ToxicType = {
  type: 'bandwidth',
  attributes: ['rate'],
  invalid: ({ rate = 0 }) => (rate < 0 ? `bandwidth rate must be >= 0 KB/s, got ${rate}` : undefined),
  async run(io, { rate = 0 }) {
    let debt = 0; // ms we owe the stream before the next byte may leave
    for (;;) {
      const item = await io.read();
      if (item === null) return;
      if (item === EOF) {
        io.send(item);
        continue;
      }
      if (rate === 0) {
        // Nothing ever leaves; hold the chunk until interrupted, then hand it on.
        while (await io.sleep(60_000)) {
          // still stalled
        }
        io.send(item);
        return;
      }
      const piece = rate * 100; // bytes per 100 ms
      let data = item.data;
      while (data.length > 0) {
        const part = data.subarray(0, piece);
        data = data.subarray(part.length);
        debt += (part.length * 1000) / (rate * KB);
        if (debt >= 1) {
          const started = performance.now();
          const completed = await io.sleep(debt);
          // Pay back only what the timer really slept, so overshoot is not charged twice.
          debt -= performance.now() - started;
          if (!completed) {
            io.send({ data: Buffer.concat([part, data]), at: item.at });
            return;
          }
        }
        io.send({ data: part, at: item.at });
      }
    }
  },
};

/**
 * slicer: splits each chunk into pieces of about `average_size` bytes (± `size_variation`),
 * waiting `delay` microseconds after each piece. Sub-millisecond delays accumulate and are
 * slept once they add up to a millisecond, since timers cannot wait less.
 */
export const slicer: ToxicType = {
  type: 'slicer',
  attributes: ['average_size', 'size_variation', 'delay'],
  invalid: ({ average_size: avg = 0, size_variation: variation = 0, delay = 0 }) => {
    if (avg <= 0) return `slicer average_size must be > 0 bytes, got ${avg} (Toxiproxy would recurse until it crashes)`;
    if (variation < 0) return `slicer size_variation must be >= 0 bytes, got ${variation}`;
    if (delay < 0) return `slicer delay must be >= 0 µs, got ${delay}`;
    return undefined;
  },
  async run(io, { average_size: avg = 1, size_variation: variation = 0, delay = 0 }) {
    let owedMs = 0;
    for (;;) {
      const item = await io.read();
      if (item === null) return;
      if (item === EOF) {
        io.send(item);
        continue;
      }
      const sizes = sliceSizes(item.data.length, avg, variation, io.random);
      let offset = 0;
      for (const size of sizes) {
        io.send({ data: item.data.subarray(offset, offset + size), at: item.at });
        offset += size;
        owedMs += delay / 1000;
        if (owedMs >= 1 && offset < item.data.length) {
          const slept = await io.sleep(owedMs);
          owedMs = 0;
          if (!slept) {
            // Interrupted: the rest goes out unsliced.
            io.send({ data: item.data.subarray(offset), at: item.at });
            return;
          }
        }
      }
    }
  },
};

/**
 * Toxiproxy's slicing: keep a piece whole when it is within the variation, else halve it near
 * its middle. The split point is clamped inside the piece, so a variation as large as the
 * average (which makes Toxiproxy slice out of range and panic) still terminates.
 */
export function sliceSizes(length: number, avg: number, variation: number, random: () => number): number[] {
  const out: number[] = [];
  const stack: number[] = [length];
  // Iterative, depth-first, left piece first: the same order as the recursive definition.
  while (stack.length > 0) {
    const size = stack.pop() as number;
    if (size - avg <= variation) {
      out.push(size);
      continue;
    }
    let mid = Math.floor(size / 2);
    if (variation > 0) mid += randomInt(random, -variation, variation);
    mid = Math.min(Math.max(mid, 1), size - 1);
    stack.push(size - mid, mid);
  }
  return out.filter((n) => n > 0);
}
