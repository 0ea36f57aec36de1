import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { startClock } from '../../../src/clock.js';
import type { InjectorClient } from '../../../src/faults/injector-client.js';
import type { RecordedEvent } from '../../../src/record/types.js';
import { RestartSupervisor } from '../../../src/run/restart-supervisor.js';
import type { ResolvedRestart } from '../../../src/scenario/types.js';
import type { ManagedProcess } from '../../../src/target/process.js';

/**
 * The restart policies' decisions, with stand-in processes: which exits restart, how many
 * times, what is recorded, and that a fault's relaunch and the end of the timeline always win
 * over a policy restart. The real thing runs in test/e2e/run-restart.test.ts.
 */

/** The part of ManagedProcess the supervisor uses; `launch` decides how a start goes. */
class FakeProcess {
  running = false;
  starts = 0;
  stops = 0;
  launch: () => Promise<void> = () => Promise.resolve();

  async start(): Promise<void> {
    this.starts += 1;
    this.running = true;
    try {
      await this.launch();
    } catch (error) {
      this.running = false;
      throw error;
    }
  }

  stop(): Promise<{ exit: undefined; escalated: false }> {
    this.stops += 1;
    this.running = false;
    return Promise.resolve({ exit: undefined, escalated: false });
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve = () => {};
  let reject: (error: Error) => void = () => {};
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const policy = (when: ResolvedRestart['when'], delayMs = 0, limit = 5): ResolvedRestart => ({ when, delayMs, limit });
const crash = { code: 1, signal: null, expected: false };

function setup(restart: ResolvedRestart, options: { begin?: boolean; injector?: InjectorClient } = {}) {
  const events: RecordedEvent[] = [];
  const process = new FakeProcess();
  const timeline = new AbortController();
  const supervisor = new RestartSupervisor({
    clock: startClock(),
    event: (e) => events.push(e),
    logger: pino({ level: 'silent' }),
    processes: new Map([['target', process as unknown as ManagedProcess]]),
    policies: new Map([['target', restart]]),
  });
  if (options.begin !== false) supervisor.begin(timeline.signal, options.injector);
  const restarts = () => events.flatMap((e) => (e.type === 'process-restart' ? [{ attempt: e.attempt, delayMs: e.delayMs }] : []));
  const notes = () => events.flatMap((e) => (e.type === 'note' ? [e.message] : []));
  return { events, process, timeline, supervisor, restarts, notes };
}

describe('which exits a policy restarts', () => {
  it.each([
    // [policy, exit code, signal, restarted]
    ['on-failure', 1, null, true],
    ['on-failure', null, 'SIGKILL', true],
    ['on-failure', 0, null, false],
    ['always', 0, null, true],
    ['always', 3, null, true],
    ['never', 1, null, false],
    ['never', null, 'SIGSEGV', false],
  ] as const)('%s after an exit with code %s, signal %s: restarted %s', async (when, code, signal, restarted) => {
    const { process, supervisor, restarts } = setup(policy(when));
    supervisor.exited('target', { code, signal, expected: false });
    if (restarted) await vi.waitFor(() => expect(process.starts).toBe(1));
    await supervisor.stop();
    expect(restarts()).toEqual(restarted ? [{ attempt: 1, delayMs: 0 }] : []);
    expect(process.starts).toBe(restarted ? 1 : 0);
  });

  it('says why on-failure leaves a process down after exit code 0', async () => {
    const { supervisor, notes } = setup(policy('on-failure'));
    supervisor.exited('target', { code: 0, signal: null, expected: false });
    await supervisor.stop();
    expect(notes()).toEqual(['target exited with code 0; its restart policy (on-failure) leaves it down']);
  });

  it('never restarts an exit the run caused, one before the timeline, or one after it', async () => {
    const early = setup(policy('always'), { begin: false });
    early.supervisor.exited('target', crash);
    expect(early.events).toEqual([]);

    const { supervisor, events, timeline } = setup(policy('always'));
    supervisor.exited('target', { code: null, signal: 'SIGKILL', expected: true });
    timeline.abort();
    supervisor.exited('target', crash);
    await supervisor.stop();
    supervisor.exited('target', crash);
    expect(events).toEqual([]);
  });

  it('ignores processes without a policy', async () => {
    const { supervisor, events } = setup(policy('always'));
    supervisor.exited('unknown', crash);
    await supervisor.stop();
    expect(events).toEqual([]);
  });
});

describe('restarting', () => {
  it('counts attempts up to the limit, then notes that the process stays down', async () => {
    const { process, supervisor, restarts, notes } = setup(policy('always', 0, 2));
    for (let i = 1; i <= 3; i++) {
      supervisor.exited('target', crash);
      process.running = false;
      if (i <= 2) await vi.waitFor(() => expect(process.starts).toBe(i));
    }
    await supervisor.stop();
    expect(restarts()).toEqual([
      { attempt: 1, delayMs: 0 },
      { attempt: 2, delayMs: 0 },
    ]);
    expect(notes()).toEqual(['target exited again after 2 restarts, its limit (restart.limit 2): it stays down']);
    expect(process.starts).toBe(2);
  });

  it('records a restart that fails as a note with the cause, without throwing', async () => {
    const { process, supervisor, notes } = setup(policy('on-failure'));
    process.launch = () => Promise.reject(new Error('target was not ready within 1000 ms'));
    supervisor.exited('target', crash);
    await vi.waitFor(() => expect(notes()).toEqual(['restart 1 of target failed: target was not ready within 1000 ms']));
    await supervisor.stop();
  });

  it('greets the injector of a restarted target before the restart counts as done', async () => {
    const hello = deferred();
    const calls: string[] = [];
    const injector = { attach: () => calls.push('attach'), ready: () => hello.promise.then(() => calls.push('ready')) } as unknown as InjectorClient;
    const { process, supervisor } = setup(policy('on-failure'), { injector });
    process.launch = () => {
      calls.push('start');
      return Promise.resolve();
    };
    supervisor.exited('target', crash);
    await vi.waitFor(() => expect(calls).toEqual(['attach', 'start']));
    let stopped = false;
    const stopping = supervisor.stop().then(() => (stopped = true));
    hello.resolve();
    await stopping;
    expect(stopped).toBe(true);
    expect(calls).toEqual(['attach', 'start', 'ready']);
  });
});

describe('the end of the timeline', () => {
  it('stop() during a delay: no restart, and no waiting for the delay', async () => {
    const { process, supervisor, notes } = setup(policy('on-failure', 60_000));
    supervisor.exited('target', crash);
    const before = performance.now();
    await supervisor.stop();
    expect(performance.now() - before).toBeLessThan(1_000);
    expect(process.starts).toBe(0);
    expect(notes()).toEqual(['restart 1 of target not made: the timeline ended during its 60000 ms delay']);
  });

  it("the timeline's stop signal (an abort, Ctrl-C) during a delay: the same", async () => {
    const { process, supervisor, timeline, notes } = setup(policy('on-failure', 60_000));
    supervisor.exited('target', crash);
    timeline.abort();
    await vi.waitFor(() => expect(notes()).toEqual(['restart 1 of target not made: the timeline ended during its 60000 ms delay']));
    await supervisor.stop();
    expect(process.starts).toBe(0);
  });

  it('stop() while a restart is starting stops the process and waits for the start to end', async () => {
    const { process, supervisor, notes } = setup(policy('on-failure'));
    const ready = deferred();
    process.launch = () => ready.promise;
    supervisor.exited('target', crash);
    await vi.waitFor(() => expect(process.starts).toBe(1));
    const stopping = supervisor.stop();
    expect(process.stops).toBe(1);
    ready.reject(new Error('target exited before it was ready'));
    await stopping;
    expect(notes()).toEqual(['restart 1 of target abandoned: the timeline ended before it was ready']);
  });

  it('a restart cut short before its spawn is stopped as soon as it spawns', async () => {
    const { process, supervisor } = setup(policy('on-failure'));
    const spawned = deferred();
    const ready = deferred();
    // Not running until "spawned": the supervisor cannot stop it before that.
    process.start = async function (this: FakeProcess) {
      this.starts += 1;
      await spawned.promise;
      this.running = true;
      supervisor.started('target');
      await ready.promise;
    };
    supervisor.exited('target', crash);
    await vi.waitFor(() => expect(process.starts).toBe(1));
    const stopping = supervisor.stop();
    expect(process.stops).toBe(0);
    spawned.resolve();
    await vi.waitFor(() => expect(process.stops).toBe(1));
    ready.resolve();
    await stopping;
  });
});

describe('a fault relaunching the process (exclusive)', () => {
  it('cancels a policy restart waiting for its delay: only the fault starts the process', async () => {
    const { process, supervisor, notes } = setup(policy('always', 60_000));
    supervisor.exited('target', crash);
    await supervisor.exclusive('target', 'the fault kill starts it again', () => process.start());
    await supervisor.stop();
    expect(process.starts).toBe(1);
    expect(notes()).toEqual(['restart 1 of target cancelled: the fault kill starts it again']);
  });

  it('waits for a policy restart under way, then finds the process running', async () => {
    const { process, supervisor, notes } = setup(policy('always'));
    const ready = deferred();
    process.launch = () => ready.promise;
    supervisor.exited('target', crash);
    await vi.waitFor(() => expect(process.starts).toBe(1));
    const order: string[] = [];
    const fault = supervisor.exclusive('target', 'the fault kill starts it again', () => {
      order.push(process.running ? 'fault: already running' : 'fault: starts it');
      return Promise.resolve();
    });
    order.push('policy: ready');
    ready.resolve();
    await fault;
    await supervisor.stop();
    expect(order).toEqual(['policy: ready', 'fault: already running']);
    expect(process.starts).toBe(1);
    expect(notes()).toEqual([]);
  });

  it('a policy restart that comes due while a fault is relaunching waits, and finds the process running', async () => {
    const { process, supervisor, notes } = setup(policy('always'));
    const ready = deferred();
    const fault = supervisor.exclusive('target', 'the fault kill starts it again', async () => {
      process.running = true;
      await ready.promise;
    });
    supervisor.exited('target', crash);
    ready.resolve();
    await fault;
    await vi.waitFor(() => expect(notes()).toEqual(['restart 1 of target not needed: it was started again meanwhile']));
    await supervisor.stop();
    expect(process.starts).toBe(0);
  });
});
