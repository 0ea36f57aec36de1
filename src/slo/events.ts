import { unpackMetrics } from '../record/metrics-pack.js';
import type { LoadSecond, MetricsSample, Recording } from '../record/types.js';
import type { ResolvedSlo } from '../scenario/types.js';
import { matches } from '../scenario/selector.js';

/**
 * An SLI as a series of event counts: at time `t`, `total` valid events happened since the
 * previous entry, `bad` of them bad. Ratios over any window come from prefix sums, so a
 * window costs two binary searches however long the run.
 *
 * Client-side: one entry per second of load, at the *end* of the second its requests were due
 * in (a second is complete only then). Server-side: one entry per scrape, holding the counter
 * increases since the previous successful scrape.
 */
export class EventSeries {
  readonly t: Float64Array;
  readonly #total: Float64Array;
  readonly #bad: Float64Array;

  constructor(entries: readonly { t: number; total: number; bad: number }[]) {
    const sorted = [...entries].sort((a, b) => a.t - b.t);
    this.t = new Float64Array(sorted.map((e) => e.t));
    this.#total = prefix(sorted.map((e) => e.total));
    this.#bad = prefix(sorted.map((e) => e.bad));
  }

  get length(): number {
    return this.t.length;
  }

  /** Events with from < t ≤ to. */
  window(from: number, to: number): { total: number; bad: number } {
    const a = upperBound(this.t, from);
    const b = upperBound(this.t, to);
    return { total: (this.#total[b] ?? 0) - (this.#total[a] ?? 0), bad: (this.#bad[b] ?? 0) - (this.#bad[a] ?? 0) };
  }
}

function prefix(values: readonly number[]): Float64Array {
  const out = new Float64Array(values.length + 1);
  for (let i = 0; i < values.length; i++) out[i + 1] = (out[i] ?? 0) + (values[i] ?? 0);
  return out;
}

/** Index of the first element > x (the count of elements ≤ x). */
function upperBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? 0) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Every request the load generator was due to send in a second, and how each ended. */
export function loadTotals(second: LoadSecond): { total: number; answered: number; fiveXx: number; failed: number } {
  let answered = 0;
  let fiveXx = 0;
  for (const [code, count] of Object.entries(second.status)) {
    answered += count;
    if (Number(code) >= 500) fiveXx += count;
  }
  const e = second.errors;
  const failed = e.unanswered + e.refused + e.timeout + e.skipped + e.other;
  return { total: answered + failed, answered, fiveXx, failed };
}

/**
 * The client-side SLI: what the load generator's users saw. Availability: bad = a 5xx, no
 * answer, refused, timed out, skipped (every connection busy) or malformed. Latency: good = an
 * answer below 500 within the threshold, everything else bad.
 */
export function clientEvents(load: readonly LoadSecond[], slo: ResolvedSlo): EventSeries {
  return new EventSeries(
    load.map((second) => {
      const { total, fiveXx, failed } = loadTotals(second);
      if (slo.kind === 'availability') return { t: second.t + 1000, total, bad: fiveXx + failed };
      const good = second.under[String(slo.thresholdMs)] ?? 0;
      return { t: second.t + 1000, total, bad: total - good };
    }),
  );
}

/** Why a server-side SLI cannot be computed (the histogram has no bucket at the threshold, say). */
export class SliProblem extends Error {}

/**
 * The server-side SLI: what the service's own metrics say, from the scraped counters. Each
 * scrape contributes the increase of every matching series since that series' previous
 * sample; a value below the previous one is a counter reset (a restart), counted as an
 * increase from zero, as Prometheus's `increase()` does. A failed scrape contributes nothing:
 * a dead target has no metrics, which is not the same as no errors.
 */
export function serverEvents(metrics: Recording['metrics'], slo: ResolvedSlo): EventSeries {
  const server = slo.server;
  if (server === null) throw new SliProblem(`the SLO ${slo.name} has no server-side metrics`);
  const samples = unpackMetrics(metrics);
  if (server.kind === 'availability') {
    const total = increases(samples, (name, labels) => name === server.total.metric && matches(server.total, labels));
    const errors = increases(samples, (name, labels) => name === server.errors.metric && matches(server.errors, labels));
    return new EventSeries(total.map((inc, i) => ({ t: inc.t, total: inc.value, bad: Math.min(inc.value, errors[i]?.value ?? 0) })));
  }
  const seconds = (slo.thresholdMs ?? 0) / 1000;
  const base = server.histogram;
  const isBucketAt = (labels: Readonly<Record<string, string>>) => {
    const le = labels['le'];
    return le !== undefined && Math.abs(Number(le) - seconds) <= 1e-9 * Math.max(1, seconds);
  };
  const bucketLabels = (labels: Readonly<Record<string, string>>) => withoutLe(labels);
  const seenBucket = samples.some((s) => s.points.some((p) => p.name === `${base.metric}_bucket` && matches(base, bucketLabels(p.labels)) && isBucketAt(p.labels)));
  const anyBucket = samples.some((s) => s.points.some((p) => p.name === `${base.metric}_bucket` && matches(base, bucketLabels(p.labels))));
  if (anyBucket && !seenBucket) {
    throw new SliProblem(`${base.metric} has no bucket at le="${seconds}" (the SLO ${slo.name}'s threshold of ${slo.thresholdMs} ms): a server-side latency SLI can only count requests under a bucket boundary`);
  }
  const good = increases(samples, (name, labels) => name === `${base.metric}_bucket` && isBucketAt(labels) && matches(base, bucketLabels(labels)));
  const total = increases(samples, (name, labels) => name === `${base.metric}_count` && matches(base, labels));
  return new EventSeries(total.map((inc, i) => ({ t: inc.t, total: inc.value, bad: Math.max(0, inc.value - (good[i]?.value ?? 0)) })));
}

function withoutLe(labels: Readonly<Record<string, string>>): Record<string, string> {
  const { le: _le, ...rest } = labels;
  return rest;
}

/**
 * Per successful scrape, the summed increase of the series `pick` selects since each one's
 * previous sample. In the first successful scrape every series only sets its baseline (what
 * came before is unknown). After that, a series that appears counts from zero: client
 * libraries create a labelled series at its first increment (the first 504 creates the
 * `status_code="504"` series with value 1), which Prometheus's `rate()` would miss. A value
 * below the previous one is a counter reset (a restart) and counts as an increase from zero.
 */
export function increases(samples: readonly MetricsSample[], pick: (name: string, labels: Readonly<Record<string, string>>) => boolean): { t: number; value: number }[] {
  const last = new Map<string, number>();
  const out: { t: number; value: number }[] = [];
  let baseline = true;
  for (const sample of samples) {
    if (!sample.up) continue;
    let value = 0;
    for (const point of sample.points) {
      if (!pick(point.name, point.labels) || !Number.isFinite(point.value)) continue;
      const key = `${point.name}${JSON.stringify(point.labels)}`;
      const before = last.get(key);
      last.set(key, point.value);
      if (baseline) continue;
      if (before === undefined || point.value < before) value += point.value;
      else value += point.value - before;
    }
    if (!baseline) out.push({ t: sample.t, value });
    baseline = false;
  }
  return out;
}
