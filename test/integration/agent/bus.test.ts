import { afterEach, describe, expect, it } from 'vitest';
import { call } from '../../helpers/http.js';
import { killAll, pollUntil, startAgent } from '../../helpers/processes.js';

afterEach(killAll);

const traceId = (n: number): string => n.toString(16).padStart(32, '0').replace(/^0/, 'a');

describe('context bus', () => {
  it('delivers high priority straight to the engine', async () => {
    const agent = await startAgent();
    const res = await call(`${agent.url}/v1/bus`, { body: { priority: 'high', ttl: 1000, traceId: traceId(1), action: { type: 'echo', target: 'now' } } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ delivered: true, priority: 'high', traceId: traceId(1), result: { result: { target: 'now' } } });
  });

  it('overwrites the oldest low-priority message when the ring is full, and counts it', async () => {
    // A drain interval of an hour: nothing leaves the ring during the test.
    const agent = await startAgent({ AGENT_BUS_RING_SIZE: '8', AGENT_BUS_DRAIN_INTERVAL_MS: '3600000' });
    for (let i = 1; i <= 20; i++) {
      const res = await call(`${agent.url}/v1/bus`, { body: { priority: 'low', ttl: 600_000, traceId: traceId(i), action: { type: 'echo' } } });
      expect(res.status).toBe(202);
    }
    const stats = await call(`${agent.url}/v1/bus`);
    expect(stats.body.ring).toEqual({ size: 8, capacity: 8, traceIds: Array.from({ length: 8 }, (_, k) => traceId(13 + k)) });
    expect(stats.body.dropped.overflow).toBe(12);
    expect(stats.body.received.low).toBe(20);
    const metrics = await call<string>(`${agent.url}/metrics`);
    expect(metrics.text).toMatch(/^agent_bus_dropped_total\{reason="overflow",priority="low"\} 12$/m);
  });

  it('drops expired messages and counts them', async () => {
    // The first drain runs 1.5 s after start; messages live 50 ms.
    const agent = await startAgent({ AGENT_BUS_DRAIN_INTERVAL_MS: '1500' });
    for (let i = 1; i <= 5; i++) {
      await call(`${agent.url}/v1/bus`, { body: { priority: 'low', ttl: 50, action: { type: 'echo' } } });
    }
    const zero = await call(`${agent.url}/v1/bus`, { body: { priority: 'high', ttl: 0, action: { type: 'echo' } } });
    expect(zero.body).toMatchObject({ delivered: false, dropped: 'expired' });
    const stats = await pollUntil(async () => {
      const s = await call(`${agent.url}/v1/bus`);
      return s.body.dropped.expired === 6 ? s : undefined;
    }, '6 expired drops');
    expect(stats.body.delivered.low).toBe(0);
    expect(stats.body.ring.size).toBe(0);
  });

  it('delivers live low-priority messages through the drainer', async () => {
    const agent = await startAgent({ AGENT_BUS_DRAIN_INTERVAL_MS: '10' });
    for (let i = 1; i <= 10; i++) {
      await call(`${agent.url}/v1/bus`, { body: { priority: 'low', ttl: 60_000, action: { type: 'echo' } } });
    }
    const stats = await pollUntil(async () => {
      const s = await call(`${agent.url}/v1/bus`);
      return s.body.delivered.low === 10 ? s : undefined;
    }, '10 low-priority deliveries');
    expect(stats.body.dropped).toEqual({ overflow: 0, expired: 0, sampled: 0, rejected: 0 });
  });
});
