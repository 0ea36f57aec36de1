import type { Random } from '../random.js';

/** A piece of a stream as one socket read returned it, stamped with when it arrived. */
export interface Chunk {
  data: Buffer;
  /** performance.now() at arrival, moved forward by every delay a toxic applied. */
  at: number;
}

/** End of the stream: the source closed. */
export const EOF: unique symbol = Symbol('eof');
export type Item = Chunk | typeof EOF;

/** What a running toxic can do on one link (one connection, one direction). */
export interface ToxicIO {
  /** The next item; null once the toxic is interrupted (updated or removed). */
  read(): Promise<Item | null>;
  /** Hands an item to the next toxic (or the destination socket). */
  send(item: Item): void;
  /** The next item, or 'timeout' when none arrives within `ms`; null once interrupted. */
  readWithin(ms: number): Promise<Item | null | 'timeout'>;
  /** Waits `ms`; resolves false if interrupted first. */
  sleep(ms: number): Promise<boolean>;
  readonly interrupted: boolean;
  /** This link's seeded random stream for this toxic. */
  random: Random;
  /** Per-connection state that survives updates and restarts (limit_data's byte count). */
  state: Record<string, number>;
  /** Resets both sockets of the connection (RST). */
  reset(): void;
}

/** The attribute values of one toxic, by Toxiproxy's JSON names. */
export type Attributes = Record<string, number>;

export interface ToxicType {
  type: string;
  /** Attribute names in Toxiproxy's echo order; every one is echoed, 0 when unset. */
  attributes: readonly string[];
  /** Why these attributes are refused (where Toxiproxy would crash or misbehave), or undefined. */
  invalid?(attributes: Attributes): string | undefined;
  /** Runs on one link until interrupted; must hand on any chunk it holds before returning. */
  run(io: ToxicIO, attributes: Readonly<Attributes>): Promise<void>;
  /** Removing it closes the connection (timeout: the stream already lost data). */
  closesOnRemove?: boolean;
}

/** Passes everything through: the body of `noop` and of a toxic that lost its toxicity draw. */
export async function passThrough(io: ToxicIO): Promise<void> {
  for (;;) {
    const item = await io.read();
    if (item === null) return;
    io.send(item);
  }
}

/** After a toxic closed its output: swallow everything until interrupted. */
export async function discardRest(io: ToxicIO): Promise<void> {
  while ((await io.read()) !== null) {
    // dropped
  }
}

/** Longest wait a timer can express (Node clamps larger values to 1 ms). */
export const MAX_MS = 2 ** 31 - 1;

/** Why a duration attribute is refused, or undefined when it is fine. */
export function checkMs(what: string, ms: number, note = ''): string | undefined {
  if (ms < 0) return `${what} must be >= 0 ms, got ${ms}${note}`;
  if (ms > MAX_MS) return `${what} must be at most ${MAX_MS} ms (about 24.8 days), got ${ms}`;
  return undefined;
}
