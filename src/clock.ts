import { performance } from 'node:perf_hooks';
import { monotonicMs } from './inject/protocol.js';

/**
 * The run's one clock: milliseconds since the run started, from `performance.now()` (monotonic,
 * sub-millisecond). Wall time appears only as the start instant, for display.
 */
export interface Clock {
  /** ms since the run's start. */
  now(): number;
  /** Wall-clock instant of t = 0, for reports (ISO 8601). */
  readonly startedAt: string;
  /** The performance.now() value of t = 0, to convert timestamps taken elsewhere in this process. */
  readonly origin: number;
  /**
   * The machine's CLOCK_MONOTONIC in ms (monotonicMs()) at clock time `t`: the one timeline
   * every process on the machine shares, used to tell another process when to act.
   */
  toMonotonic(t: number): number;
  /** The clock time of a CLOCK_MONOTONIC instant in ms, as another process reported it. */
  fromMonotonic(ms: number): number;
}

// CLOCK_MONOTONIC in ms: system-wide on Linux, so comparable between processes (performance.now() is not).
export { monotonicMs };

export function startClock(): Clock {
  // Both read CLOCK_MONOTONIC (performance.now() is hrtime less the process's start): the
  // offset between them is constant, to the microsecond these two reads are apart.
  const monotonicOrigin = monotonicMs();
  const origin = performance.now();
  const startedAt = new Date(performance.timeOrigin + origin).toISOString();
  return {
    now: () => performance.now() - origin,
    startedAt,
    origin,
    toMonotonic: (t) => monotonicOrigin + t,
    fromMonotonic: (ms) => ms - monotonicOrigin,
  };
}

/** Resolves after `ms` on the given clock, or at once when `signal` aborts (never rejects). */
export function waitUntil(clock: Clock, atMs: number, signal?: AbortSignal): Promise<void> {
  const delay = atMs - clock.now();
  if (delay <= 0 || signal?.aborted === true) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, delay);
    signal?.addEventListener('abort', done, { once: true });
  });
}
