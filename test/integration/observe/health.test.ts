import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startClock } from '../../../src/clock.js';
import { startHealthPoller, type HealthPoller, type ObservedHealth } from '../../../src/observe/health.js';
import type { HealthSample } from '../../../src/record/types.js';
import { killAll, pollUntil, startAgent, startUpstream } from '../../helpers/processes.js';

const servers = new Set<Server>();
const pollers = new Set<HealthPoller>();

afterEach(async () => {
  await Promise.allSettled([...pollers].map((p) => p.stop()));
  pollers.clear();
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
  return { server, port: actual, url: `http://127.0.0.1:${actual}/health` };
}

async function closeServer(server: Server): Promise<void> {
  servers.delete(server);
  if (!server.listening) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

type Transition = [ObservedHealth | null, ObservedHealth, number];

/** Starts a poller whose samples and transitions are also collected live, for polling. */
function poll(url: string, options: { intervalMs?: number; timeoutMs?: number } = {}) {
  const transitions: Transition[] = [];
  const clock = startClock();
  const poller = startHealthPoller({
    url,
    intervalMs: options.intervalMs ?? 40,
    timeoutMs: options.timeoutMs ?? 1000,
    clock,
    onTransition: (from, to, t) => transitions.push([from, to, t]),
  });
  pollers.add(poller);
  const waitFor = (what: string, predicate: (t: Transition) => boolean, from = 0): Promise<number> =>
    pollUntil(() => {
      const index = transitions.findIndex((t, i) => i >= from && predicate(t));
      return index === -1 ? undefined : index;
    }, what);
  return { poller, transitions, waitFor };
}

const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
};

describe('health poller', () => {
  it('maps answers to UP / DOWN / UNREACHABLE, reads failed[] from the body, and reports each change once', async () => {
    let mode: 'up' | 'down' | 'teapot' | 'hang' = 'up';
    let served418 = 0;
    const first = await serve((_req, res) => {
      if (mode === 'up') json(res, 200, { status: 'UP', checks: {} });
      else if (mode === 'down') json(res, 503, { status: 'DOWN', failed: ['downstream', 'heap'], checks: {} });
      else if (mode === 'teapot') {
        res.writeHead(418).end('short and stout');
        served418++;
      }
      // hang: no answer at all; the poller's timeout ends it
    });
    const { poller, transitions, waitFor } = poll(first.url, { timeoutMs: 250 });
    let at = await waitFor('UP', ([, to]) => to === 'UP');
    mode = 'down';
    at = await waitFor('DOWN', ([, to]) => to === 'DOWN', at);
    const downSince = transitions[at]![2];
    mode = 'teapot'; // still DOWN: no transition, but a sample with status 418 and no failed[]
    await pollUntil(() => (served418 > 0 ? true : undefined), 'a 418 answer');
    mode = 'hang';
    at = await waitFor('UNREACHABLE after a timeout', ([, to]) => to === 'UNREACHABLE', at);
    mode = 'up';
    at = await waitFor('UP again', ([, to]) => to === 'UP', at);
    await closeServer(first.server);
    at = await waitFor('UNREACHABLE when refused', ([, to]) => to === 'UNREACHABLE', at);
    await serve((_req, res) => json(res, 200, { status: 'UP' }), first.port);
    await waitFor('UP once back', ([, to]) => to === 'UP', at);
    const samples = await poller.stop();

    expect(transitions.map(([from, to]) => [from, to])).toEqual([
      [null, 'UP'],
      ['UP', 'DOWN'],
      ['DOWN', 'UNREACHABLE'],
      ['UNREACHABLE', 'UP'],
      ['UP', 'UNREACHABLE'],
      ['UNREACHABLE', 'UP'],
    ]);
    // Every transition is at the time of the sample that changed, and samples carry the detail.
    for (const [, to, t] of transitions) expect(samples.find((s) => s.t === t)?.state).toBe(to);
    const byState = (state: HealthSample['state']) => samples.filter((s) => s.state === state);
    expect(byState('UP').every((s) => s.status === 200 && s.failed === undefined)).toBe(true);
    expect(byState('UNREACHABLE').every((s) => s.status === null && s.failed === undefined && typeof s.error === 'string')).toBe(true);
    expect(byState('UNREACHABLE').some((s) => s.error?.includes('no answer within') === true)).toBe(true);
    expect(byState('UNREACHABLE').some((s) => s.error?.includes('ECONNREFUSED') === true)).toBe(true);
    expect(byState('UP').every((s) => s.error === undefined)).toBe(true);
    const down = byState('DOWN');
    expect(down.filter((s) => s.status === 503).every((s) => JSON.stringify(s.failed) === '["downstream","heap"]')).toBe(true);
    expect(down.filter((s) => s.t >= downSince).map((s) => s.status)).toContain(503);
    expect(down.filter((s) => s.status === 418).every((s) => s.failed === undefined)).toBe(true);
    expect(down.map((s) => s.status)).toContain(418);
    // A timed-out poll is UNREACHABLE after about its timeout.
    expect(byState('UNREACHABLE').some((s) => s.latencyMs >= 240)).toBe(true);
    expect(samples.length).toBeGreaterThan(transitions.length);
  });

  it('counts a non-2xx answer without a JSON body as DOWN, with no failed[]', async () => {
    const { url } = await serve((_req, res) => res.writeHead(418).end('short and stout'));
    const { poller, waitFor } = poll(url);
    await waitFor('DOWN', ([, to]) => to === 'DOWN');
    const [sample] = await poller.stop();
    expect(sample).toEqual({ t: sample!.t, state: 'DOWN', status: 418, latencyMs: sample!.latencyMs });
  });

  it('stop() returns at once with a poll in flight and abandons it unrecorded', async () => {
    let received = false;
    const { url } = await serve(() => {
      received = true;
    });
    const { poller, transitions } = poll(url, { timeoutMs: 30_000 });
    await pollUntil(() => (received ? true : undefined), 'the poll to arrive');
    const started = performance.now();
    const samples = await poller.stop();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(samples).toEqual([]);
    expect(transitions).toEqual([]);
  });

  it("follows the real agent's /health: DOWN with failed [downstream] when its upstream stops, UP when it is back, UNREACHABLE when killed", async () => {
    const upstream = await startUpstream();
    const agent = await startAgent({ UPSTREAM_URL: upstream.url, AGENT_HEALTH_INTERVAL_MS: '100', AGENT_HEALTH_FAIL_THRESHOLD: '3', AGENT_HEALTH_RECOVER_THRESHOLD: '2' });
    const { poller, transitions, waitFor } = poll(`${agent.url}/health`, { intervalMs: 50, timeoutMs: 2000 });
    let at = await waitFor('UP', ([, to]) => to === 'UP');
    await upstream.kill('SIGKILL');
    at = await waitFor('DOWN', ([, to]) => to === 'DOWN', at);
    const downAt = transitions[at]![2];
    await startUpstream({ UPSTREAM_PORT: String(upstream.port) });
    at = await waitFor('UP again', ([from, to]) => from === 'DOWN' && to === 'UP', at);
    const upAt = transitions[at]![2];
    await agent.kill('SIGKILL');
    await waitFor('UNREACHABLE', ([, to]) => to === 'UNREACHABLE', at);
    const samples = await poller.stop();

    const whileDown = samples.filter((s) => s.t >= downAt && s.t < upAt);
    expect(whileDown.length).toBeGreaterThan(0);
    for (const s of whileDown) {
      expect(s).toMatchObject({ state: 'DOWN', status: 503 });
      expect(s.failed).toContain('downstream'); // (a starved event loop on a busy machine may add 'eventLoop')
    }
    expect(samples.at(-1)).toMatchObject({ state: 'UNREACHABLE', status: null });
    expect(samples.filter((s) => s.state === 'UP').every((s) => s.status === 200)).toBe(true);
  });
});
