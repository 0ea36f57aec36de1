import { Agent, request } from 'undici';
import { waitUntil, type Clock } from '../clock.js';
import { FaultlineError } from '../errors.js';

/**
 * What the health poller and the metrics scraper share: a GET on the run's clock grid, bounded
 * in time and size, samples in order, and a stop() that abandons a poll in flight.
 */

export interface Poller<S> {
  /** Stops at once (a poll in flight is abandoned, not recorded) and returns every sample in order. Idempotent. */
  stop(): Promise<S[]>;
  /** Ticks that passed while a slower poll was still running: skipped, never queued. */
  readonly skippedTicks: number;
}

export interface PollerOptions {
  /** For messages, e.g. "health poller". */
  what: string;
  url: string;
  intervalMs: number;
  timeoutMs: number;
  clock: Clock;
  /** Polls at t = k × intervalMs + offsetMs (0 ≤ offset < interval), so two pollers can interleave. Default 0. */
  offsetMs?: number;
}

/**
 * Calls `poll` at every tick with its own dispatcher (closed on stop, never shared with the
 * load generator's pool) and records what it returns; `observe` sees each sample as it is
 * recorded. An exception from `observe` (or a bug in the loop) is rethrown by stop().
 */
export function startPoller<S>(
  options: PollerOptions,
  poll: (t: number, dispatcher: Agent, stop: AbortSignal) => Promise<S | 'stopped'>,
  observe: (sample: S, t: number) => void = () => undefined,
): Poller<S> {
  const { what, url, intervalMs, timeoutMs, clock } = options;
  const offsetMs = options.offsetMs ?? 0;
  checkObserverOptions(what, url, intervalMs, timeoutMs);
  if (!(offsetMs >= 0 && offsetMs < intervalMs)) throw new FaultlineError('FAULTLINE_USAGE', `${what}: offset must be from 0 up to the interval (${intervalMs} ms), got ${offsetMs}`);
  const dispatcher = new Agent({ connections: 1 });
  const stopping = new AbortController();
  const samples: S[] = [];
  let skippedTicks = 0;
  let failure: { error: unknown } | undefined;

  const loop = pollOnTicks(
    clock,
    intervalMs,
    stopping.signal,
    async (t) => {
      const sample = await poll(t, dispatcher, stopping.signal);
      if (sample === 'stopped') return false;
      samples.push(sample);
      try {
        observe(sample, t);
      } catch (error) {
        failure ??= { error };
      }
      return true;
    },
    (missed) => (skippedTicks += missed),
    offsetMs,
  ).catch((error: unknown) => {
    failure ??= { error };
  });

  let stopped: Promise<S[]> | undefined;
  return {
    stop() {
      stopped ??= (async () => {
        stopping.abort();
        await loop;
        await dispatcher.destroy();
        if (failure !== undefined) throw failure.error;
        return samples;
      })();
      return stopped;
    },
    get skippedTicks() {
      return skippedTicks;
    },
  };
}

/**
 * Runs `once` at every multiple of `intervalMs` (plus `offsetMs`) on the run's clock, one at a
 * time, until `stop` aborts or `once` returns false. The grid never drifts: a run that overruns
 * the next tick makes it (and any later ones it overran) be skipped and reported to `onSkip`,
 * never queued. `once` gets the clock time at which it started.
 */
export async function pollOnTicks(clock: Clock, intervalMs: number, stop: AbortSignal, once: (t: number) => Promise<boolean>, onSkip: (missed: number) => void, offsetMs = 0): Promise<void> {
  let tick = Math.ceil((clock.now() - offsetMs) / intervalMs);
  while (!stop.aborted) {
    const due = tick * intervalMs + offsetMs;
    // A timer may fire a fraction of a ms early on the monotonic clock: wait until the tick is really due.
    while (clock.now() < due && !stop.aborted) await waitUntil(clock, due, stop);
    if (stop.aborted || !(await once(clock.now()))) return;
    const next = Math.max(tick + 1, Math.ceil((clock.now() - offsetMs) / intervalMs));
    if (next > tick + 1) onSkip(next - tick - 1);
    tick = next;
  }
}

export type Answer = { status: number; contentType: string | undefined; body: Buffer; bodyError?: string } | { error: string };

/**
 * One GET on a fresh connection, bounded in time (connect to last byte) and in body size.
 * Resolves with the answer, `{ error }` when there is none, or 'stopped'; never rejects.
 *
 */
export async function boundedGet(dispatcher: Agent, url: string, accept: string, timeoutMs: number, maxBytes: number, stop: AbortSignal): Promise<Answer | 'stopped'> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onStop = (): void => controller.abort();
  stop.addEventListener('abort', onStop, { once: true });
  /** Why there was no (whole) answer; undefined when we stopped it ourselves. */
  const why = (error: unknown): string | undefined => (stop.aborted ? undefined : timedOut ? `no answer within ${timeoutMs} ms` : describeError(error));
  try {
    // reset: a new connection per scrape, so a restarted target never meets a stale socket.
    const response = await request(url, { dispatcher, method: 'GET', headers: { accept }, reset: true, signal: controller.signal });
    const type = response.headers['content-type'];
    const head = { status: response.statusCode, contentType: Array.isArray(type) ? type.join(', ') : type };
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxBytes) return { ...head, body: Buffer.concat(chunks), bodyError: `body larger than ${maxBytes} bytes` };
        chunks.push(chunk);
      }
    } catch (error) {
      const bodyError = why(error);
      return bodyError === undefined ? 'stopped' : { ...head, body: Buffer.concat(chunks), bodyError };
    }
    return { ...head, body: Buffer.concat(chunks) };
  } catch (error) {
    const message = why(error);
    return message === undefined ? 'stopped' : { error: message };
  } finally {
    clearTimeout(timer);
    stop.removeEventListener('abort', onStop);
  }
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  const message = error.message === '' && error instanceof AggregateError ? describeError(error.errors[0]) : error.message;
  if (code === undefined || message.includes(code)) return message || error.name;
  return message === '' ? code : `${code}: ${message}`;
}

/** Options come from the resolved scenario, already checked: a bad one here is a bug. */
export function checkObserverOptions(what: string, url: string, intervalMs: number, timeoutMs: number): void {
  const bad = (message: string): FaultlineError => new FaultlineError('FAULTLINE_INTERNAL', `${what}: ${message}`);
  if (!(Number.isFinite(intervalMs) && intervalMs > 0)) throw bad(`intervalMs must be a positive number of ms, got ${intervalMs}`);
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw bad(`timeoutMs must be a positive number of ms, got ${timeoutMs}`);
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw bad(`expected an http(s) URL, got "${url}"`);
}
