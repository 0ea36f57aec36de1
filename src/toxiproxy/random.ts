import { createHash } from 'node:crypto';

/**
 * Seeded randomness. Every random choice (toxicity, jitter, slicer sizes) draws from a stream
 * derived from the server seed and a key naming *what* it is for — proxy, connection number,
 * direction, toxic — so a choice does not depend on the order or timing of unrelated events.
 * Toxiproxy's own `-seed` flag has no effect (its issue #274); ours does.
 */
export type Random = () => number;

/** A stream of uniform numbers in [0, 1) for `key` under `seed` (sfc32 seeded from sha256). */
export function randomStream(seed: number, key: string): Random {
  const digest = createHash('sha256').update(`${seed}\u0000${key}`).digest();
  let a = digest.readUInt32LE(0);
  let b = digest.readUInt32LE(4);
  let c = digest.readUInt32LE(8);
  let d = digest.readUInt32LE(12);
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4_294_967_296;
  };
  for (let i = 0; i < 12; i++) next(); // let the state mix before the first draw
  return next;
}

/** A uniform integer in [min, max). */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min));
}
