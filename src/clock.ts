import { performance } from 'node:perf_hooks';

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
}

export function startClock(): Clock {
  const origin = performance.now();
  const startedAt = new Date(performance.timeOrigin + origin).toISOString();
  return { now: () => performance.now() - origin, startedAt, origin };
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
