import { describe, expect, it } from 'vitest';
import { BehaviorEngine } from '../../../harness/agent/engine/engine.js';
import type { Action, ActionContext, ActionHandler, EngineOptions } from '../../../harness/agent/engine/engine.js';
import { ActionError, toActionError } from '../../../harness/agent/engine/errors.js';
import type { ActionOutcome } from '../../../harness/agent/engine/errors.js';
import { MAX_COMPUTE_UNITS, computeHandler, echoHandler } from '../../../harness/agent/engine/handlers.js';
import { traceFromHeader } from '../../../harness/agent/trace.js';
import { deferred, settle, tick, waitFor } from './support.js';
import type { Deferred } from './support.js';

const trace = traceFromHeader('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');

interface Call {
  action: Action;
  context: ActionContext;
  done: Deferred<unknown>;
}

/** A handler whose every call waits for the test to settle it. */
class Gate {
  readonly calls: Call[] = [];
  running = 0;
  maxRunning = 0;
  readonly handler: ActionHandler = (action, context) => {
    const done = deferred<unknown>();
    this.calls.push({ action, context, done });
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    return done.promise.finally(() => this.running--);
  };
  /** Like `handler`, but rejects with the signal's reason when aborted. */
  readonly abortable: ActionHandler = (action, context) => {
    const promise = this.handler(action, context);
    context.signal.addEventListener('abort', () => this.calls.find((c) => c.context === context)?.done.reject(context.signal.reason), { once: true });
    return promise;
  };
}

function makeEngine(options: Partial<EngineOptions> = {}): { engine: BehaviorEngine; outcomes: [string, ActionOutcome][] } {
  const outcomes: [string, ActionOutcome][] = [];
  const engine = new BehaviorEngine({
    maxConcurrency: 2,
    maxQueue: 2,
    defaultTimeoutMs: 10_000,
    maxTimeoutMs: 30_000,
    onOutcome: (type, outcome, seconds) => {
      expect(seconds).toBeGreaterThanOrEqual(0);
      outcomes.push([type, outcome]);
    },
    ...options,
  });
  return { engine, outcomes };
}

async function actionError(promise: Promise<unknown>): Promise<ActionError> {
  const outcome = await settle(promise);
  if (outcome.status === 'fulfilled') throw new Error(`expected an ActionError, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.reason).toBeInstanceOf(ActionError);
  return outcome.reason as ActionError;
}

describe('ActionError', () => {
  it.each([
    { code: 'INVALID_ACTION', status: 400, outcome: 'invalid' },
    { code: 'UNKNOWN_ACTION_TYPE', status: 400, outcome: 'invalid' },
    { code: 'OVERLOADED', status: 503, outcome: 'rejected' },
    { code: 'SHUTTING_DOWN', status: 503, outcome: 'rejected' },
    { code: 'DEADLINE_EXCEEDED', status: 504, outcome: 'timeout' },
    { code: 'DOWNSTREAM_ERROR', status: 502, outcome: 'failed' },
    { code: 'DOWNSTREAM_UNAVAILABLE', status: 502, outcome: 'failed' },
    { code: 'NOT_CONFIGURED', status: 501, outcome: 'invalid' },
    { code: 'HANDLER_FAILED', status: 500, outcome: 'failed' },
  ] as const)('$code is $status / $outcome', ({ code, status, outcome }) => {
    const error = new ActionError(code, 'm');
    expect(error.status).toBe(status);
    expect(error.outcome).toBe(outcome);
  });

  it('toActionError keeps ActionErrors and wraps anything else as HANDLER_FAILED', () => {
    const original = new ActionError('OVERLOADED', 'x');
    expect(toActionError(original)).toBe(original);
    const cause = new Error('boom');
    const wrapped = toActionError(cause);
    expect(wrapped).toMatchObject({ code: 'HANDLER_FAILED', status: 500, message: 'handler failed: boom' });
    expect(wrapped.cause).toBe(cause);
    expect(toActionError('text').message).toBe('handler failed: text');
  });
});

describe('BehaviorEngine dispatch', () => {
  it('runs the handler registered for the type and returns its result', async () => {
    const { engine, outcomes } = makeEngine();
    let seen: ActionContext | undefined;
    engine.register('echo', echoHandler).register('spy', (action, context) => {
      seen = context;
      return Promise.resolve(`spy:${action.target}`);
    });
    expect(engine.types).toEqual(['echo', 'spy']);

    const echoed = await engine.submit({ type: 'echo', target: 't', payload: { a: 1 } }, trace);
    expect(echoed).toMatchObject({ type: 'echo', result: { target: 't', payload: { a: 1 } } });
    expect(echoed.durationMs).toBeGreaterThanOrEqual(0);
    expect(echoed.queuedMs).toBeGreaterThanOrEqual(0);
    expect(echoed.durationMs).toBeGreaterThanOrEqual(echoed.queuedMs);
    expect((await engine.submit({ type: 'echo' }, trace)).result).toEqual({ target: null, payload: null });

    expect((await engine.submit({ type: 'spy', target: 'x' }, trace)).result).toBe('spy:x');
    expect(seen?.trace).toBe(trace);
    expect(seen?.signal.aborted).toBe(false);
    expect(outcomes).toEqual([
      ['echo', 'ok'],
      ['echo', 'ok'],
      ['spy', 'ok'],
    ]);
    await waitFor(() => engine.inflight === 0, 'the slots to be released');
  });

  it('rejects an unknown type on submit', async () => {
    const { engine } = makeEngine();
    engine.register('echo', echoHandler);
    const error = await actionError(engine.submit({ type: 'nope' }, trace));
    expect(error.code).toBe('UNKNOWN_ACTION_TYPE');
    expect(error.status).toBe(400);
  });

  it.each([
    { name: 'an Error', thrown: new Error('kaput'), code: 'HANDLER_FAILED', outcome: 'failed' },
    { name: 'a string', thrown: 'kaput', code: 'HANDLER_FAILED', outcome: 'failed' },
    { name: 'an ActionError', thrown: new ActionError('DOWNSTREAM_ERROR', 'bad gateway'), code: 'DOWNSTREAM_ERROR', outcome: 'failed' },
    { name: 'NOT_CONFIGURED', thrown: new ActionError('NOT_CONFIGURED', 'no upstream'), code: 'NOT_CONFIGURED', outcome: 'invalid' },
  ])('maps a handler that rejects with $name to $code', async ({ thrown, code, outcome }) => {
    const { engine, outcomes } = makeEngine();
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a handler may reject with a non-Error
    engine.register('bad', () => Promise.reject(thrown));
    const error = await actionError(engine.submit({ type: 'bad' }, trace));
    expect(error.code).toBe(code);
    if (thrown instanceof ActionError) expect(error).toBe(thrown);
    expect(outcomes).toEqual([['bad', outcome]]);
    await waitFor(() => engine.inflight === 0, 'the slot to be released');
  });

  it('maps a handler that throws synchronously to HANDLER_FAILED and frees the slot', async () => {
    const { engine, outcomes } = makeEngine({ maxConcurrency: 1 });
    engine.register('sync', () => {
      throw new Error('sync boom');
    });
    engine.register('echo', echoHandler);
    const error = await actionError(engine.submit({ type: 'sync' }, trace));
    expect(error).toMatchObject({ code: 'HANDLER_FAILED', message: 'handler failed: sync boom' });
    expect(outcomes).toEqual([['sync', 'failed']]);
    await expect(engine.submit({ type: 'echo' }, trace)).resolves.toMatchObject({ type: 'echo' });
  });
});

describe('BehaviorEngine.validate', () => {
  const { engine } = makeEngine({ maxTimeoutMs: 1000 });
  engine.register('echo', echoHandler).register('compute', computeHandler);

  it.each([
    { input: { type: 'echo' }, action: { type: 'echo', target: undefined, timeout: undefined, payload: undefined } },
    { input: { type: 'echo', target: '/x', timeout: 1, payload: [1] }, action: { type: 'echo', target: '/x', timeout: 1, payload: [1] } },
    { input: { type: 'compute', timeout: 1000, extra: 'dropped' }, action: { type: 'compute', target: undefined, timeout: 1000, payload: undefined } },
  ])('accepts $input', ({ input, action }) => {
    expect(engine.validate(input)).toStrictEqual(action);
  });

  it.each([
    { name: 'null', input: null, message: /JSON object/ },
    { name: 'an array', input: [{ type: 'echo' }], message: /JSON object/ },
    { name: 'a string', input: 'echo', message: /JSON object/ },
    { name: 'a missing type', input: {}, message: /non-empty string; known types: echo, compute/ },
    { name: 'an empty type', input: { type: '' }, message: /non-empty string/ },
    { name: 'a numeric type', input: { type: 1 }, message: /non-empty string/ },
    { name: 'a numeric target', input: { type: 'echo', target: 1 }, message: /target must be a string/ },
    { name: 'timeout 0', input: { type: 'echo', timeout: 0 }, message: /from 1 to 1000, got 0/ },
    { name: 'a negative timeout', input: { type: 'echo', timeout: -5 }, message: /got -5/ },
    { name: 'a fractional timeout', input: { type: 'echo', timeout: 1.5 }, message: /got 1.5/ },
    { name: 'a string timeout', input: { type: 'echo', timeout: '10' }, message: /got "10"/ },
    { name: 'a NaN timeout', input: { type: 'echo', timeout: NaN }, message: /integer number of ms/ },
    { name: 'a timeout above the maximum', input: { type: 'echo', timeout: 1001 }, message: /got 1001/ },
  ])('rejects $name as INVALID_ACTION', ({ input, message }) => {
    let caught: unknown;
    try {
      engine.validate(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ActionError);
    expect(caught).toMatchObject({ code: 'INVALID_ACTION', status: 400 });
    expect((caught as Error).message).toMatch(message);
  });

  it('rejects an unknown type as UNKNOWN_ACTION_TYPE with the known list', () => {
    let caught: unknown;
    try {
      engine.validate({ type: 'fetchh' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ActionError);
    expect(caught).toMatchObject({ code: 'UNKNOWN_ACTION_TYPE', status: 400, details: { known: ['echo', 'compute'] } });
    expect((caught as Error).message).toContain('known types: echo, compute');
  });

  it('timeoutFor uses the action timeout, else the default', () => {
    const { engine: e } = makeEngine({ defaultTimeoutMs: 123 });
    expect(e.timeoutFor({ type: 'x' })).toBe(123);
    expect(e.timeoutFor({ type: 'x', timeout: 7 })).toBe(7);
  });
});

describe('BehaviorEngine concurrency and queue', () => {
  it('runs at most maxConcurrency at once; a queued job starts when one finishes', async () => {
    const { engine } = makeEngine({ maxConcurrency: 2, maxQueue: 10 });
    const gate = new Gate();
    engine.register('work', gate.handler);
    const results = [0, 1, 2, 3].map((n) => engine.submit({ type: 'work', target: String(n) }, trace));

    expect(gate.calls.map((c) => c.action.target)).toEqual(['0', '1']);
    expect(engine.inflight).toBe(2);
    expect(engine.queued).toBe(2);

    gate.calls[1]!.done.resolve('r1');
    await expect(results[1]).resolves.toMatchObject({ result: 'r1' });
    await waitFor(() => gate.calls.length === 3, 'the third job to start');
    expect(gate.calls[2]!.action.target).toBe('2');
    expect(engine.inflight).toBe(2);
    expect(engine.queued).toBe(1);

    gate.calls[0]!.done.resolve('r0');
    await waitFor(() => gate.calls.length === 4, 'the fourth job to start');
    gate.calls[2]!.done.resolve('r2');
    gate.calls[3]!.done.resolve('r3');
    expect((await Promise.all(results)).map((r) => r.result)).toEqual(['r0', 'r1', 'r2', 'r3']);
    expect(gate.maxRunning).toBe(2);
    await waitFor(() => engine.inflight === 0, 'all slots to be free');
    expect(engine.queued).toBe(0);
  });

  it('rejects overflow at once with OVERLOADED (503) while the engine stays busy', async () => {
    const { engine, outcomes } = makeEngine({ maxConcurrency: 1, maxQueue: 1 });
    const gate = new Gate();
    engine.register('work', gate.handler);
    const running = engine.submit({ type: 'work' }, trace);
    const queued = engine.submit({ type: 'work' }, trace);
    const error = await actionError(engine.submit({ type: 'work' }, trace));
    expect(error).toMatchObject({ code: 'OVERLOADED', status: 503, outcome: 'rejected', details: { running: 1, queued: 1 } });
    expect(gate.calls).toHaveLength(1);
    expect(outcomes).toEqual([['work', 'rejected']]);

    gate.calls[0]!.done.resolve('a');
    await running;
    await waitFor(() => gate.calls.length === 2, 'the queued job to start');
    gate.calls[1]!.done.resolve('b');
    await expect(queued).resolves.toMatchObject({ result: 'b' });
  });

  it('with maxQueue 0 rejects anything beyond the running slots', async () => {
    const { engine } = makeEngine({ maxConcurrency: 1, maxQueue: 0 });
    const gate = new Gate();
    engine.register('work', gate.handler);
    const running = engine.submit({ type: 'work' }, trace);
    expect((await actionError(engine.submit({ type: 'work' }, trace))).code).toBe('OVERLOADED');
    gate.calls[0]!.done.resolve(1);
    await running;
  });
});

describe('BehaviorEngine deadlines', () => {
  it('answers DEADLINE_EXCEEDED (504) for a handler that never resolves and aborts its signal with that error', async () => {
    const { engine, outcomes } = makeEngine();
    let signal: AbortSignal | undefined;
    engine.register('hang', (_action, context) => {
      signal = context.signal;
      return new Promise<never>(() => undefined);
    });
    const error = await actionError(engine.submit({ type: 'hang', timeout: 20 }, trace));
    expect(error).toMatchObject({ code: 'DEADLINE_EXCEEDED', status: 504, outcome: 'timeout', details: { timeoutMs: 20, queued: false } });
    expect(error.message).toContain('exceeded its 20 ms deadline');
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBe(error);
    expect(outcomes).toEqual([['hang', 'timeout']]);
  });

  it('uses the default timeout when the action has none', async () => {
    const { engine } = makeEngine({ defaultTimeoutMs: 20 });
    engine.register('hang', () => new Promise<never>(() => undefined));
    const error = await actionError(engine.submit({ type: 'hang' }, trace));
    expect(error.details).toMatchObject({ timeoutMs: 20 });
  });

  it('reports the deadline, not the error a handler throws because it was aborted', async () => {
    const { engine, outcomes } = makeEngine();
    const gate = new Gate();
    engine.register('io', gate.abortable);
    const error = await actionError(engine.submit({ type: 'io', timeout: 20 }, trace));
    expect(error.code).toBe('DEADLINE_EXCEEDED');
    await waitFor(() => engine.inflight === 0, 'the aborted handler to release its slot');
    expect(outcomes).toEqual([['io', 'timeout']]);
  });

  it('never runs a job whose deadline passes while it is queued', async () => {
    const { engine, outcomes } = makeEngine({ maxConcurrency: 1 });
    const gate = new Gate();
    let lateRuns = 0;
    engine.register('block', gate.handler).register('late', () => {
      lateRuns++;
      return Promise.resolve('ran');
    });
    const blocker = engine.submit({ type: 'block' }, trace);
    const late = engine.submit({ type: 'late', timeout: 20 }, trace);
    // A live job queued behind the expired one: the expired one must be skipped, not run.
    const behind = engine.submit({ type: 'block' }, trace);
    expect(engine.queued).toBe(2);

    const error = await actionError(late);
    expect(error).toMatchObject({ code: 'DEADLINE_EXCEEDED', details: { timeoutMs: 20, queued: true } });
    expect(error.message).toContain('while queued');
    expect(engine.queued).toBe(1);

    gate.calls[0]!.done.resolve('done');
    await blocker;
    await waitFor(() => gate.calls.length === 2, 'the job behind the expired one to start');
    expect(engine.queued).toBe(0);
    gate.calls[1]!.done.resolve('behind');
    await expect(behind).resolves.toMatchObject({ result: 'behind' });
    expect(await engine.drain(5_000)).toBe(true);
    expect(lateRuns).toBe(0);
    expect(outcomes).toEqual([
      ['late', 'timeout'],
      ['block', 'ok'],
      ['block', 'ok'],
    ]);
    // The engine still works after skipping the expired job.
    await expect(engine.submit({ type: 'late' }, trace)).resolves.toMatchObject({ result: 'ran' });
    expect(lateRuns).toBe(1);
  });

  it('holds the slot until a handler that ignores its signal settles', async () => {
    const { engine, outcomes } = makeEngine({ maxConcurrency: 1 });
    const gate = new Gate();
    engine.register('stubborn', gate.handler);
    const first = engine.submit({ type: 'stubborn', timeout: 20 }, trace);
    expect((await actionError(first)).code).toBe('DEADLINE_EXCEEDED');
    expect(gate.calls[0]!.context.signal.aborted).toBe(true);
    expect(engine.inflight).toBe(1);

    const second = engine.submit({ type: 'stubborn' }, trace);
    expect(engine.queued).toBe(1);
    await tick();
    expect(gate.calls).toHaveLength(1);

    gate.calls[0]!.done.resolve('too late');
    await waitFor(() => gate.calls.length === 2, 'the queued job to get the freed slot');
    gate.calls[1]!.done.resolve('second');
    await expect(second).resolves.toMatchObject({ result: 'second' });
    // The late result of the first job is not reported a second time.
    expect(outcomes).toEqual([
      ['stubborn', 'timeout'],
      ['stubborn', 'ok'],
    ]);
  });

  it('with ignoreDeadlines (the no-timeout bug) never answers 504', async () => {
    const buggy = makeEngine({ ignoreDeadlines: true });
    const normal = makeEngine();
    const gate = new Gate();
    buggy.engine.register('slow', gate.handler);
    normal.engine.register('hang', () => new Promise<never>(() => undefined));

    let settled = false;
    const result = buggy.engine.submit({ type: 'slow', timeout: 10 }, trace).finally(() => {
      settled = true;
    });
    // Proof that the buggy job's deadline has passed: a later, longer deadline on a normal engine fired.
    expect((await actionError(normal.engine.submit({ type: 'hang', timeout: 20 }, trace))).code).toBe('DEADLINE_EXCEEDED');
    expect(settled).toBe(false);
    expect(gate.calls[0]!.context.signal.aborted).toBe(false);

    gate.calls[0]!.done.resolve('late but ok');
    await expect(result).resolves.toMatchObject({ result: 'late but ok' });
    expect(buggy.outcomes).toEqual([['slow', 'ok']]);
  });
});

describe('BehaviorEngine lifecycle', () => {
  it('drain() resolves true at once when idle', async () => {
    const { engine } = makeEngine();
    expect(await engine.drain(0)).toBe(true);
  });

  it('drain() resolves true when running and queued work finishes', async () => {
    const { engine } = makeEngine({ maxConcurrency: 1 });
    const gate = new Gate();
    engine.register('work', gate.handler);
    const jobs = [engine.submit({ type: 'work' }, trace), engine.submit({ type: 'work' }, trace)];
    let drained: boolean | undefined;
    const drain = engine.drain(10_000).then((value) => (drained = value));
    gate.calls[0]!.done.resolve(1);
    await waitFor(() => gate.calls.length === 2, 'the queued job to start');
    expect(drained).toBeUndefined();
    gate.calls[1]!.done.resolve(2);
    await drain;
    expect(drained).toBe(true);
    await Promise.all(jobs);
  });

  it('drain() resolves false at its deadline while work is still running', async () => {
    const { engine } = makeEngine();
    const gate = new Gate();
    engine.register('work', gate.handler);
    const job = engine.submit({ type: 'work' }, trace);
    expect(await engine.drain(20)).toBe(false);
    expect(engine.inflight).toBe(1);
    gate.calls[0]!.done.resolve('x');
    await job;
  });

  it('close() refuses new work with SHUTTING_DOWN but lets running work finish', async () => {
    const { engine } = makeEngine();
    const gate = new Gate();
    engine.register('work', gate.handler);
    const running = engine.submit({ type: 'work' }, trace);
    engine.close();
    const error = await actionError(engine.submit({ type: 'work' }, trace));
    expect(error).toMatchObject({ code: 'SHUTTING_DOWN', status: 503 });
    expect(gate.calls).toHaveLength(1);
    gate.calls[0]!.done.resolve('finished');
    await expect(running).resolves.toMatchObject({ result: 'finished' });
    expect(await engine.drain(5_000)).toBe(true);
  });

  it('abortAll() fails running and queued jobs with SHUTTING_DOWN and aborts running handlers', async () => {
    const { engine, outcomes } = makeEngine({ maxConcurrency: 1 });
    const gate = new Gate();
    engine.register('work', gate.abortable);
    const running = settle(engine.submit({ type: 'work' }, trace));
    const queued = settle(engine.submit({ type: 'work' }, trace));
    engine.close();
    engine.abortAll();

    for (const outcome of [await running, await queued]) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as { reason: unknown }).reason).toMatchObject({ code: 'SHUTTING_DOWN', status: 503 });
    }
    const signal = gate.calls[0]!.context.signal;
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toMatchObject({ code: 'SHUTTING_DOWN' });
    expect(engine.queued).toBe(0);
    expect(await engine.drain(5_000)).toBe(true);
    expect(gate.calls).toHaveLength(1);
    expect(outcomes).toEqual([
      ['work', 'rejected'],
      ['work', 'rejected'],
    ]);
  });
});

describe('computeHandler', () => {
  const context = (signal = new AbortController().signal): ActionContext => ({ signal, trace });

  it('returns the units done and a checksum that depends only on the units', async () => {
    const three = await computeHandler({ type: 'compute', target: '3' }, context());
    expect(three).toEqual({ units: 3, checksum: expect.stringMatching(/^[0-9a-f]{1,8}$/) as unknown });
    expect(await computeHandler({ type: 'compute', target: '3' }, context())).toEqual(three);
    const four = (await computeHandler({ type: 'compute', target: '4' }, context())) as { checksum: string };
    expect(four.checksum).not.toBe((three as { checksum: string }).checksum);
    expect(await computeHandler({ type: 'compute' }, context())).toMatchObject({ units: 1 });
  });

  it.each(['0', '-1', '1.5', 'abc', '', String(MAX_COMPUTE_UNITS + 1)])('rejects target %j as INVALID_ACTION', async (target) => {
    const error = await actionError(computeHandler({ type: 'compute', target }, context()));
    expect(error.code).toBe('INVALID_ACTION');
    expect(error.message).toContain(`from 1 to ${MAX_COMPUTE_UNITS}`);
  });

  it('stops between slices when its signal is aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('stop now');
    controller.abort(reason);
    const outcome = await settle(computeHandler({ type: 'compute', target: String(MAX_COMPUTE_UNITS) }, context(controller.signal)));
    expect(outcome).toEqual({ status: 'rejected', reason });
  });

  it('is cut off by the engine deadline and gives its slot back', async () => {
    const { engine } = makeEngine({ maxConcurrency: 1 });
    engine.register('compute', computeHandler);
    const error = await actionError(engine.submit({ type: 'compute', target: String(MAX_COMPUTE_UNITS), timeout: 30 }, trace));
    expect(error.code).toBe('DEADLINE_EXCEEDED');
    // A million units would take many seconds; the handler must stop at its next slice.
    expect(await engine.drain(5_000)).toBe(true);
  });
});

describe('BehaviorEngine outcome counting', () => {
  it('counts rejected input as invalid, labelling unregistered types "unknown"', () => {
    const { engine, outcomes } = makeEngine();
    engine.register('echo', echoHandler);
    expect(() => engine.validate({ type: 'teleport-123' })).toThrow(ActionError);
    expect(() => engine.validate({ type: 'echo', timeout: -1 })).toThrow(ActionError);
    expect(() => engine.validate('nonsense')).toThrow(ActionError);
    expect(outcomes).toEqual([
      ['unknown', 'invalid'],
      ['echo', 'invalid'],
      ['unknown', 'invalid'],
    ]);
  });

  it('counts work refused while stopping as rejected', async () => {
    const { engine, outcomes } = makeEngine();
    engine.register('echo', echoHandler);
    engine.close();
    await expect(engine.submit({ type: 'echo' }, trace)).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    expect(outcomes).toEqual([['echo', 'rejected']]);
  });
});
