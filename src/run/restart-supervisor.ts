import type { Logger } from 'pino';
import { waitUntil, type Clock } from '../clock.js';
import type { InjectorClient } from '../faults/injector-client.js';
import type { RecordedEvent } from '../record/types.js';
import type { ResolvedRestart } from '../scenario/types.js';
import type { ExitInfo, ManagedProcess } from '../target/process.js';

/**
 * The processes' restart policies (`restart:` on the target and on each service): a process
 * that exits on its own while the timeline runs is started again after its delay, at most
 * `limit` times per scenario. Exits the run caused (a stop, a process fault) are not its
 * business, and neither are exits before T0 (a crash at start-up fails the run) or after the
 * timeline (cleanup stops everything). A fault that relaunches its process does so through
 * exclusive(), so that a fault and a policy never both start one process.
 */

export interface RestartSupervisorOptions {
  clock: Clock;
  event: (e: RecordedEvent) => void;
  logger: Logger;
  /** Every process of the scenario, by name (filled as they start). */
  processes: ReadonlyMap<string, ManagedProcess>;
  /** Each process's policy, by name. */
  policies: ReadonlyMap<string, ResolvedRestart>;
}

export class RestartSupervisor {
  /** Aborted by stop(); with the timeline's stop signal once begin() ran. */
  readonly #stopped = new AbortController();
  #end: AbortSignal | undefined;
  #injector: InjectorClient | undefined;
  readonly #restarts = new Map<string, number>();
  /** Per process, the tail of its chain of launches: one start at a time, policy or fault. */
  readonly #locks = new Map<string, Promise<unknown>>();
  /** Policy restarts waiting out their delay, by process: aborting one cancels it. */
  readonly #waiting = new Map<string, AbortController>();
  /** Processes a policy restart is starting right now. */
  readonly #launching = new Set<string>();
  /** Every policy restart under way, for stop() to wait on. */
  readonly #tasks = new Set<Promise<void>>();

  constructor(readonly options: RestartSupervisorOptions) {}

  /**
   * The timeline starts: from now until `stopTimeline` aborts (an abort condition, Ctrl-C) or
   * stop() is called, unexpected exits are restarted. `injector`: the target's, which a
   * restarted target must greet again before faults can use it.
   */
  begin(stopTimeline: AbortSignal, injector: InjectorClient | undefined): void {
    this.#end = AbortSignal.any([stopTimeline, this.#stopped.signal]);
    this.#injector = injector;
  }

  /** Every exit of a process (ProcessEvents.exited). */
  exited(name: string, info: ExitInfo): void {
    const end = this.#end;
    if (info.expected || end === undefined || end.aborted) return;
    const policy = this.options.policies.get(name);
    if (policy === undefined || policy.when === 'never') return;
    const failed = info.code !== 0 || info.signal !== null;
    if (policy.when === 'on-failure' && !failed) {
      this.#note(`${name} exited with code 0; its restart policy (on-failure) leaves it down`);
      return;
    }
    const done = this.#restarts.get(name) ?? 0;
    if (done >= policy.limit) {
      this.#note(`${name} exited again after ${done} restart${done === 1 ? '' : 's'}, its limit (restart.limit ${policy.limit}): it stays down`);
      return;
    }
    const attempt = done + 1;
    this.#restarts.set(name, attempt);
    this.options.event({ t: this.options.clock.now(), type: 'process-restart', process: name, attempt, delayMs: policy.delayMs });
    const task = this.#restart(name, attempt, policy.delayMs, end);
    this.#tasks.add(task);
    void task.finally(() => this.#tasks.delete(task));
  }

  /** Every spawn of a process (ProcessEvents.started): a restart cut short before its spawn is stopped now. */
  started(name: string): void {
    if (this.#launching.has(name) && this.#end?.aborted === true) this.#stopProcess(name);
  }

  /**
   * Runs `launch` (a fault starting `name` again) with no policy restart of `name` under way:
   * one waiting for its delay is cancelled (with `why` in a note), one starting is waited for.
   */
  exclusive<T>(name: string, why: string, launch: () => Promise<T>): Promise<T> {
    this.#waiting.get(name)?.abort(why);
    return this.#locked(name, launch);
  }

  /** The timeline ended: no more restarts; one still waiting is cancelled, one starting is stopped. */
  async stop(): Promise<void> {
    this.#stopped.abort();
    await Promise.all([...this.#tasks]);
  }

  async #restart(name: string, attempt: number, delayMs: number, end: AbortSignal): Promise<void> {
    const cancel = new AbortController();
    this.#waiting.set(name, cancel);
    await waitUntil(this.options.clock, this.options.clock.now() + delayMs, AbortSignal.any([end, cancel.signal]));
    if (this.#waiting.get(name) === cancel) this.#waiting.delete(name);
    if (cancel.signal.aborted) return this.#note(`restart ${attempt} of ${name} cancelled: ${String(cancel.signal.reason)}`);
    if (end.aborted) return this.#note(`restart ${attempt} of ${name} not made: the timeline ended during its ${delayMs} ms delay`);
    await this.#locked(name, () => this.#launch(name, attempt, end));
  }

  async #launch(name: string, attempt: number, end: AbortSignal): Promise<void> {
    const process = this.options.processes.get(name);
    if (process === undefined) return;
    if (end.aborted) return this.#note(`restart ${attempt} of ${name} not made: the timeline ended during its delay`);
    // A fault's relaunch got there first.
    if (process.running) return this.#note(`restart ${attempt} of ${name} not needed: it was started again meanwhile`);
    const injector = name === 'target' ? this.#injector : undefined;
    // The end of the timeline cuts a start short: stopped now if spawned, else as soon as it is (started()).
    const cut = () => {
      if (process.running) this.#stopProcess(name);
    };
    this.#launching.add(name);
    end.addEventListener('abort', cut, { once: true });
    try {
      injector?.attach(process);
      await process.start();
      if (injector !== undefined) await untilAborted(injector.ready(), end);
    } catch (error) {
      const cause = error instanceof Error ? error.message : String(error);
      this.options.logger.warn({ err: error, process: name, attempt }, 'restart failed');
      this.#note(end.aborted ? `restart ${attempt} of ${name} abandoned: the timeline ended before it was ready` : `restart ${attempt} of ${name} failed: ${cause}`);
    } finally {
      end.removeEventListener('abort', cut);
      this.#launching.delete(name);
    }
  }

  #locked<T>(name: string, launch: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(name) ?? Promise.resolve();
    const next = previous.then(launch);
    this.#locks.set(name, next.catch(() => undefined));
    return next;
  }

  #stopProcess(name: string): void {
    const process = this.options.processes.get(name);
    process?.stop().catch((error: unknown) => this.options.logger.warn({ err: error, process: name }, 'could not stop a restart cut short'));
  }

  #note(message: string): void {
    this.options.event({ t: this.options.clock.now(), type: 'note', message });
  }
}

/** `promise`, or a rejection as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
