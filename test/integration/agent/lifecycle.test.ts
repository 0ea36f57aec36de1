import { afterEach, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { call } from '../../helpers/http.js';
import { AGENT_MAIN, killAll, startAgent, startUpstream } from '../../helpers/processes.js';

afterEach(killAll);

/** Starts a slow fetch and resolves once the upstream has received it (the action is in flight). */
async function slowActionInFlight(bug?: string) {
  const upstream = await startUpstream();
  const agent = await startAgent({ UPSTREAM_URL: upstream.url, AGENT_STOP_TIMEOUT_MS: '10000', AGENT_LOG_LEVEL: 'info', ...(bug === undefined ? {} : { AGENT_BUG: bug }) });
  const response = call(`${agent.url}/v1/actions`, { body: { type: 'fetch', target: '/api/v1/slow?ms=1200', timeout: 8000 } }).then(
    (r) => ({ ok: true as const, status: r.status, body: r.body }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  await upstream.waitForLine((line) => line.includes('"/api/v1/slow"'));
  return { upstream, agent, response };
}

describe('agent lifecycle', () => {
  it('on SIGTERM refuses new work, drains the in-flight action, and exits 0', async () => {
    const { agent, response } = await slowActionInFlight();
    agent.process.kill('SIGTERM');
    await agent.waitForLine((line) => line.includes('"msg":"stopping"'));
    // New work is refused while the in-flight action drains (503, or the listener is already closed).
    const late = await call(`${agent.url}/v1/actions`, { body: { type: 'echo' } }).then(
      (r) => r.status,
      () => 'refused',
    );
    expect([503, 'refused']).toContain(late);
    const result = await response;
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.status).toBe(200);
      expect(result.body.result.body.sleptMs).toBe(1200);
    }
    const exit = await agent.exited;
    expect(exit).toEqual({ code: 0, signal: null });
  });

  it('with the no-graceful-stop bug, SIGTERM drops the in-flight action', async () => {
    const { agent, response } = await slowActionInFlight('no-graceful-stop');
    agent.process.kill('SIGTERM');
    const result = await response;
    expect(result.ok).toBe(false); // the socket closed without an answer
    const exit = await agent.exited;
    expect(exit.code).toBe(0);
  });

  it('aborts what is still running when the stop deadline passes', async () => {
    const upstream = await startUpstream();
    const agent = await startAgent({ UPSTREAM_URL: upstream.url, AGENT_STOP_TIMEOUT_MS: '300' });
    const response = call(`${agent.url}/v1/actions`, { body: { type: 'fetch', target: '/api/v1/slow?ms=5000', timeout: 8000 } });
    await upstream.waitForLine((line) => line.includes('"/api/v1/slow"'));
    agent.process.kill('SIGTERM');
    const res = await response;
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('SHUTTING_DOWN');
    expect((await agent.exited).code).toBe(0);
  });
});

describe('agent configuration', () => {
  it.each([
    ['AGENT_PORT', 'abc', /AGENT_PORT: expected an integer from 0 to 65535, got "abc"/],
    ['UPSTREAM_URL', 'not a url', /UPSTREAM_URL: expected an http:\/\/ URL/],
    ['AGENT_BUG', 'segfault', /AGENT_BUG: unknown bug "segfault"; known bugs: no-timeout, health-always-up, leak, no-graceful-stop, wal-no-fsync/],
    ['AGENT_HEAP_LIMIT_FRACTION', '3', /AGENT_HEAP_LIMIT_FRACTION: expected a number from 0.01 to 1, got "3"/],
  ])('%s=%s exits 2 with a clear message and no stack trace', async (name, value, message) => {
    const result = await execa('node', [AGENT_MAIN], { env: { [name]: value }, reject: false, timeout: 15_000 });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
  });

  it('reports every bad variable at once', async () => {
    const result = await execa('node', [AGENT_MAIN], { env: { AGENT_PORT: '-1', AGENT_MAX_QUEUE: 'many' }, reject: false, timeout: 15_000 });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('AGENT_PORT');
    expect(result.stderr).toContain('AGENT_MAX_QUEUE');
  });

  it('refuses a port in use with exit 1 and the port in the message', async () => {
    const first = await startAgent();
    const result = await execa('node', [AGENT_MAIN], { env: { AGENT_PORT: String(first.port) }, reject: false, timeout: 15_000 });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`port ${first.port}`);
  });
});
