import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startClock } from '../../../src/clock.js';
import { startMetricsScraper, type MetricsScraper } from '../../../src/observe/metrics.js';
import type { MetricsSample } from '../../../src/record/types.js';
import { parseSelector, type Selector } from '../../../src/scenario/selector.js';
import { call } from '../../helpers/http.js';
import { killAll, pollUntil, startAgent } from '../../helpers/processes.js';

const servers = new Set<Server>();
const scrapers = new Set<MetricsScraper>();

afterEach(async () => {
  await Promise.allSettled([...scrapers].map((s) => s.stop()));
  scrapers.clear();
  await Promise.all([...servers].map(closeServer));
  await killAll();
});

/** A node:http server on 127.0.0.1 (port 0 unless given), closed after each test. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void, port = 0): Promise<{ server: Server; port: number; url: string }> {
  const server = createServer(handler);
  servers.add(server);
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const actual = (server.address() as AddressInfo).port;
  return { server, port: actual, url: `http://127.0.0.1:${actual}/metrics` };
}

async function closeServer(server: Server): Promise<void> {
  servers.delete(server);
  if (!server.listening) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

function selector(text: string): Selector {
  const parsed = parseSelector(text);
  if (!parsed.ok) throw new Error(`bad selector ${text}: ${parsed.message}`);
  return parsed.selector;
}

/** Starts a scraper whose samples are also collected live, for polling. */
function scrape(url: string, options: { intervalMs?: number; timeoutMs?: number; selectors?: string[] } = {}) {
  const live: MetricsSample[] = [];
  const scraper = startMetricsScraper({
    url,
    intervalMs: options.intervalMs ?? 50,
    timeoutMs: options.timeoutMs ?? 1000,
    selectors: (options.selectors ?? []).map(selector),
    clock: startClock(),
    onSample: (sample) => live.push(sample),
  });
  scrapers.add(scraper);
  const waitFor = (what: string, predicate: (sample: MetricsSample) => boolean, from = 0): Promise<number> =>
    pollUntil(() => {
      const index = live.findIndex((sample, i) => i >= from && predicate(sample));
      return index === -1 ? undefined : index;
    }, what);
  return { scraper, live, waitFor };
}

const EXPOSITION = `# HELP http_requests_total Requests.
# TYPE http_requests_total counter
http_requests_total{route="/v1/actions",status_code="200"} 7
http_requests_total{route="/v1/actions",status_code="504"} 1
http_requests_total{route="/health",status_code="200"} 100
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.2",route="/v1/actions"} 6
http_request_duration_seconds_bucket{le="+Inf",route="/v1/actions"} 8
http_request_duration_seconds_sum{route="/v1/actions"} 1.25
http_request_duration_seconds_count{route="/v1/actions"} 8
http_request_duration_seconds_bucket{le="0.2",route="/health"} 100
http_request_duration_seconds_bucket{le="+Inf",route="/health"} 100
http_request_duration_seconds_sum{route="/health"} 0.1
http_request_duration_seconds_count{route="/health"} 100
# TYPE rpc_seconds summary
rpc_seconds{quantile="0.99"} 0.3
rpc_seconds_sum 3
rpc_seconds_count 10
# TYPE in_flight gauge
in_flight 3
`;

describe('metrics scraper', () => {
  it('keeps only the selected series (a histogram selector keeps _bucket, _sum, _count), on the clock grid', async () => {
    const requests: IncomingMessage[] = [];
    const { url } = await serve((req, res) => {
      requests.push(req);
      res.setHeader('content-type', 'text/plain; version=0.0.4; charset=utf-8');
      res.end(EXPOSITION);
    });
    const intervalMs = 50;
    const { scraper, waitFor } = scrape(url, { intervalMs, selectors: ['http_requests_total{route="/v1/actions"}', 'http_request_duration_seconds{route=~"/v1/.*"}', 'in_flight'] });
    await waitFor('5 scrapes', () => true, 4);
    const samples = await scraper.stop();

    expect(samples.length).toBeGreaterThanOrEqual(5);
    for (const sample of samples) {
      expect(sample).toEqual({
        t: sample.t,
        up: true,
        points: [
          { name: 'http_requests_total', labels: { route: '/v1/actions', status_code: '200' }, value: 7 },
          { name: 'http_requests_total', labels: { route: '/v1/actions', status_code: '504' }, value: 1 },
          { name: 'http_request_duration_seconds_bucket', labels: { le: '0.2', route: '/v1/actions' }, value: 6 },
          { name: 'http_request_duration_seconds_bucket', labels: { le: '+Inf', route: '/v1/actions' }, value: 8 },
          { name: 'http_request_duration_seconds_sum', labels: { route: '/v1/actions' }, value: 1.25 },
          { name: 'http_request_duration_seconds_count', labels: { route: '/v1/actions' }, value: 8 },
          { name: 'in_flight', labels: {}, value: 3 },
        ],
      });
    }
    // One scrape per tick of the grid, each at or after its tick, in order.
    const ticks = samples.map((s) => Math.floor(s.t / intervalMs));
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]).toBeGreaterThan(ticks[i - 1]!);
    expect(requests[0]?.headers.accept).toBe('text/plain;version=0.0.4');
    expect(requests[0]?.headers.connection).toBe('close');
  });

  it('keeps a series named directly (x_bucket) and a whole summary; no selectors keeps no points', async () => {
    const { url } = await serve((_req, res) => res.end(EXPOSITION));
    const named = scrape(url, { selectors: ['http_request_duration_seconds_bucket{le="0.2"}', 'rpc_seconds'] });
    const none = scrape(url);
    await named.waitFor('a scrape', () => true);
    await none.waitFor('a scrape', () => true);
    const [sample] = await named.scraper.stop();
    expect(sample?.points.map((p) => [p.name, p.labels.route ?? p.labels.quantile ?? '', p.value])).toEqual([
      ['http_request_duration_seconds_bucket', '/v1/actions', 6],
      ['http_request_duration_seconds_bucket', '/health', 100],
      ['rpc_seconds', '0.99', 0.3],
      ['rpc_seconds_sum', '', 3],
      ['rpc_seconds_count', '', 10],
    ]);
    const [bare] = await none.scraper.stop();
    expect(bare).toMatchObject({ up: true, points: [] });
  });

  it('records a failed scrape as up:false with the reason and no points: non-200, bad text, other formats, timeout', async () => {
    let mode: 'ok' | '500' | 'bad-text' | 'openmetrics' | 'not-utf8' | 'hang' = 'ok';
    const { url } = await serve((_req, res) => {
      if (mode === 'hang') return; // never answers; the scraper's timeout ends it
      if (mode === '500') {
        res.statusCode = 500;
        res.end('in_flight 0\n');
      } else if (mode === 'openmetrics') {
        res.setHeader('content-type', 'application/openmetrics-text; version=1.0.0; charset=utf-8');
        res.end('in_flight 3\n# EOF\n');
      } else if (mode === 'not-utf8') {
        res.end(Buffer.from([0x61, 0x7b, 0x62, 0x3d, 0x22, 0xff, 0x22, 0x7d, 0x20, 0x31, 0x0a]));
      } else {
        res.end(mode === 'bad-text' ? 'in_flight 3\nin_flight{x="1"} three\n' : EXPOSITION);
      }
    });
    const { scraper, waitFor } = scrape(url, { timeoutMs: 300, selectors: ['in_flight'] });
    let at = await waitFor('an up scrape', (s) => s.up);
    const expectFailure = async (next: typeof mode, error: RegExp): Promise<void> => {
      mode = next;
      at = await waitFor(`a failed scrape (${next})`, (s) => !s.up && error.test(s.error ?? ''), at);
      mode = 'ok';
      at = await waitFor(`up again after ${next}`, (s) => s.up, at);
    };
    await expectFailure('500', /^HTTP 500$/);
    await expectFailure('bad-text', /^not the Prometheus text format: line 2:18: /);
    await expectFailure('openmetrics', /openmetrics-text.*is not the text format 0\.0\.4/);
    await expectFailure('not-utf8', /not valid UTF-8/);
    await expectFailure('hang', /^no answer within 300 ms$/);
    const samples = await scraper.stop();
    for (const s of samples.filter((x) => !x.up)) {
      expect(s.points).toEqual([]);
      expect(Object.keys(s).sort()).toEqual(['error', 'points', 't', 'up']);
    }
    for (const s of samples.filter((x) => x.up)) expect(s.points).toEqual([{ name: 'in_flight', labels: {}, value: 3 }]);
  });

  it('records up:false (refused) while the target is down, and up:true again once it is back', async () => {
    const first = await serve((_req, res) => res.end(EXPOSITION));
    const { scraper, waitFor } = scrape(first.url, { selectors: ['in_flight'] });
    let at = await waitFor('an up scrape', (s) => s.up);
    await closeServer(first.server);
    at = await waitFor('a refused scrape', (s) => !s.up && /ECONNREFUSED/.test(s.error ?? ''), at);
    const downAt = at;
    await serve((_req, res) => res.end(EXPOSITION), first.port);
    at = await waitFor('up again', (s) => s.up, at);
    const samples = await scraper.stop();
    expect(samples.slice(downAt, at).every((s) => !s.up && s.points.length === 0)).toBe(true);
    expect(samples[at]?.points).toEqual([{ name: 'in_flight', labels: {}, value: 3 }]);
  });

  it('runs one scrape at a time: a scrape slower than the interval skips the missed ticks and counts them', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const { url } = await serve((_req, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // The target's own slowness (the behaviour under test), not test synchronisation.
      setTimeout(() => {
        inFlight--;
        res.end(EXPOSITION);
      }, 130);
    });
    const intervalMs = 50;
    const { scraper, waitFor } = scrape(url, { intervalMs, selectors: ['in_flight'] });
    await waitFor('4 slow scrapes', () => true, 3);
    const samples = await scraper.stop();
    expect(maxInFlight).toBe(1);
    expect(samples.every((s) => s.up)).toBe(true);
    // Each scrape takes ≥ 130 ms and the next starts only after it, on a later tick: ≥ 2 ticks skipped each time.
    for (let i = 1; i < samples.length; i++) expect(samples[i]!.t - samples[i - 1]!.t).toBeGreaterThanOrEqual(125);
    expect(scraper.skippedTicks).toBeGreaterThanOrEqual(2 * (samples.length - 1));
  });

  it('stop() returns at once with a scrape in flight, abandons it unrecorded and closes its connection', async () => {
    let closed = false;
    let received = false;
    const { url } = await serve((req) => {
      received = true;
      req.socket.on('close', () => (closed = true));
    });
    const { scraper } = scrape(url, { timeoutMs: 30_000 });
    await pollUntil(() => (received ? true : undefined), 'the scrape to arrive');
    const started = performance.now();
    const samples = await scraper.stop();
    const tookMs = performance.now() - started;
    expect(samples).toEqual([]);
    expect(tookMs).toBeLessThan(1000);
    await pollUntil(() => (closed ? true : undefined), 'the scrape connection to close');
    expect(await scraper.stop()).toBe(samples); // idempotent
  });

  it('rethrows an onSample exception from stop(), and keeps scraping meanwhile', async () => {
    const { url } = await serve((_req, res) => res.end(EXPOSITION));
    let calls = 0;
    const scraper = startMetricsScraper({
      url,
      intervalMs: 20,
      timeoutMs: 1000,
      selectors: [],
      clock: startClock(),
      onSample: () => {
        calls++;
        throw new Error('observer bug');
      },
    });
    scrapers.add(scraper);
    await pollUntil(() => (calls >= 3 ? true : undefined), '3 samples');
    await expect(scraper.stop()).rejects.toThrow('observer bug');
  });

  it('scrapes the real agent: http_requests_total and the duration histogram for /v1/actions; down and back', async () => {
    const agent = await startAgent();
    const actions = 5;
    for (let i = 0; i < actions; i++) expect((await call(`${agent.url}/v1/actions`, { body: { type: 'echo', target: `n${i}` } })).status).toBe(200);
    const { scraper, live, waitFor } = scrape(`${agent.url}/metrics`, {
      intervalMs: 100,
      timeoutMs: 2000,
      selectors: ['http_requests_total{route="/v1/actions"}', 'http_request_duration_seconds{route="/v1/actions"}'],
    });
    let at = await waitFor('a scrape of the agent', (s) => s.up);
    const sample = live[at]!;
    const byName = (name: string) => sample.points.filter((p) => p.name === name);
    expect(byName('http_requests_total')).toEqual([{ name: 'http_requests_total', labels: { method: 'POST', route: '/v1/actions', status_code: '200' }, value: actions }]);
    expect(byName('http_request_duration_seconds_count')).toEqual([{ name: 'http_request_duration_seconds_count', labels: { method: 'POST', route: '/v1/actions', status_code: '200' }, value: actions }]);
    const buckets = byName('http_request_duration_seconds_bucket');
    expect(buckets.map((b) => b.labels.le)).toContain('0.2');
    expect(buckets.find((b) => b.labels.le === '+Inf')?.value).toBe(actions);
    expect(byName('http_request_duration_seconds_sum')[0]?.value).toBeGreaterThan(0);
    expect(sample.points.every((p) => p.labels.route === '/v1/actions')).toBe(true);
    expect(sample.points).toHaveLength(buckets.length + 3);

    // Kill it: up:false while it is down; start it again on the same port: up:true with counters from zero.
    await agent.kill('SIGKILL');
    at = await waitFor('a failed scrape of the dead agent', (s) => !s.up, at);
    const again = await startAgent({ AGENT_PORT: String(agent.port) });
    await call(`${again.url}/v1/actions`, { body: { type: 'echo' } });
    at = await waitFor('the agent scraped again', (s) => s.up && s.points.some((p) => p.name === 'http_requests_total'), at);
    expect(live[at]?.points.find((p) => p.name === 'http_requests_total')?.value).toBe(1);
    const samples = await scraper.stop();
    expect(samples.filter((s) => !s.up).every((s) => s.points.length === 0 && s.error !== undefined)).toBe(true);
  });
});
