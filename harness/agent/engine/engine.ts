import type { TraceContext } from '../trace.js';
import { ActionError, toActionError, type ActionOutcome } from './errors.js';

/** What a client asks the agent to do. */
export interface Action {
  type: string;
  /** Handler-specific: a downstream path for `fetch`, work units for `compute`. */
  target?: string | undefined;
  /** Deadline in ms from admission, queueing included. Default: the engine's default. */
  timeout?: number | undefined;
  payload?: unknown;
}

export interface ActionContext {
  /** Aborts at the deadline or on shutdown; handlers pass it to every I/O they start. */
  signal: AbortSignal;
  trace: TraceContext;
}

export type ActionHandler = (action: Action, context: ActionContext) => Promise<unknown>;

export interface ActionResult {
  type: string;
  result: unknown;
  /** Time from admission to completion, queueing included. */
  durationMs: number;
  queuedMs: number;
}

export interface EngineOptions {
  maxConcurrency: number;
  maxQueue: number;
  defaultTimeoutMs: number;
  maxTimeoutMs: number;
  /** The `no-timeout` seeded bug: never abort on the deadline. Default: false. */
  ignoreDeadlines?: boolean;
  /** Called once per action with how it ended. */
  onOutcome?: (type: string, outcome: ActionOutcome, seconds: number) => void;
}

interface Job {
  action: Action;
  trace: TraceContext;
  controller: AbortController;
  admittedAt: number;
  timer: NodeJS.Timeout | undefined;
  state: 'queued' | 'running' | 'done';
  resolve: (result: ActionResult) => void;
  reject: (error: ActionError) => void;
}

/**
 * Dispatches actions to handlers registered by type, with bounded concurrency, a bounded
 * queue (overflow is rejected with 503, never buffered), and a per-action deadline that
 * aborts the handler's I/O and answers 504.
 */
export class BehaviorEngine {
  #handlers = new Map<string, ActionHandler>();
  #queue: Job[] = [];
  #queueHead = 0;
  #queued = 0;
  #running = new Set<Job>();
  /** Handlers still executing after their job was answered (e.g. one that ignores its signal). */
  #settling = 0;
  #accepting = true;
  #idleWaiters: (() => void)[] = [];

  constructor(private readonly options: EngineOptions) {}

  register(type: string, handler: ActionHandler): this {
    this.#handlers.set(type, handler);
    return this;
  }

  get types(): string[] {
    return [...this.#handlers.keys()];
  }

  /** Actions holding a concurrency slot. */
  get inflight(): number {
    return this.#running.size + this.#settling;
  }

  get queued(): number {
    return this.#queued;
  }

  /** The deadline the engine gives `action`, in ms. */
  timeoutFor(action: Action): number {
    return action.timeout ?? this.options.defaultTimeoutMs;
  }

  /** Checks an action's shape; throws INVALID_ACTION / UNKNOWN_ACTION_TYPE (counted as `invalid`). */
  validate(input: unknown): Action {
    try {
      return this.#validate(input);
    } catch (error) {
      const type = (input as { type?: unknown } | null)?.type;
      // Only registered types become label values: arbitrary input must not grow the label set.
      this.options.onOutcome?.(typeof type === 'string' && this.#handlers.has(type) ? type : 'unknown', 'invalid', 0);
      throw error;
    }
  }

  #validate(input: unknown): Action {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      throw new ActionError('INVALID_ACTION', 'an action is a JSON object {type, target?, timeout?, payload?}');
    }
    const { type, target, timeout, payload } = input as Record<string, unknown>;
    if (typeof type !== 'string' || type === '') {
      throw new ActionError('INVALID_ACTION', `action.type must be a non-empty string; known types: ${this.types.join(', ')}`);
    }
    if (!this.#handlers.has(type)) {
      throw new ActionError('UNKNOWN_ACTION_TYPE', `unknown action type "${type}"; known types: ${this.types.join(', ')}`, {
        known: this.types,
      });
    }
    if (target !== undefined && typeof target !== 'string') {
      throw new ActionError('INVALID_ACTION', 'action.target must be a string');
    }
    if (timeout !== undefined) {
      if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1 || timeout > this.options.maxTimeoutMs) {
        throw new ActionError(
          'INVALID_ACTION',
          `action.timeout must be an integer number of ms from 1 to ${this.options.maxTimeoutMs}, got ${JSON.stringify(timeout)}`,
        );
      }
    }
    return { type, target, timeout, payload };
  }

  /** Admits an action, or rejects it at once when the engine is full or stopping. */
  submit(action: Action, trace: TraceContext): Promise<ActionResult> {
    const handler = this.#handlers.get(action.type);
    if (handler === undefined) {
      return Promise.reject(new ActionError('UNKNOWN_ACTION_TYPE', `unknown action type "${action.type}"`));
    }
    if (!this.#accepting) {
      this.options.onOutcome?.(action.type, 'rejected', 0);
      return Promise.reject(new ActionError('SHUTTING_DOWN', 'the agent is stopping and accepts no new work'));
    }
    const full = this.#running.size + this.#settling >= this.options.maxConcurrency;
    if (full && this.#queued >= this.options.maxQueue) {
      this.options.onOutcome?.(action.type, 'rejected', 0);
      return Promise.reject(
        new ActionError('OVERLOADED', `the agent is at capacity (${this.options.maxConcurrency} running, ${this.#queued} queued)`, {
          running: this.#running.size,
          queued: this.#queued,
        }),
      );
    }
    return new Promise<ActionResult>((resolve, reject) => {
      const job: Job = {
        action,
        trace,
        controller: new AbortController(),
        admittedAt: performance.now(),
        timer: undefined,
        state: 'queued',
        resolve,
        reject,
      };
      if (this.options.ignoreDeadlines !== true) {
        const timeoutMs = this.timeoutFor(action);
        job.timer = setTimeout(() => this.#expire(job, timeoutMs), timeoutMs);
      }
      if (full) {
        this.#queue.push(job);
        this.#queued++;
      } else {
        this.#run(job, handler);
      }
    });
  }

  #expire(job: Job, timeoutMs: number): void {
    if (job.state === 'done') return;
    const wasQueued = job.state === 'queued';
    if (wasQueued) this.#queued--;
    const error = new ActionError(
      'DEADLINE_EXCEEDED',
      `action "${job.action.type}" exceeded its ${timeoutMs} ms deadline${wasQueued ? ' while queued' : ''}`,
      { timeoutMs, queued: wasQueued },
    );
    job.controller.abort(error);
    this.#finish(job, error);
  }

  #run(job: Job, handler: ActionHandler): void {
    job.state = 'running';
    this.#running.add(job);
    const startedAt = performance.now();
    let settled: Promise<unknown>;
    try {
      settled = handler(job.action, { signal: job.controller.signal, trace: job.trace });
    } catch (error) {
      settled = Promise.reject(toActionError(error));
    }
    settled.then(
      (result) => {
        if (job.state === 'done') return;
        this.#finish(job, undefined, {
          type: job.action.type,
          result,
          durationMs: performance.now() - job.admittedAt,
          queuedMs: startedAt - job.admittedAt,
        });
      },
      (error: unknown) => {
        if (job.state === 'done') return;
        // A handler aborted by our own signal reports the reason we aborted it with.
        const reason: unknown = job.controller.signal.aborted ? job.controller.signal.reason : error;
        this.#finish(job, toActionError(reason));
      },
    );
    // The slot is held until the handler really settles, even if the job was answered earlier:
    // otherwise a handler that ignores its signal would escape the concurrency bound.
    void settled.catch(() => undefined).finally(() => this.#release(job));
  }

  #finish(job: Job, error: ActionError | undefined, result?: ActionResult): void {
    if (job.state === 'running') {
      this.#running.delete(job);
      this.#settling++;
    }
    job.state = 'done';
    if (job.timer !== undefined) clearTimeout(job.timer);
    const seconds = (performance.now() - job.admittedAt) / 1000;
    if (error !== undefined) {
      this.options.onOutcome?.(job.action.type, error.outcome, seconds);
      job.reject(error);
    } else if (result !== undefined) {
      this.options.onOutcome?.(job.action.type, 'ok', seconds);
      job.resolve(result);
    }
    this.#notifyIdle();
  }

  #release(job: Job): void {
    if (job.state === 'running') {
      // Cannot happen: #run's callbacks always finish the job first. Guard the count anyway.
      this.#running.delete(job);
    } else {
      this.#settling--;
    }
    this.#pump();
  }

  #pump(): void {
    while (this.#running.size + this.#settling < this.options.maxConcurrency && this.#queued > 0) {
      const job = this.#queue[this.#queueHead];
      this.#queue[this.#queueHead] = undefined as unknown as Job;
      this.#queueHead++;
      if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#queueHead);
        this.#queueHead = 0;
      }
      if (job === undefined || job.state !== 'queued') continue; // expired while queued
      this.#queued--;
      const handler = this.#handlers.get(job.action.type);
      if (handler !== undefined) this.#run(job, handler);
    }
    this.#notifyIdle();
  }

  #notifyIdle(): void {
    if (this.#running.size + this.#settling + this.#queued > 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Stops admitting work; what is queued or running carries on. */
  close(): void {
    this.#accepting = false;
  }

  /** Resolves true when nothing is queued or running, or false at the deadline. */
  async drain(deadlineMs: number): Promise<boolean> {
    if (this.#running.size + this.#settling + this.#queued === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<boolean>((resolve) => this.#idleWaiters.push(() => resolve(true)));
    const deadline = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), Math.max(0, deadlineMs));
    });
    try {
      return await Promise.race([idle, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Aborts everything queued or running (used when the stop deadline has passed). */
  abortAll(): void {
    const error = new ActionError('SHUTTING_DOWN', 'the agent stopped before this action finished');
    for (const job of [...this.#running]) {
      job.controller.abort(error);
      this.#finish(job, error);
    }
    for (let i = this.#queueHead; i < this.#queue.length; i++) {
      const job = this.#queue[i];
      if (job?.state === 'queued') {
        this.#queued--;
        this.#finish(job, error);
      }
    }
    this.#queue = [];
    this.#queueHead = 0;
  }
}
