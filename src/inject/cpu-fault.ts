import { Worker } from 'node:worker_threads';
import { CPU_WORKER_SOURCE, type CpuWorkerData } from './cpu-worker.js';
import { dutyCycle, dutySchedules } from './duty-cycle.js';
import type { CpuFaultSpec } from './protocol.js';

interface Thread {
  worker: Worker;
  exited: boolean;
  /** The last CPU reading taken for a sample; undefined until the thread spins. */
  last: { cpuNs: bigint; atMs: number } | undefined;
}

/** Generous: starting a worker is a new V8 isolate, and the target may be starving the CPU. */
const startTimeoutMs = (workers: number): number => 10_000 + 100 * workers;

/**
 * A CPU fault: `workers` threads spinning at `load`. Construct it, register it, then start()
 * it: stop() undoes whatever part of start() happened, so a fault half-started is still undone.
 */
export class CpuFault {
  readonly #spec: CpuFaultSpec;
  readonly #control = new Int32Array(new SharedArrayBuffer(4));
  readonly #cpu: BigInt64Array<SharedArrayBuffer>;
  readonly #threads: Thread[] = [];
  #stopping: Promise<void> | undefined;

  constructor(spec: CpuFaultSpec) {
    this.#spec = spec;
    this.#cpu = new BigInt64Array(new SharedArrayBuffer(8 * spec.workers));
  }

  /** Resolves once every thread spins; rejects when one fails to start (then call stop()). */
  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let waiting = this.#spec.workers;
      const timer = setTimeout(() => fail(new Error(`CPU fault threads did not start within ${startTimeoutMs(this.#spec.workers)} ms`)), startTimeoutMs(this.#spec.workers));
      timer.unref();
      const fail = (error: unknown): void => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      };
      try {
        dutySchedules(this.#spec.workers, this.#spec.load).forEach((schedule, index) => {
          if (this.#stopping !== undefined) throw new Error('reverted before it took effect');
          const workerData: CpuWorkerData = { control: this.#control.buffer, cpu: this.#cpu.buffer, index, ...schedule };
          const worker = new Worker(CPU_WORKER_SOURCE, { eval: true, workerData });
          const thread: Thread = { worker, exited: false, last: undefined };
          this.#threads.push(thread);
          worker.once('message', () => {
            thread.last = { cpuNs: Atomics.load(this.#cpu, index), atMs: performance.now() };
            if (--waiting === 0) {
              clearTimeout(timer);
              resolve();
            }
          });
          // An 'error' without a listener would throw inside the target.
          worker.on('error', (error) => {
            if (thread.last === undefined) fail(error);
          });
          worker.once('exit', (code) => {
            thread.exited = true;
            if (thread.last === undefined) fail(new Error(`a CPU fault thread exited with code ${code} before it started`));
          });
        });
      } catch (error) {
        fail(error);
      }
    });
  }

  /** Threads spinning now. */
  get alive(): number {
    return this.#threads.filter((t) => !t.exited && t.last !== undefined).length;
  }

  /** Each spinning thread's duty cycle since the previous call (null where unknown). */
  takeCycles(nowMs = performance.now()): (number | null)[] {
    const cycles: (number | null)[] = [];
    this.#threads.forEach((thread, index) => {
      if (thread.exited || thread.last === undefined) return;
      const cpuNs = Atomics.load(this.#cpu, index);
      const known = cpuNs >= 0n && thread.last.cpuNs >= 0n;
      cycles.push(known ? dutyCycle(Number(cpuNs - thread.last.cpuNs), nowMs - thread.last.atMs) : null);
      thread.last = { cpuNs, atMs: nowMs };
    });
    return cycles;
  }

  /** Stops every thread; resolves once all have exited. Idempotent. */
  stop(): Promise<void> {
    if (this.#stopping === undefined) {
      // The flag ends the spin and wakes the sleepers at once; terminate() makes sure.
      Atomics.store(this.#control, 0, 1);
      Atomics.notify(this.#control, 0);
      this.#stopping = Promise.all(this.#threads.map((t) => t.worker.terminate().catch(() => undefined))).then(() => undefined);
    }
    return this.#stopping;
  }
}
