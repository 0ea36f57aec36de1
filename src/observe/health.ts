import type { Clock } from '../clock.js';
import type { HealthSample } from '../record/types.js';
import { boundedGet, startPoller, type Poller } from './poll.js';

/**
 * The health poller: GETs the target's health URL on the run's clock grid and records every
 * answer. 2xx is UP, any other answer DOWN, no answer (refused, reset, timeout) UNREACHABLE.
 * The names of failing checks are read from a JSON body's `failed` array when there is one
 * (the agent answers `{status, failed: [...], checks: {...}}`). No debouncing here: the
 * judge decides what a flap means, from every sample.
 */

/** What one poll saw (not the scenario's UP/DOWN expectation type). */
export type ObservedHealth = HealthSample['state'];

export interface HealthPollerOptions {
  /** The health endpoint, e.g. `http://127.0.0.1:8080/health`. */
  url: string;
  /** A poll is due at every multiple of this on the run's clock (t = k × intervalMs), ms. */
  intervalMs: number;
  /** Deadline of one poll from connect to the last byte of the body, ms; later is UNREACHABLE. */
  timeoutMs: number;
  clock: Clock;
  /**
   * Called when the state changes, and for the first sample with `from: null`. It must not
   * throw; if it does, stop() rethrows the first error.
   */
  onTransition?: (from: ObservedHealth | null, to: ObservedHealth, t: number) => void;
}

/** stop() abandons a poll in flight and returns every sample in order; skippedTicks counts overrun ticks. */
export type HealthPoller = Poller<HealthSample>;

/** Health bodies are small; past this the body is not read for `failed` (the status still counts). */
const MAX_BODY_BYTES = 1024 * 1024;

export function startHealthPoller(options: HealthPollerOptions): HealthPoller {
  const { url, timeoutMs, clock, onTransition } = options;
  let state: ObservedHealth | null = null;
  return startPoller<HealthSample>(
    { what: 'health poller', url, intervalMs: options.intervalMs, timeoutMs, clock },
    async (t, dispatcher, stop) => {
      const answer = await boundedGet(dispatcher, url, 'application/json', timeoutMs, MAX_BODY_BYTES, stop);
      if (answer === 'stopped') return 'stopped';
      const latencyMs = clock.now() - t;
      if ('error' in answer) return { t, state: 'UNREACHABLE', status: null, latencyMs, error: answer.error };
      const sample: HealthSample = { t, state: answer.status >= 200 && answer.status < 300 ? 'UP' : 'DOWN', status: answer.status, latencyMs };
      const failed = answer.bodyError === undefined ? failedChecks(answer.body) : undefined;
      if (failed !== undefined) sample.failed = failed;
      return sample;
    },
    (sample, t) => {
      if (sample.state === state) return;
      const from = state;
      state = sample.state;
      onTransition?.(from, sample.state, t);
    },
  );
}

/** `failed` from a JSON object body when it is an array of strings; anything else tells nothing. */
function failedChecks(body: Buffer): string[] | undefined {
  if (body.length === 0) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || !('failed' in parsed)) return undefined;
  const { failed } = parsed;
  return Array.isArray(failed) && failed.every((name) => typeof name === 'string') ? failed : undefined;
}
