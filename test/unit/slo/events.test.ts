import { describe, expect, it } from 'vitest';
import { packMetrics } from '../../../src/record/metrics-pack.js';
import type { LoadSecond, MetricsSample } from '../../../src/record/types.js';
import { parseSelector, type Selector } from '../../../src/scenario/selector.js';
import type { ResolvedSlo } from '../../../src/scenario/types.js';
import { SliProblem, clientEvents, increases, serverEvents } from '../../../src/slo/events.js';

const sel = (text: string): Selector => {
  const parsed = parseSelector(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.selector;
};

const summary = { count: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0 };
const second = (t: number, status: Record<string, number>, errors: Partial<LoadSecond['errors']> = {}, under: Record<string, number> = {}): LoadSecond => ({
  t,
  due: 0,
  sent: 0,
  status,
  errors: { unanswered: 0, refused: 0, timeout: 0, skipped: 0, other: 0, ...errors },
  latency: summary,
  service: summary,
  under,
  histogram: '',
  sendLagP99: 0,
});

const availability: ResolvedSlo = {
  name: 'availability',
  kind: 'availability',
  objective: 0.99,
  thresholdMs: null,
  client: true,
  server: { kind: 'availability', total: sel('http_requests_total{route="/v1/actions"}'), errors: sel('http_requests_total{route="/v1/actions",status_code=~"5.."}') },
  windowMs: 30_000,
  description: '',
};
const latency: ResolvedSlo = { ...availability, name: 'latency', kind: 'latency', thresholdMs: 250, server: { kind: 'latency', histogram: sel('http_request_duration_seconds{route="/v1/actions"}') } };

describe('client-side events', () => {
  it('counts every way a request can fail as bad, at the end of the second it was due in', () => {
    const series = clientEvents([second(0, { '200': 40, '503': 2 }, { timeout: 3, refused: 1, unanswered: 1, skipped: 2, other: 1 })], availability);
    expect([...series.t]).toEqual([1000]);
    expect(series.window(0, 1000)).toEqual({ total: 50, bad: 10 });
    expect(series.window(0, 999)).toEqual({ total: 0, bad: 0 });
  });

  it('for latency, counts only answers below 500 within the threshold as good', () => {
    const series = clientEvents([second(2000, { '200': 45, '500': 5 }, { timeout: 2 }, { '250': 40 })], latency);
    expect(series.window(0, 3000)).toEqual({ total: 52, bad: 12 });
  });
});

const scrape = (t: number, points: [string, Record<string, string>, number][], up = true): MetricsSample => ({ t, up, points: up ? points.map(([name, labels, value]) => ({ name, labels, value })) : [] });
const ok = { route: '/v1/actions', status_code: '200' };
const err = { route: '/v1/actions', status_code: '504' };

describe('counter increases', () => {
  it('takes the first scrape as the baseline, counts series that appear from zero, and handles resets', () => {
    const samples = [
      scrape(1000, [['c', ok, 100]]),
      scrape(2000, [['c', ok, 150]]),
      scrape(3000, [['c', ok, 160], ['c', err, 4]]), // the 504 series appears: 4 new events
      scrape(4000, [], false), // a failed scrape contributes nothing
      scrape(5000, [['c', ok, 30]]), // restarted: reset, 30 since; the 504 series is gone
      scrape(6000, [['c', ok, 50], ['c', err, 1]]), // 504 again after the reset: 1 < 4 → reset
    ];
    expect(increases(samples, () => true)).toEqual([
      { t: 2000, value: 50 },
      { t: 3000, value: 14 },
      { t: 5000, value: 30 },
      { t: 6000, value: 21 },
    ]);
  });
});

describe('server-side events', () => {
  it('availability: errors / total from the selected counters', () => {
    const metrics = packMetrics([
      scrape(1000, [['http_requests_total', ok, 10]]),
      scrape(2000, [['http_requests_total', ok, 60], ['http_requests_total', err, 5], ['http_requests_total', { route: '/health', status_code: '503' }, 9]]),
    ]);
    const series = serverEvents(metrics, availability);
    expect(series.window(0, 2000)).toEqual({ total: 55, bad: 5 });
  });

  it('latency: the bucket at the threshold is good, the rest of _count bad', () => {
    const bucket = (le: string, v: number): [string, Record<string, string>, number] => ['http_request_duration_seconds_bucket', { route: '/v1/actions', le }, v];
    const count = (v: number): [string, Record<string, string>, number] => ['http_request_duration_seconds_count', { route: '/v1/actions' }, v];
    const metrics = packMetrics([scrape(1000, [bucket('0.25', 10), bucket('+Inf', 10), count(10)]), scrape(2000, [bucket('0.25', 50), bucket('+Inf', 60), count(60)])]);
    expect(serverEvents(metrics, latency).window(0, 2000)).toEqual({ total: 50, bad: 10 });
  });

  it('refuses a latency threshold that is not a bucket boundary', () => {
    const metrics = packMetrics([scrape(1000, [['http_request_duration_seconds_bucket', { route: '/v1/actions', le: '0.2' }, 1]])]);
    expect(() => serverEvents(metrics, latency)).toThrow(SliProblem);
    expect(() => serverEvents(metrics, latency)).toThrow(/no bucket at le="0.25"/);
  });
});
