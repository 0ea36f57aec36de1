import { afterEach, describe, expect, it } from 'vitest';
import { call } from '../../helpers/http.js';
import { connect, type Socket } from 'node:net';
import { AGENT_MAIN, killAll, pollUntil, startAgent, startProgram, startUpstream, type Started } from '../../helpers/processes.js';

afterEach(killAll);

const FAST_HEALTH = { AGENT_HEALTH_INTERVAL_MS: '100', AGENT_HEALTH_FAIL_THRESHOLD: '3', AGENT_HEALTH_RECOVER_THRESHOLD: '2' };

async function healthIs(agent: Started, status: 'UP' | 'DOWN', check?: string) {
  return pollUntil(
    async () => {
      const res = await call(`${agent.url}/health`);
      const ok = res.body.status === status && (check === undefined || res.body.checks[check].status === status);
      return ok ? res : undefined;
    },
    `health ${check ?? 'overall'} ${status}`,
  );
}

describe('agent health', () => {
  it('goes DOWN when the upstream stops and UP again when it returns', async () => {
    const upstream = await startUpstream();
    const agent = await startAgent({ UPSTREAM_URL: upstream.url, ...FAST_HEALTH });
    await healthIs(agent, 'UP', 'downstream');

    await upstream.kill('SIGKILL');
    const down = await healthIs(agent, 'DOWN', 'downstream');
    expect(down.status).toBe(503);
    expect(down.body.failed).toEqual(['downstream']);
    expect(down.body.checks.downstream.consecutiveFailures).toBeGreaterThanOrEqual(3);
    expect(down.body.checks.downstream.error).toBeTruthy();
    expect(down.body.checks.heap.status).toBe('UP'); // only the failing check is DOWN

    await startUpstream({ UPSTREAM_PORT: String(upstream.port) });
    const up = await healthIs(agent, 'UP', 'downstream');
    expect(up.status).toBe(200);
    // The transitions are logged with their direction.
    await agent.waitForLine((line) => line.includes('health check downstream UP -> DOWN'));
    await agent.waitForLine((line) => line.includes('health check downstream DOWN -> UP'));
  });

  it('counts a downstream slower than its limit as failed', async () => {
    const upstream = await startUpstream();
    // Probe /api/v1/slow (600 ms) with a 200 ms limit: every probe is too slow.
    const agent = await startAgent({
      UPSTREAM_URL: upstream.url,
      ...FAST_HEALTH,
      AGENT_HEALTH_DOWNSTREAM_PATH: '/api/v1/slow?ms=600',
      AGENT_HEALTH_DOWNSTREAM_TIMEOUT_MS: '200',
    });
    const down = await healthIs(agent, 'DOWN', 'downstream');
    expect(down.body.checks.downstream.error).toMatch(/no answer within 200 ms/);
  });

  it('with the health-always-up bug, stays UP while the upstream is gone', async () => {
    const upstream = await startUpstream();
    const agent = await startAgent({ UPSTREAM_URL: upstream.url, AGENT_BUG: 'health-always-up', ...FAST_HEALTH });
    await upstream.kill('SIGKILL');
    // The check itself sees the failure (so we know it was evaluated) ...
    const res = await pollUntil(async () => {
      const r = await call(`${agent.url}/health`);
      return r.body.checks.downstream.status === 'DOWN' ? r : undefined;
    }, 'downstream check DOWN');
    // ... but the endpoint still says UP.
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('UP');
  });

  it('goes DOWN on heap growth with the leak bug, and stays UP without it', async () => {
    const env = { ...FAST_HEALTH, AGENT_HEAP_LIMIT_MB: '96', AGENT_LEAK_BYTES_PER_REQUEST: String(1024 * 1024) };
    const healthy = await startAgent(env);
    const leaky = await startAgent({ ...env, AGENT_BUG: 'leak' });
    for (let i = 0; i < 150; i++) {
      await Promise.all([healthy, leaky].map((a) => call(`${a.url}/v1/actions`, { body: { type: 'echo' } })));
    }
    const down = await healthIs(leaky, 'DOWN', 'heap');
    expect(down.body.checks.heap.usedMb).toBeGreaterThan(96);
    const metrics = await call<string>(`${leaky.url}/metrics`);
    expect(metrics.text).toMatch(/^agent_leaked_bytes 1[0-9]{8}$/m);
    const ok = await call(`${healthy.url}/health`);
    expect(ok.body.checks.heap.status).toBe('UP');
  });
});

describe('agent under file-descriptor exhaustion', () => {
  it('stays alive through a connection flood, reports the downstream DOWN, and recovers', async () => {
    // Without keep-alive every health probe needs a new socket, so the flood reaches it.
    const upstream = await startUpstream({ UPSTREAM_KEEPALIVE: '0' });
    // 64 descriptors: 200 idle connections exhaust them, so accept() and the health probe's
    // connect() both fail with EMFILE while the flood lasts.
    const agent = await startProgram(AGENT_MAIN, { UPSTREAM_URL: upstream.url, ...FAST_HEALTH, AGENT_LOG_LEVEL: 'warn' }, 15_000, { shell: 'ulimit -n 64;' });
    await healthIs(agent, 'UP', 'downstream');
    const sockets: Socket[] = [];
    try {
      for (let i = 0; i < 200; i++) {
        const socket = connect(agent.port, '127.0.0.1');
        socket.on('error', () => undefined);
        sockets.push(socket);
      }
      // Health evaluations keep running during the flood: the probe cannot connect.
      await agent.waitForLine((line) => line.includes('health check downstream UP -> DOWN'), 30_000);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
    const up = await healthIs(agent, 'UP', 'downstream');
    expect(up.status).toBe(200);
    expect(agent.process.exitCode).toBeNull();
  });
});
