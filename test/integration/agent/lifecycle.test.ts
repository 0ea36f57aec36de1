import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { call } from '../../helpers/http.js';
import { AGENT_MAIN, killAll, startAgent, startProgram, startUpstream } from '../../helpers/processes.js';

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
    // While the in-flight action drains, the agent still answers: new work gets 503 and
    // /health says DOWN because it is stopping.
    const late = await call(`${agent.url}/v1/actions`, { body: { type: 'echo' } });
    expect(late.status).toBe(503);
    expect(late.body.error.code).toBe('SHUTTING_DOWN');
    const health = await call(`${agent.url}/health`);
    expect(health.status).toBe(503);
    expect(health.body.failed).toEqual(['lifecycle']);
    expect(health.body.checks.lifecycle).toEqual({ status: 'DOWN', state: 'stopping' });
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

describe('agent stop edge cases', () => {
  it('meets its stop deadline even when the no-timeout bug leaves a downstream call hanging', async () => {
    const upstream = await startUpstream();
    const agent = await startAgent({ UPSTREAM_URL: upstream.url, AGENT_BUG: 'no-timeout', AGENT_STOP_TIMEOUT_MS: '300' });
    const response = call(`${agent.url}/v1/actions`, { body: { type: 'fetch', target: '/api/v1/slow?ms=30000' } }).catch(() => undefined);
    await upstream.waitForLine((line) => line.includes('"event":"request"') && line.includes('/api/v1/slow'));
    agent.process.kill('SIGTERM');
    expect((await agent.exited).code).toBe(0);
    // The agent cut the hanging downstream call on its way out instead of waiting 30 s for it.
    await upstream.waitForLine((line) => line.includes('"event":"aborted"') && line.includes('/api/v1/slow'));
    await response;
  });

  it('flushes writes the wal-no-fsync bug acknowledged early when stopped with SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'faultline-wal-'));
    try {
      const env = { AGENT_WAL: join(dir, 'state.wal'), AGENT_BUG: 'wal-no-fsync' };
      const agent = await startAgent(env);
      const written = await Promise.all(Array.from({ length: 20 }, (_, i) => call(`${agent.url}/v1/state/s${i}`, { method: 'PUT', body: { i } })));
      expect(written.every((r) => r.status === 201)).toBe(true);
      agent.process.kill('SIGTERM');
      expect((await agent.exited).code).toBe(0);
      const again = await startAgent(env);
      for (let i = 0; i < 20; i++) {
        const res = await call(`${again.url}/v1/state/s${i}`);
        expect(res.status, `s${i}`).toBe(200);
        expect(res.body.data).toEqual({ i });
      }
    } finally {
      await killAll();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('write-ahead log failure', () => {
  it('on a failed write (file size limit): answers 503, acknowledges nothing after it, and replays every acknowledged write', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'faultline-wal-'));
    try {
      const wal = join(dir, 'state.wal');
      // A real disk-full stand-in: the file-size limit (ulimit -f, in KiB) makes write(2) fail
      // with EFBIG once the log reaches 8 KiB; SIGXFSZ is ignored so the write fails instead of
      // the process dying.
      const agent = await startProgram(AGENT_MAIN, { AGENT_WAL: wal }, 15_000, { shell: "trap '' XFSZ; ulimit -f 8;" });
      const acknowledged = new Map<string, number>();
      let firstFailure: number | undefined;
      for (let i = 0; i < 400 && firstFailure === undefined; i++) {
        const res = await call(`${agent.url}/v1/state/k${i % 5}`, { method: 'PUT', body: { i, pad: 'x'.repeat(40) } });
        if (res.status === 200 || res.status === 201) acknowledged.set(`k${i % 5}`, i);
        else firstFailure = res.status;
      }
      expect(firstFailure).toBe(503);
      // Once failed, always failed: nothing after the failure is acknowledged.
      for (let i = 0; i < 5; i++) {
        const res = await call(`${agent.url}/v1/state/tiny${i}`, { method: 'PUT', body: {} });
        expect(res.status).toBe(503);
        expect(res.body.error.code).toBe('STATE_UNAVAILABLE');
      }
      await agent.kill('SIGKILL');
      // Without the limit, the log replays and holds every acknowledged write.
      const again = await startAgent({ AGENT_WAL: wal });
      for (const [id, i] of acknowledged) {
        const res = await call(`${again.url}/v1/state/${id}`);
        expect(res.body.data.i, id).toBe(i);
      }
    } finally {
      await killAll();
      await rm(dir, { recursive: true, force: true });
    }
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
