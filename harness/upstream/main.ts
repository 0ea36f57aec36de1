#!/usr/bin/env node
/**
 * The agent's downstream dependency: a small HTTP service the chaos proxy sits in front of.
 *
 *   GET /health              200 {"status":"UP"}
 *   GET /api/v1/metrics      JSON with request counters, uptime and the request's trace id
 *   GET /api/v1/slow?ms=N    answers after N ms (at most 60000), for deadline and drain tests
 *   GET /api/v1/headers      echoes the request headers it received (trace propagation)
 *   GET /api/v1/status/:code answers with that status code
 *
 * Env: UPSTREAM_PORT (0 = ephemeral, default), UPSTREAM_HOST (default 127.0.0.1),
 * UPSTREAM_DELAY_MS (added to every /api answer, default 0), UPSTREAM_KEEPALIVE (0 closes the
 * connection after every answer, like a dependency without keep-alive; default 1).
 * On start it prints {"event":"listening","host":...,"port":...} on stdout, then one JSON line
 * per request ({"event":"request",...}) and per request the caller abandoned ({"event":"aborted",...}).
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

function intFromEnv(name: string, fallback: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) > max) {
    process.stderr.write(`upstream: ${name}: expected an integer from 0 to ${max}, got "${raw}"\n`);
    process.exit(2);
  }
  return Number(raw);
}

const port = intFromEnv('UPSTREAM_PORT', 0, 65_535);
const host = process.env.UPSTREAM_HOST ?? '127.0.0.1';
const delayMs = intFromEnv('UPSTREAM_DELAY_MS', 0, 60_000);
const keepAlive = intFromEnv('UPSTREAM_KEEPALIVE', 1, 1) === 1;
const startedAt = Date.now();
const counts = { requests: 0, byPath: {} as Record<string, number> };
const inflight = new Set<ServerResponse>();

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...(keepAlive ? {} : { connection: 'close' }),
  });
  res.end(text);
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://upstream');
  const traceparent = req.headers.traceparent;
  counts.requests++;
  counts.byPath[url.pathname] = (counts.byPath[url.pathname] ?? 0) + 1;
  inflight.add(res);
  res.on('close', () => {
    inflight.delete(res);
    // The caller gave up before the answer was complete (e.g. its deadline aborted the call).
    if (!res.writableFinished) process.stdout.write(`${JSON.stringify({ event: 'aborted', method: req.method, path: url.pathname })}\n`);
  });
  process.stdout.write(`${JSON.stringify({ event: 'request', method: req.method, path: url.pathname, traceparent: traceparent ?? null })}\n`);

  const answer = async (): Promise<void> => {
    if (url.pathname === '/health') return send(res, 200, { status: 'UP', timestamp: new Date().toISOString() });
    if (req.method !== 'GET') return send(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'only GET' } });
    if (delayMs > 0) await sleep(delayMs);
    if (url.pathname === '/api/v1/metrics') {
      return send(res, 200, {
        service: 'upstream',
        uptimeSeconds: (Date.now() - startedAt) / 1000,
        requests: counts.requests,
        byPath: counts.byPath,
        traceparent: traceparent ?? null,
      });
    }
    if (url.pathname === '/api/v1/slow') {
      const ms = Math.min(Number(url.searchParams.get('ms') ?? '1000') || 0, 60_000);
      await sleep(ms);
      return send(res, 200, { sleptMs: ms, traceparent: traceparent ?? null });
    }
    if (url.pathname === '/api/v1/headers') return send(res, 200, { headers: req.headers });
    const status = /^\/api\/v1\/status\/(\d{3})$/.exec(url.pathname);
    if (status !== null) return send(res, Number(status[1]), { status: Number(status[1]) });
    return send(res, 404, { error: { code: 'NOT_FOUND', message: `no route ${url.pathname}` } });
  };
  answer().catch((error: unknown) => send(res, 500, { error: { code: 'INTERNAL', message: String(error) } }));
});

server.on('error', (error: NodeJS.ErrnoException) => {
  process.stderr.write(`upstream: cannot listen on ${host}:${port}: ${error.message}\n`);
  process.exit(1);
});

server.listen(port, host, () => {
  const address = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ event: 'listening', host: address.address, port: address.port, pid: process.pid })}\n`);
});

function stop(): void {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  // In-flight slow answers would hold the process; a dependency being stopped drops them.
  setTimeout(() => {
    for (const res of inflight) res.destroy();
    process.exit(0);
  }, 2_000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
