import { fileURLToPath, pathToFileURL } from 'node:url';
import type { InjectorSample } from '../record/types.js';
import type { ManagedProcess } from '../target/process.js';

/**
 * The runner's side of the in-process injector (src/inject/): messages over the target's IPC
 * channel, tagged `faultline: 'inject'`. Apply and revert resolve on the injector's reply;
 * samples are timestamped on receipt with the run's clock.
 */

export const INJECTOR_ENTRY = fileURLToPath(new URL('../inject/register.js', import.meta.url));

/** NODE_OPTIONS that load the injector, keeping the user's own options. */
export function withInjector(nodeOptions: string | undefined): string {
  const flag = `--import=${pathToFileURL(INJECTOR_ENTRY).href}`;
  return nodeOptions === undefined || nodeOptions.trim() === '' ? flag : `${nodeOptions} ${flag}`;
}

/** `until`: CLOCK_MONOTONIC ms at which a CPU fault's threads stop by themselves (see protocol.ts). */
export type InjectedFault = { kind: 'cpu'; workers: number; load: number; until?: number } | { kind: 'heap'; bytesPerSecond: number; maxBytes: number; release: boolean };

interface Reply {
  faultline: 'inject';
  op: string;
  id?: string;
  message?: string;
  [key: string]: unknown;
}

interface Pending {
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

const REPLY_TIMEOUT_MS = 10_000;

export class InjectorClient {
  readonly samples: InjectorSample[] = [];
  readonly #pending = new Map<string, Pending>();
  #hello: Promise<void>;
  #helloResolve: (() => void) | undefined;

  #target: ManagedProcess | undefined;

  /** Feed it the target's IPC messages and disconnects (ProcessEvents.message / disconnect). */
  constructor(readonly now: () => number) {
    this.#hello = new Promise((resolve) => {
      this.#helloResolve = resolve;
    });
  }

  /** The process to talk to; call before each (re)start, so the next `hello` is awaited afresh. */
  attach(target: ManagedProcess): void {
    this.#target = target;
    this.#hello = new Promise((resolve) => {
      this.#helloResolve = resolve;
    });
  }

  onDisconnect(): void {
    for (const [key, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(new Error('the target closed its IPC channel (it exited?)'));
      this.#pending.delete(key);
    }
  }

  onMessage(message: unknown): void {
    this.#onMessage(message);
  }

  get target(): ManagedProcess | undefined {
    return this.#target;
  }

  /** Resolves once the injector in the target said hello (or rejects after a deadline). */
  async ready(timeoutMs = 10_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the injector in ${this.#target?.spec.name ?? 'the target'} did not answer within ${timeoutMs} ms (is it a Node.js process started directly, not through npm or a shell, that keeps NODE_OPTIONS?)`)), timeoutMs);
    });
    try {
      await Promise.race([this.#hello, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Starts a CPU fault's threads idle in the target; apply() with the same id and spec releases them. */
  arm(id: string, fault: Extract<InjectedFault, { kind: 'cpu' }>): Promise<Reply> {
    return this.#request(`armed:${id}`, { faultline: 'inject', op: 'arm', id, fault });
  }

  apply(id: string, fault: InjectedFault): Promise<Reply> {
    return this.#request(`applied:${id}`, { faultline: 'inject', op: 'apply', id, fault });
  }

  revert(id: string): Promise<Reply> {
    return this.#request(`reverted:${id}`, { faultline: 'inject', op: 'revert', id });
  }

  #request(key: string, message: Record<string, unknown>): Promise<Reply> {
    const child = this.#target?.subprocess;
    if (child === undefined) return Promise.reject(new Error(`${this.#target?.spec.name ?? 'the target'} is not running`));
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(key);
        reject(new Error(`no answer from the injector to ${String(message['op'])} within ${REPLY_TIMEOUT_MS} ms`));
      }, REPLY_TIMEOUT_MS);
      this.#pending.set(key, { resolve, reject, timer });
      try {
        child.send(message);
      } catch (error) {
        clearTimeout(timer);
        this.#pending.delete(key);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  #onMessage(message: unknown): void {
    if (typeof message !== 'object' || message === null || (message as Reply).faultline !== 'inject') return;
    const reply = message as Reply;
    if (reply.op === 'hello') {
      this.#helloResolve?.();
      return;
    }
    if (reply.op === 'sample') {
      const n = (key: string) => (typeof reply[key] === 'number' ? (reply[key]) : 0);
      this.samples.push({
        t: this.now(),
        cpuLoad: typeof reply['cpuLoad'] === 'number' ? reply['cpuLoad'] : null,
        cpuWorkers: n('cpuWorkers'),
        retainedBytes: n('retainedBytes'),
        heapUsed: n('heapUsed'),
        arrayBuffers: n('arrayBuffers'),
        rss: n('rss'),
        eventLoopDelayP99: n('eventLoopDelayP99'),
      });
      return;
    }
    // A `failed` answers an apply or an arm (only one of them can be pending for an id).
    const keys = reply.op === 'failed' ? ['applied', 'armed'] : [reply.op];
    const key = keys.map((kind) => `${kind}:${reply.id ?? ''}`).find((k) => this.#pending.has(k));
    if (key === undefined) return;
    const pending = this.#pending.get(key);
    if (pending === undefined) return;
    clearTimeout(pending.timer);
    this.#pending.delete(key);
    if (reply.op === 'failed') pending.reject(new Error(reply.message ?? 'the injector could not apply the fault'));
    else pending.resolve(reply);
  }
}
