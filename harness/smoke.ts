#!/usr/bin/env node
/**
 * The agent smoke check behind `npm run chaos` (until `faultline run` exists): starts the
 * upstream and the agent as real processes on 127.0.0.1 with ephemeral ports, checks the
 * contract a chaos run relies on, prints one line per check, and stops both processes —
 * also on failure and on Ctrl-C. Exit 0 when every check passed, 1 otherwise, 3 when the
 * processes could not be started.
 */
import { execa, type ResultPromise } from 'execa';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';

const here = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));
const children: ResultPromise[] = [];

async function start(name: string, main: string, env: Record<string, string>): Promise<{ url: string; lines: string[] }> {
  const child = execa('node', [main], { env, buffer: false, reject: false, stdin: 'ignore' });
  children.push(child);
  const lines: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => lines.push(line));
  const stdout = createInterface({ input: child.stdout });
  stdout.on('line', (line) => lines.push(line));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not print its listening line within 15 s`)), 15_000);
    stdout.on('line', (line) => {
      if (!line.includes('"event":"listening"')) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { port: number }).port);
    });
    void child.then((result) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with code ${result.exitCode} before listening:\n${lines.slice(-10).join('\n')}`));
    });
  });
  return { url: `http://127.0.0.1:${port}`, lines };
}

async function http(url: string, init: { method?: 'GET' | 'POST' | 'PUT'; body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await request(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, text, json, headers: res.headers };
}

/** Reads a nested field of parsed JSON: at(json, 'result', 'body', 'service'). */
function at(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

async function stopAll(): Promise<void> {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(
    children.map(async (child) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await child;
      clearTimeout(timer);
    }),
  );
}

process.on('SIGINT', () => {
  void stopAll().then(() => process.exit(130));
});

async function pollHealthUp(url: string): Promise<{ status: number; json: unknown }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await http(`${url}/health`);
    if (res.status === 200 || Date.now() > deadline) return res;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const checks: [string, (ctx: { agent: string; upstreamLines: string[] }) => Promise<string>][] = [
  [
    'GET /health is UP with its checks',
    async ({ agent }) => {
      const res = await pollHealthUp(agent);
      if (res.status !== 200 || at(res.json, 'status') !== 'UP') throw new Error(`got ${res.status} ${JSON.stringify(res.json)}`);
      return Object.keys(at(res.json, 'checks') as object).join(', ');
    },
  ],
  [
    'GET /metrics has the RED and agent families',
    async ({ agent }) => {
      const res = await http(`${agent}/metrics`);
      const families = ['http_request_duration_seconds', 'http_requests_total', 'agent_actions_total', 'agent_bus_dropped_total', 'agent_wal_appends_total', 'process_cpu_seconds_total'];
      const missing = families.filter((f) => !new RegExp(`^# TYPE ${f} `, 'm').test(res.text));
      if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}`);
      return `${families.length} families present`;
    },
  ],
  [
    'fetch action returns the upstream body and carries traceparent',
    async ({ agent, upstreamLines }) => {
      const traceId = '0af7651916cd43dd8448eb211c80319c';
      const res = await http(`${agent}/v1/actions`, { body: { type: 'fetch', target: '/api/v1/metrics' }, headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } });
      if (res.status !== 200 || at(res.json, 'result', 'body', 'service') !== 'upstream') throw new Error(`got ${res.status} ${res.text}`);
      const arrived = upstreamLines.some((l) => l.includes(traceId));
      if (!arrived) throw new Error('the upstream never saw the trace id');
      return `upstream answered in ${String(at(res.json, 'result', 'latencyMs'))} ms, trace ${traceId} arrived`;
    },
  ],
  [
    'state CAS: write, conflicting write is 412',
    async ({ agent }) => {
      const first = await http(`${agent}/v1/state/smoke`, { method: 'PUT', body: { n: 1 } });
      const stale = await http(`${agent}/v1/state/smoke`, { method: 'PUT', body: { n: 2 }, headers: { 'if-match': `"${'0'.repeat(64)}"` } });
      if (first.status !== 201 || stale.status !== 412) throw new Error(`got ${first.status} then ${stale.status}`);
      return `v${String(at(first.json, 'version'))} ${String(at(first.json, 'hash')).slice(0, 12)}…, stale write 412`;
    },
  ],
  [
    'deadline: a slow downstream answers 504 at 200 ms',
    async ({ agent }) => {
      const res = await http(`${agent}/v1/actions`, { body: { type: 'fetch', target: '/api/v1/slow?ms=2000' } });
      if (res.status !== 504) throw new Error(`got ${res.status} ${res.text}`);
      return String(at(res.json, 'error', 'code'));
    },
  ],
];

let failed = 0;
try {
  const upstream = await start('upstream', here('./upstream/main.js'), {});
  const agent = await start('agent', here('./agent/main.js'), { UPSTREAM_URL: upstream.url, AGENT_LOG_LEVEL: 'warn', AGENT_HEALTH_INTERVAL_MS: '100' });
  process.stdout.write(`agent smoke check: agent ${agent.url} → upstream ${upstream.url}\n`);
  for (const [name, check] of checks) {
    try {
      const detail = await check({ agent: agent.url, upstreamLines: upstream.lines });
      process.stdout.write(`  ✓ ${name} (${detail})\n`);
    } catch (error) {
      failed++;
      process.stdout.write(`  ✗ ${name}: ${(error as Error).message}\n`);
    }
  }
  process.stdout.write(`${checks.length - failed} passed, ${failed} failed\n`);
} catch (error) {
  process.stderr.write(`smoke: could not start the system under test: ${(error as Error).message}\n`);
  await stopAll();
  process.exit(3);
}
await stopAll();
process.exitCode = failed === 0 ? 0 : 1;
