import { limitData, noop, resetPeer, slowClose, timeout } from './simple.js';
import { bandwidth, latency, slicer } from './timing.js';
import type { ToxicType } from './types.js';

/** Every toxic type, by Toxiproxy's name. (`down` is not a toxic: it is `enabled: false`.) */
export const TOXIC_TYPES: ReadonlyMap<string, ToxicType> = new Map(
  [latency, bandwidth, slowClose, timeout, resetPeer, slicer, limitData, noop].map((t) => [t.type, t]),
);

export type { Attributes, Chunk, Item, ToxicIO, ToxicType } from './types.js';
export { EOF, passThrough } from './types.js';
