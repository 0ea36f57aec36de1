import type { Agent } from 'undici';
import type { Clock } from '../clock.js';
import type { MetricPoint, MetricsSample } from '../record/types.js';
import { matches, type Selector } from '../scenario/selector.js';
import { boundedGet, startPoller, type Poller } from './poll.js';
import { formatPromTextIssue, parsePrometheusText, type MetricFamily } from './prometheus-text.js';

/**
 * The metrics scraper: GETs the target's Prometheus endpoint on the run's clock grid and
 * records the points the scenario's SLOs select. A failed scrape is recorded as `up: false`
 * with no points, never as zeros, so the judge can tell "no data" from "nothing happened".
 */

export interface MetricsScraperOptions {
  /** The metrics endpoint, e.g. `http://127.0.0.1:8080/metrics`. */
  url: string;
  /** A scrape is due at every multiple of this on the run's clock (t = k × intervalMs + offsetMs), ms. */
  intervalMs: number;
  /** Shifts the grid (0 ≤ offset < interval), e.g. to fall between health polls. Default 0. */
  offsetMs?: number;
  /** Deadline of one scrape from connect to the last byte of the body, ms. */
  timeoutMs: number;
  /** Keep the points whose series match any of these; none keeps no points (up/down is still recorded). */
  selectors: readonly Selector[];
  clock: Clock;
  /** Called with each sample as it is recorded. It must not throw; if it does, stop() rethrows the first error. */
  onSample?: (sample: MetricsSample) => void;
}

/** stop() abandons a scrape in flight and returns every sample in order; skippedTicks counts overrun ticks. */
export type MetricsScraper = Poller<MetricsSample>;

/** A body larger than this is refused rather than buffered (prom-client bodies are tens of KB). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const ACCEPT = 'text/plain;version=0.0.4';
/** Formats this parser does not read; a server that sends them despite ACCEPT is reported, not guessed at. */
const OTHER_FORMATS = /^\s*application\/(?:openmetrics-text|vnd\.google\.protobuf)/i;

export function startMetricsScraper(options: MetricsScraperOptions): MetricsScraper {
  const { url, timeoutMs, selectors, onSample } = options;
  return startPoller<MetricsSample>(
    { what: 'metrics scraper', url, intervalMs: options.intervalMs, timeoutMs, clock: options.clock, ...(options.offsetMs === undefined ? {} : { offsetMs: options.offsetMs }) },
    async (t, dispatcher, stop) => {
      const result = await scrape(dispatcher, url, timeoutMs, stop);
      if (result === 'stopped') return 'stopped';
      return result.ok ? { t, up: true, points: selectPoints(result.families, selectors) } : { t, up: false, points: [], error: result.error };
    },
    onSample,
  );
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

