import { afterEach, describe, expect, it } from 'vitest';
import { ContextBus } from '../../../harness/agent/bus/context-bus.js';
import type { BusMessage, BusOptions, Delivery, DropReason, Priority } from '../../../harness/agent/bus/context-bus.js';
import { BehaviorEngine } from '../../../harness/agent/engine/engine.js';
import type { Action, ActionHandler } from '../../../harness/agent/engine/engine.js';
import { ActionError } from '../../../harness/agent/engine/errors.js';
import { echoHandler } from '../../../harness/agent/engine/handlers.js';
import { waitFor } from './support.js';

const T1 = '11111111111111111111111111111111';
const HEADER_TRACE = 'abcdefabcdefabcdefabcdefabcdef12';

interface Seen {
  action: Action;
  traceId: string;
}

interface Fixture {
  engine: BehaviorEngine;
  bus: ContextBus;
  /** Every action the engine ran, in order. */
  seen: Seen[];
  drops: [DropReason, Priority][];
  received: Priority[];
  deliveryErrors: [string, string][];
}

const buses: ContextBus[] = [];
afterEach(() => {
  for (const bus of buses.splice(0)) bus.stop();
});

function makeBus(options: Partial<BusOptions> = {}, extraHandlers: Record<string, ActionHandler> = {}): Fixture {
  const engine = new BehaviorEngine({ maxConcurrency: 8, maxQueue: 64, defaultTimeoutMs: 5_000, maxTimeoutMs: 30_000 });
  const seen: Seen[] = [];
  engine.register('echo', (action, context) => {
    seen.push({ action, traceId: context.trace.traceId });
    return echoHandler(action, context);
  });
  for (const [type, handler] of Object.entries(extraHandlers)) engine.register(type, handler);
  const drops: [DropReason, Priority][] = [];
  const received: Priority[] = [];
  const deliveryErrors: [string, string][] = [];
  const bus = new ContextBus(engine, {
    ringSize: 16,
    sampleRate: 1,
    drainIntervalMs: 60_000,
    drainBatch: 32,
    seed: 1,
    onDrop: (reason, priority) => drops.push([reason, priority]),
    onReceive: (priority) => received.push(priority),
    onDeliveryError: (message, error) => deliveryErrors.push([message.traceId, error.code]),
    ...options,
  });
  buses.push(bus);
  return { engine, bus, seen, drops, received, deliveryErrors };
}

function traceId(n: number): string {
  return n.toString(16).padStart(32, '0');
}

function low(n: number, ttl = 60_000): BusMessage {
  return { traceId: traceId(n), priority: 'low', ttl, action: { type: 'echo', target: String(n) } };
}

describe('ContextBus.publish, high priority', () => {
  it('delivers straight to the engine and returns the result', async () => {
    const { bus, seen, received } = makeBus();
    const delivery = await bus.publish({ traceId: T1, priority: 'high', ttl: 1_000, action: { type: 'echo', target: 't', payload: { a: 1 } } });
    expect(delivery).toMatchObject({ delivered: true, priority: 'high', result: { type: 'echo', result: { target: 't', payload: { a: 1 } } } });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.traceId).toBe(T1);
    expect(received).toEqual(['high']);
    expect(bus.stats()).toMatchObject({ received: { high: 1, low: 0 }, delivered: { high: 1, low: 0 }, ring: { size: 0 } });
  });

  it.each([
    { name: 'the ttl when it is shorter than the default', ttl: 50, action: { type: 'echo' }, timeout: 50 },
    { name: 'the default when the ttl is longer', ttl: 100_000, action: { type: 'echo' }, timeout: 5_000 },
    { name: "the action's own timeout when shorter", ttl: 1_000, action: { type: 'echo', timeout: 30 }, timeout: 30 },
    { name: 'at least 1 ms', ttl: 0.5, action: { type: 'echo' }, timeout: 1 },
  ])('gives the engine $name as deadline', async ({ ttl, action, timeout }) => {
    const { bus, seen } = makeBus();
    await bus.publish({ traceId: T1, priority: 'high', ttl, action });
    expect(seen[0]!.action.timeout).toBe(timeout);
  });

  it('passes engine errors to the caller', async () => {
    const { engine, bus } = makeBus();
    engine.close();
    await expect(bus.publish({ traceId: T1, priority: 'high', ttl: 1_000, action: { type: 'echo' } })).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    expect(bus.stats().delivered.high).toBe(0);
  });

  it('is never sampled out', async () => {
    const { bus } = makeBus({ sampleRate: 0 });
    expect(await bus.publish({ traceId: T1, priority: 'high', ttl: 1_000, action: { type: 'echo' } })).toMatchObject({ delivered: true });
  });
});

describe('ContextBus.publish, ttl and low priority', () => {
  it.each(['high', 'low'] as const)('drops a %s message with ttl 0 as expired without running it', async (priority) => {
    const { bus, seen, drops } = makeBus();
    const delivery = await bus.publish({ traceId: T1, priority, ttl: 0, action: { type: 'echo' } });
    expect(delivery).toEqual({ delivered: false, priority, dropped: 'expired' });
    expect(drops).toEqual([['expired', priority]]);
    expect(bus.stats().dropped).toEqual({ overflow: 0, expired: 1, sampled: 0, rejected: 0 });
    expect(bus.stats().received[priority]).toBe(1);
    expect(bus.stats().ring.size).toBe(0);
    expect(seen).toHaveLength(0);
  });

  it('queues a low message in the ring without running it', async () => {
    const { bus, seen, received } = makeBus();
    const delivery = await bus.publish(low(1));
    expect(delivery).toEqual({ delivered: false, priority: 'low', queued: true });
    expect(bus.stats().ring).toEqual({ size: 1, capacity: 16, traceIds: [traceId(1)] });
    expect(received).toEqual(['low']);
    expect(seen).toHaveLength(0);
  });

  it('on overflow counts each drop and keeps the newest messages', async () => {
    const { bus, drops } = makeBus({ ringSize: 3 });
    const deliveries: Delivery[] = [];
    for (let n = 1; n <= 5; n++) deliveries.push(await bus.publish(low(n)));
    for (const delivery of deliveries) expect(delivery).toEqual({ delivered: false, priority: 'low', queued: true });
    const stats = bus.stats();
    expect(stats.dropped.overflow).toBe(2);
    expect(drops).toEqual([
      ['overflow', 'low'],
      ['overflow', 'low'],
    ]);
    expect(stats.ring).toEqual({ size: 3, capacity: 3, traceIds: [traceId(3), traceId(4), traceId(5)] });
    expect(stats.received.low).toBe(5);
  });

  it('returns stats as copies', async () => {
    const { bus } = makeBus();
    await bus.publish(low(1));
    const stats = bus.stats();
    stats.received.low = 99;
    stats.dropped.expired = 99;
    stats.ring.traceIds.push('x');
    expect(bus.stats().received.low).toBe(1);
    expect(bus.stats().dropped.expired).toBe(0);
    expect(bus.stats().ring.traceIds).toEqual([traceId(1)]);
  });
});

describe('ContextBus sampling', () => {
  it('with sampleRate 0 drops every low message as sampled', async () => {
    const { bus, drops, seen } = makeBus({ sampleRate: 0 });
    for (let n = 0; n < 20; n++) expect(await bus.publish(low(n))).toEqual({ delivered: false, priority: 'low', dropped: 'sampled' });
    expect(bus.stats().dropped.sampled).toBe(20);
    expect(bus.stats().ring.size).toBe(0);
    expect(drops.every(([reason, priority]) => reason === 'sampled' && priority === 'low')).toBe(true);
    expect(seen).toHaveLength(0);
  });

  it('with sampleRate 1 keeps every low message', async () => {
    const { bus } = makeBus({ sampleRate: 1, ringSize: 100 });
    for (let n = 0; n < 50; n++) await bus.publish(low(n));
    expect(bus.stats().dropped.sampled).toBe(0);
    expect(bus.stats().ring.size).toBe(50);
  });

  async function pattern(seed: number, sampleRate: number): Promise<string> {
    const { bus } = makeBus({ seed, sampleRate, ringSize: 1_000 });
    let out = '';
    for (let n = 0; n < 200; n++) out += 'dropped' in (await bus.publish(low(n))) ? '.' : 'K';
    return out;
  }

  it('is deterministic for a seed and keeps about sampleRate of the messages', async () => {
    const a = await pattern(42, 0.5);
    expect(await pattern(42, 0.5)).toBe(a);
    expect(await pattern(7, 0.5)).not.toBe(a);
    const kept = [...a].filter((c) => c === 'K').length;
    expect(kept).toBeGreaterThan(60);
    expect(kept).toBeLessThan(140);
    const sparse = [...(await pattern(42, 0.1))].filter((c) => c === 'K').length;
    expect(sparse).toBeLessThan(kept);
  });
});

describe('ContextBus drain', () => {
  it('delivers queued low messages to the engine, oldest first, in batches', async () => {
    const { bus, seen } = makeBus({ drainIntervalMs: 2, drainBatch: 2 });
    for (let n = 1; n <= 5; n++) await bus.publish(low(n));
    bus.start();
    await waitFor(() => bus.stats().delivered.low === 5, 'five low messages to be delivered');
    expect(seen.map((s) => s.action.target)).toEqual(['1', '2', '3', '4', '5']);
    expect(seen.map((s) => s.traceId)).toEqual([1, 2, 3, 4, 5].map(traceId));
    expect(bus.stats().ring.size).toBe(0);
    expect(bus.stats().dropped).toEqual({ overflow: 0, expired: 0, sampled: 0, rejected: 0 });
  });

  it('gives a low message the rest of its ttl as the engine deadline', async () => {
    const { bus, seen } = makeBus({ drainIntervalMs: 2 });
    await bus.publish(low(1, 1_000));
    bus.start();
    await waitFor(() => seen.length === 1, 'the message to run');
    expect(seen[0]!.action.timeout).toBeGreaterThanOrEqual(1);
    expect(seen[0]!.action.timeout).toBeLessThanOrEqual(1_000);
  });

  it('drops a low message whose ttl ran out before the drain as expired', async () => {
    const { bus, seen, drops } = makeBus({ drainIntervalMs: 1 });
    const published = performance.now();
    await bus.publish(low(1, 5));
    await waitFor(() => performance.now() - published > 20, 'the ttl to pass');
    bus.start();
    await waitFor(() => bus.stats().dropped.expired === 1, 'the expired drop');
    expect(seen).toHaveLength(0);
    expect(drops).toEqual([['expired', 'low']]);
    expect(bus.stats().delivered.low).toBe(0);
    expect(bus.stats().ring.size).toBe(0);
  });

  it('counts a low message whose engine deadline fires as expired and reports it', async () => {
    const { bus, deliveryErrors } = makeBus({ drainIntervalMs: 1 }, { hang: () => new Promise<never>(() => undefined) });
    await bus.publish({ traceId: T1, priority: 'low', ttl: 30, action: { type: 'hang' } });
    bus.start();
    await waitFor(() => bus.stats().dropped.expired === 1, 'the deadline drop');
    expect(deliveryErrors).toEqual([[T1, 'DEADLINE_EXCEEDED']]);
    expect(bus.stats().delivered.low).toBe(0);
  });

  it('counts a low message the engine refuses as rejected and reports it', async () => {
    const { engine, bus, deliveryErrors, drops } = makeBus({ drainIntervalMs: 1 });
    await bus.publish(low(1));
    engine.close();
    bus.start();
    await waitFor(() => bus.stats().dropped.rejected === 1, 'the rejected drop');
    expect(deliveryErrors).toEqual([[traceId(1), 'SHUTTING_DOWN']]);
    expect(drops).toEqual([['rejected', 'low']]);
  });

  it('stop() stops draining', async () => {
    const stopped = makeBus({ drainIntervalMs: 2 });
    const running = makeBus({ drainIntervalMs: 2 });
    stopped.bus.start();
    stopped.bus.stop();
    running.bus.start();
    await stopped.bus.publish(low(1));
    await running.bus.publish(low(1));
    // The running bus's timer was created after the stopped one's, with the same interval.
    await waitFor(() => running.bus.stats().delivered.low === 1, 'the running bus to deliver');
    expect(stopped.bus.stats().ring.size).toBe(1);
    expect(stopped.seen).toHaveLength(0);
  });
});

describe('ContextBus.validate', () => {
  const { bus } = makeBus();

  it('accepts a message and keeps its trace id', () => {
    expect(bus.validate({ traceId: T1, priority: 'low', ttl: 10, action: { type: 'echo', target: 'x' } }, HEADER_TRACE)).toEqual({
      traceId: T1,
      priority: 'low',
      ttl: 10,
      action: { type: 'echo', target: 'x', timeout: undefined, payload: undefined },
    });
  });

  it('falls back to the header trace id, then to a new one', () => {
    expect(bus.validate({ priority: 'high', ttl: 0, action: { type: 'echo' } }, HEADER_TRACE).traceId).toBe(HEADER_TRACE);
    const fresh = bus.validate({ priority: 'high', ttl: 0, action: { type: 'echo' } }, undefined).traceId;
    expect(fresh).toMatch(/^[0-9a-f]{32}$/);
    expect(fresh).not.toBe(HEADER_TRACE);
    expect(bus.validate({ priority: 'high', ttl: 0, action: { type: 'echo' } }, 'not-hex').traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it.each([
    { name: 'null', input: null, message: /JSON object/ },
    { name: 'an array', input: [], message: /JSON object/ },
    { name: 'a missing priority', input: { ttl: 1, action: { type: 'echo' } }, message: /priority must be "high" or "low"/ },
    { name: 'an unknown priority', input: { priority: 'urgent', ttl: 1, action: { type: 'echo' } }, message: /got "urgent"/ },
    { name: 'a missing ttl', input: { priority: 'low', action: { type: 'echo' } }, message: /ttl must be a number/ },
    { name: 'a negative ttl', input: { priority: 'low', ttl: -1, action: { type: 'echo' } }, message: /ttl must be a number/ },
    { name: 'a string ttl', input: { priority: 'low', ttl: '5', action: { type: 'echo' } }, message: /got "5"/ },
    { name: 'an infinite ttl', input: { priority: 'low', ttl: Infinity, action: { type: 'echo' } }, message: /ttl must be a number/ },
    { name: 'an uppercase trace id', input: { traceId: T1.replace(/1/g, 'A'), priority: 'low', ttl: 1, action: { type: 'echo' } }, message: /traceId/ },
    { name: 'a short trace id', input: { traceId: 'abc', priority: 'low', ttl: 1, action: { type: 'echo' } }, message: /traceId/ },
    { name: 'a numeric trace id', input: { traceId: 1, priority: 'low', ttl: 1, action: { type: 'echo' } }, message: /traceId/ },
    { name: 'a missing action', input: { priority: 'low', ttl: 1 }, message: /an action is a JSON object/ },
    { name: 'a bad action timeout', input: { priority: 'low', ttl: 1, action: { type: 'echo', timeout: 0 } }, message: /action.timeout/ },
  ])('rejects $name as INVALID_ACTION', ({ input, message }) => {
    let caught: unknown;
    try {
      bus.validate(input, undefined);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ActionError);
    expect(caught).toMatchObject({ code: 'INVALID_ACTION', status: 400 });
    expect((caught as Error).message).toMatch(message);
  });

  it('rejects an unknown action type as UNKNOWN_ACTION_TYPE', () => {
    expect(() => bus.validate({ priority: 'low', ttl: 1, action: { type: 'nope' } }, undefined)).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_ACTION_TYPE' }) as Error,
    );
  });
});
