import { Agent, request } from 'undici';
import { waitUntil, type Clock } from '../clock.js';
import { FaultlineError } from '../errors.js';
import type { MetricPoint, MetricsSample } from '../record/types.js';
import { matches, type Selector } from '../scenario/selector.js';
import { formatPromTextIssue, parsePrometheusText, type MetricFamily } from './prometheus-text.js';

/**
 * The metrics scraper: GETs the target's Prometheus endpoint on the run's clock grid and
 * records the points the scenario's SLOs select. A failed scrape is recorded as `up: false`
 * with no points, never as zeros, so the judge can tell "no data" from "nothing happened".
 */

export interface MetricsScraperOptions {
  /** The metrics endpoint, e.g. `http://127.0.0.1:8080/metrics`. */
  url: string;
  /** A scrape is due at every multiple of this on the run's clock (t = k × intervalMs), ms. */
  intervalMs: number;
  /** Deadline of one scrape from connect to the last byte of the body, ms. */
  timeoutMs: number;
  /** Keep the points whose series match any of these; none keeps no points (up/down is still recorded). */
  selectors: readonly Selector[];
  clock: Clock;
  /** Called with each sample as it is recorded. It must not throw; if it does, stop() rethrows the first error. */
  onSample?: (sample: MetricsSample) => void;
}

export interface MetricsScraper {
  /** Stops at once (a scrape in flight is abandoned, not recorded) and returns every sample in order. Idempotent. */
  stop(): Promise<MetricsSample[]>;
  /** Ticks that passed while a slower scrape was still running: skipped, never queued. */
  readonly skippedTicks: number;
}

/** A body larger than this is refused rather than buffered (prom-client bodies are tens of KB). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const ACCEPT = 'text/plain;version=0.0.4';
/** Formats this parser does not read; a server that sends them despite ACCEPT is reported, not guessed at. */
const OTHER_FORMATS = /^\s*application\/(?:openmetrics-text|vnd\.google\.protobuf)/i;

export function startMetricsScraper(options: MetricsScraperOptions): MetricsScraper {
  const { url, intervalMs, timeoutMs, selectors, clock, onSample } = options;
  checkObserverOptions('metrics scraper', url, intervalMs, timeoutMs);
  // A dispatcher of our own: closed on stop, and never shared with the load generator's pool.
  const dispatcher = new Agent({ connections: 1 });
  const stopping = new AbortController();
  const samples: MetricsSample[] = [];
  let skippedTicks = 0;
  /** The first exception from onSample (or a bug in the loop): stop() rethrows it. */
  let failure: { error: unknown } | undefined;

  const record = (sample: MetricsSample): void => {
    samples.push(sample);
    try {
      onSample?.(sample);
    } catch (error) {
      failure ??= { error };
    }
  };

  const loop = pollOnTicks(
    clock,
    intervalMs,
    stopping.signal,
    async (t) => {
      const result = await scrape(dispatcher, url, timeoutMs, stopping.signal);
      if (result === 'stopped') return false;
      record(result.ok ? { t, up: true, points: selectPoints(result.families, selectors) } : { t, up: false, points: [], error: result.error });
      return true;
    },
    (missed) => (skippedTicks += missed),
  ).catch((error: unknown) => {
    failure ??= { error };
  });

  let stopped: Promise<MetricsSample[]> | undefined;
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
 * The points of the series that match a selector: by series name, and for a histogram or
 * summary family named by the selector, all of its series (`x_bucket`, `x_sum`, `x_count`,
 * the quantiles). Labels are matched with `matches` (a missing label is the empty string).
 */
export function selectPoints(families: readonly MetricFamily[], selectors: readonly Selector[]): MetricPoint[] {
  const byMetric = new Map<string, Selector[]>();
  for (const selector of selectors) byMetric.set(selector.metric, [...(byMetric.get(selector.metric) ?? []), selector]);
  const points: MetricPoint[] = [];
  for (const family of families) {
    const whole = family.type === 'histogram' || family.type === 'summary' ? byMetric.get(family.name) : undefined;
    for (const { name, labels, value } of family.samples) {
      const own = name === family.name && whole !== undefined ? undefined : byMetric.get(name);
      if (whole?.some((s) => matches(s, labels)) === true || own?.some((s) => matches(s, labels)) === true) {
        points.push({ name, labels, value });
      }
    }
  }
  return points;
}

type ScrapeResult = { ok: true; families: MetricFamily[] } | { ok: false; error: string };

async function scrape(dispatcher: Agent, url: string, timeoutMs: number, stop: AbortSignal): Promise<ScrapeResult | 'stopped'> {
  const answer = await boundedGet(dispatcher, url, ACCEPT, timeoutMs, MAX_BODY_BYTES, stop);
  if (answer === 'stopped') return answer;
  if ('error' in answer) return { ok: false, error: answer.error };
  if (answer.status !== 200) return { ok: false, error: `HTTP ${answer.status}` };
  if (answer.bodyError !== undefined) return { ok: false, error: `${answer.bodyError} (while reading the body)` };
  const contentType = answer.contentType ?? '';
  if (OTHER_FORMATS.test(contentType)) return { ok: false, error: `content-type "${contentType}" is not the text format 0.0.4` };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(answer.body);
  } catch {
    return { ok: false, error: 'the body is not valid UTF-8' };
  }
  const parsed = parsePrometheusText(text);
  if (!parsed.ok) {
    const [first] = parsed.issues;
    const more = parsed.issues.length > 1 ? ` (and ${parsed.issues.length - 1} more)` : '';
    return { ok: false, error: `not the Prometheus text format: ${first === undefined ? '' : formatPromTextIssue(first)}${more}` };
  }
  return { ok: true, families: parsed.families };
}

/**
 * Runs `once` at every multiple of `intervalMs` on the run's clock, one at a time, until `stop`
 * aborts or `once` returns false. The grid never drifts: a run that overruns the next tick
 * makes it (and any later ones it overran) be skipped and reported to `onSkip`, never queued.
 * `once` gets the clock time at which it started. (Shared with the health poller.)
 */
export async function pollOnTicks(clock: Clock, intervalMs: number, stop: AbortSignal, once: (t: number) => Promise<boolean>, onSkip: (missed: number) => void): Promise<void> {
  let tick = Math.ceil(clock.now() / intervalMs);
  while (!stop.aborted) {
    const due = tick * intervalMs;
    // A timer may fire a fraction of a ms early on the monotonic clock: wait until the tick is really due.
    while (clock.now() < due && !stop.aborted) await waitUntil(clock, due, stop);
    if (stop.aborted || !(await once(clock.now()))) return;
    const next = Math.max(tick + 1, Math.ceil(clock.now() / intervalMs));
    if (next > tick + 1) onSkip(next - tick - 1);
    tick = next;
  }
}

export type Answer = { status: number; contentType: string | undefined; body: Buffer; bodyError?: string } | { error: string };

/**
 * One GET on a fresh connection, bounded in time (connect to last byte) and in body size.
 * Resolves with the answer, `{ error }` when there is none, or 'stopped'; never rejects.
 * (Shared with the health poller.)
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
