import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../helpers/http.js';
import { killAll, startAgent, startUpstream, type Started } from '../../helpers/processes.js';

// The agent's HTTP contract, against real processes: agent → upstream on 127.0.0.1.
describe('agent HTTP API', () => {
  let upstream: Started;
  let agent: Started;

  beforeAll(async () => {
    upstream = await startUpstream();
    agent = await startAgent({ UPSTREAM_URL: upstream.url, AGENT_MAX_BODY_BYTES: '4096', AGENT_HEALTH_INTERVAL_MS: '100' });
  });
  afterAll(killAll);

  it('reports UP with its checks when the downstream is healthy', async () => {
    const res = await call(`${agent.url}/health`);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('UP');
    expect(typeof res.body.timestamp).toBe('string');
    expect(Object.keys(res.body.checks).sort()).toEqual(['downstream', 'eventLoop', 'heap', 'lifecycle']);
  });

  it('exposes the RED metrics, action, bus, WAL and default process families', async () => {
    await call(`${agent.url}/v1/actions`, { body: { type: 'echo' } });
    const res = await call<string>(`${agent.url}/metrics`);
    expect(res.status).toBe(200);
    for (const family of [
      'http_request_duration_seconds',
      'http_requests_total',
      'agent_actions_total',
      'agent_bus_dropped_total',
      'agent_wal_appends_total',
      'agent_health_status',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(res.text, family).toMatch(new RegExp(`^# TYPE ${family} `, 'm'));
    }
    expect(res.text).toMatch(/^http_requests_total\{method="POST",route="\/v1\/actions",status_code="200"\} [1-9]/m);
    expect(res.text).toMatch(/^agent_actions_total\{type="echo",outcome="ok"\} [1-9]/m);
  });

  it('returns the upstream body from a fetch action', async () => {
    const res = await call(`${agent.url}/v1/actions`, { body: { type: 'fetch', target: '/api/v1/metrics' } });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.result.status).toBe(200);
    expect(res.body.result.body.service).toBe('upstream');
  });

  it('propagates the caller trace to the upstream in traceparent and logs it', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await call(`${agent.url}/v1/actions`, {
      body: { type: 'fetch', target: '/api/v1/headers' },
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(res.status).toBe(200);
    expect(res.body.traceId).toBe(traceId);
    const sent = res.body.result.body.headers.traceparent as string;
    expect(sent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(sent).not.toContain('00f067aa0ba902b7'); // the agent's own span, not the caller's
    await upstream.waitForLine((line) => line.includes(traceId) && line.includes('/api/v1/headers'));
  });

  it('runs compute and echo actions', async () => {
    const compute = await call(`${agent.url}/v1/actions`, { body: { type: 'compute', target: '5', timeout: 5000 } });
    expect(compute.status).toBe(200);
    expect(compute.body.result.units).toBe(5);
    const echo = await call(`${agent.url}/v1/actions`, { body: { type: 'echo', target: 't', payload: { a: [1] } } });
    expect(echo.body.result).toEqual({ target: 't', payload: { a: [1] } });
  });

  it('answers 504 and aborts the downstream call at the action deadline', async () => {
    const res = await call(`${agent.url}/v1/actions`, { body: { type: 'fetch', target: '/api/v1/slow?ms=20000', timeout: 150 } });
    expect(res.status).toBe(504);
    expect(res.body.error.code).toBe('DEADLINE_EXCEEDED');
    expect(res.body.traceId).toMatch(/^[0-9a-f]{32}$/);
    // The upstream sees its caller hang up: the downstream request was really aborted,
    // not left running behind the 504.
    await upstream.waitForLine((line) => line.includes('"event":"aborted"') && line.includes('/api/v1/slow'), 10_000);
  });

  it('versions state and answers 412 on a CAS conflict', async () => {
    const first = await call(`${agent.url}/v1/state/cas-test`, { method: 'PUT', body: { n: 1 } });
    expect(first.status).toBe(201);
    expect(first.body.version).toBe(1);
    expect(first.headers.etag).toBe(`"${first.body.hash}"`);
    const second = await call(`${agent.url}/v1/state/cas-test`, { method: 'PUT', body: { n: 2 }, headers: { 'if-match': `"${first.body.hash}"` } });
    expect(second.status).toBe(200);
    expect(second.body.version).toBe(2);
    const stale = await call(`${agent.url}/v1/state/cas-test`, { method: 'PUT', body: { n: 3 }, headers: { 'if-match': `"${first.body.hash}"` } });
    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe('CAS_CONFLICT');
    expect(stale.body.error.details.current).toEqual({ version: 2, hash: second.body.hash });
    const read = await call(`${agent.url}/v1/state/cas-test`);
    expect(read.body).toMatchObject({ id: 'cas-test', version: 2, data: { n: 2 } });
  });

  it.each([
    ['malformed JSON', { method: 'POST', path: '/v1/actions', raw: '{"type":' }, 400, 'BAD_JSON'],
    ['empty body', { method: 'POST', path: '/v1/actions', raw: '' }, 400, 'EMPTY_BODY'],
    ['unknown action type', { method: 'POST', path: '/v1/actions', raw: '{"type":"teleport"}' }, 400, 'UNKNOWN_ACTION_TYPE'],
    ['action that is not an object', { method: 'POST', path: '/v1/actions', raw: '[1,2]' }, 400, 'INVALID_ACTION'],
    ['bad timeout', { method: 'POST', path: '/v1/actions', raw: '{"type":"echo","timeout":-5}' }, 400, 'INVALID_ACTION'],
    ['oversize body', { method: 'POST', path: '/v1/actions', raw: JSON.stringify({ type: 'echo', payload: 'x'.repeat(10_000) }) }, 413, 'BODY_TOO_LARGE'],
    ['non-JSON content type', { method: 'POST', path: '/v1/actions', raw: 'type=echo', headers: { 'content-type': 'text/plain' } }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['bad If-Match', { method: 'PUT', path: '/v1/state/x', raw: '{}', headers: { 'if-match': 'nonsense' } }, 400, 'BAD_IF_MATCH'],
    ['weak If-Match', { method: 'PUT', path: '/v1/state/x', raw: '{}', headers: { 'if-match': `W/"${'a'.repeat(64)}"` } }, 400, 'BAD_IF_MATCH'],
    ['bad state id', { method: 'GET', path: '/v1/state/a%20b', raw: undefined }, 404, 'NOT_FOUND'],
    ['missing state', { method: 'GET', path: '/v1/state/never-written', raw: undefined }, 404, 'STATE_NOT_FOUND'],
    ['wrong method', { method: 'DELETE', path: '/v1/actions', raw: undefined }, 405, 'METHOD_NOT_ALLOWED'],
    ['unknown route', { method: 'GET', path: '/nope', raw: undefined }, 404, 'NOT_FOUND'],
    ['JSON nested too deep', { method: 'POST', path: '/v1/actions', raw: `{"type":"echo","payload":${'['.repeat(1000)}${']'.repeat(1000)}}` }, 400, 'JSON_TOO_DEEP'],
    ['bad bus message', { method: 'POST', path: '/v1/bus', raw: '{"priority":"urgent","ttl":5,"action":{"type":"echo"}}' }, 400, 'INVALID_ACTION'],
  ] as const)('rejects %s with a JSON error and keeps serving', async (_name, req, status, code) => {
    const res = await call(`${agent.url}${req.path}`, {
      method: req.method,
      ...(req.raw === undefined ? {} : { raw: req.raw }),
      headers: { 'content-type': 'application/json', ...('headers' in req ? req.headers : {}) },
    });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(typeof res.body.error.message).toBe('string');
    const index = await call(`${agent.url}/`);
    expect(index.status).toBe(200);
  });

  it('answers 413 to a large chunked body (no Content-Length) once it has read it', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const { Readable } = await import('node:stream');
    // 5 MiB against a 4 KiB limit, streamed so undici sends it chunked.
    const parts = [Buffer.from('{"type":"echo","payload":"'), ...Array.from({ length: 80 }, () => chunk), Buffer.from('"}')];
    const body = () => Readable.from(parts);
    const { request } = await import('undici');
    const res = await request(`${agent.url}/v1/actions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body() });
    expect(res.statusCode).toBe(413);
    expect(((await res.body.json()) as any).error.code).toBe('BODY_TOO_LARGE');
  });

  it('survives malformed HTTP on the socket', async () => {
    const { connect } = await import('node:net');
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(agent.port, '127.0.0.1', () => socket.write('GARBAGE / HTTP/9.9\r\n\r\n'));
      let data = '';
      socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect((await call(`${agent.url}/`)).status).toBe(200);
  });
});

describe('agent under overload', () => {
  afterAll(killAll);

  it('rejects work beyond its concurrency and queue bounds with 503, never buffers it', async () => {
    const upstream = await startUpstream();
    const agent = await startAgent({ UPSTREAM_URL: upstream.url, AGENT_MAX_CONCURRENCY: '2', AGENT_MAX_QUEUE: '2' });
    const slow = { type: 'fetch', target: '/api/v1/slow?ms=1500', timeout: 5000 };
    const results = await Promise.all(Array.from({ length: 8 }, () => call(`${agent.url}/v1/actions`, { body: slow })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(4); // 2 running + 2 queued
    expect(statuses.filter((s) => s === 503)).toHaveLength(4);
    const rejected = results.find((r) => r.status === 503);
    expect(rejected?.body.error.code).toBe('OVERLOADED');
    expect(rejected?.headers['retry-after']).toBe('1');
  });
});

describe('seeded bug: no-timeout', () => {
  afterAll(killAll);

  it('lets a slow downstream hold the action far past its deadline', async () => {
    const upstream = await startUpstream();
    const agent = await startAgent({ UPSTREAM_URL: upstream.url, AGENT_BUG: 'no-timeout' });
    const res = await call(`${agent.url}/v1/actions`, { body: { type: 'fetch', target: '/api/v1/slow?ms=600', timeout: 100 } });
    expect(res.status).toBe(200);
    expect(res.body.result.body.sleptMs).toBe(600);
    expect(res.body.durationMs).toBeGreaterThanOrEqual(600);
  });
});
