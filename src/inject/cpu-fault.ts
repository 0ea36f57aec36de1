import { Worker } from 'node:worker_threads';
import { CPU_WORKER_SOURCE, type CpuWorkerData } from './cpu-worker.js';
import { dutyCycle, dutySchedules } from './duty-cycle.js';
import { monotonicMs, type CpuFaultSpec } from './protocol.js';

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
 *
 * Starting a thread is a new V8 isolate: 50-250 ms for a few threads on a loaded machine, more
 * when the machine is already saturated. A fault that must take effect on time is started
 * armed (its threads exist but sleep) ahead of its moment, and release()d at it: one atomic
 * store, the threads spin within microseconds.
 */
export class CpuFault {
  readonly spec: CpuFaultSpec;
  /** Slot 0: stop. Slot 1: go (see cpu-worker.ts). */
  readonly #control = new Int32Array(new SharedArrayBuffer(8));
  /** When the threads stop by themselves, CLOCK_MONOTONIC ms; set before the go. */
  readonly #until = new Float64Array(new SharedArrayBuffer(8));
  #untilMs: number | undefined;
  readonly #cpu: BigInt64Array<SharedArrayBuffer>;
  readonly #threads: Thread[] = [];
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #stoppedAt: number | undefined;

  constructor(spec: CpuFaultSpec) {
    this.spec = spec;
    this.#cpu = new BigInt64Array(new SharedArrayBuffer(8 * spec.workers));
  }

  /**
   * Resolves once every thread spins (or, `armed`, waits for release()); rejects when one fails
   * to start (then call stop()).
   */
  start(options: { armed?: boolean } = {}): Promise<void> {
    if (options.armed !== true) this.#go(this.spec.until);
    this.#starting ??= this.#start();
    return this.#starting;
  }

  /** Resolves (never rejects) once start() has settled: true when every thread started. */
  async started(): Promise<boolean> {
    if (this.#starting === undefined) return false;
    return this.#starting.then(
      () => true,
      () => false,
    );
  }

  #start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let waiting = this.spec.workers;
      const timer = setTimeout(() => fail(new Error(`CPU fault threads did not start within ${startTimeoutMs(this.spec.workers)} ms`)), startTimeoutMs(this.spec.workers));
      timer.unref();
      const fail = (error: unknown): void => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      };
      try {
        dutySchedules(this.spec.workers, this.spec.load).forEach((schedule, index) => {
          if (this.#stopping !== undefined) throw new Error('reverted before it took effect');
          const workerData: CpuWorkerData = { control: this.#control.buffer, cpu: this.#cpu.buffer, index, ...schedule, until: this.#until.buffer };
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

  /** True while armed and not yet released. */
  get armed(): boolean {
    return Atomics.load(this.#control, 1) === 0;
  }

  /**
   * Lets armed threads spin until `until` (CLOCK_MONOTONIC ms) or stop(), whichever is first;
   * the duty-cycle readings restart now. Idempotent.
   */
  release(until: number | undefined, nowMs = performance.now()): void {
    if (!this.armed) return;
    for (const [index, thread] of this.#threads.entries()) if (thread.last !== undefined) thread.last = { cpuNs: Atomics.load(this.#cpu, index), atMs: nowMs };
    this.#go(until);
  }

  #go(until: number | undefined): void {
    this.#untilMs = until;
    this.#until[0] = until ?? Number.POSITIVE_INFINITY;
    // The store is sequentially consistent: a thread that sees the go sees `until` too.
    Atomics.store(this.#control, 1, 1);
    Atomics.notify(this.#control, 1);
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

  /**
   * When the threads stopped (or will stop) spinning, CLOCK_MONOTONIC ms: `until` when it came
   * before stop(), else the moment stop() was first called; undefined while neither happened.
   */
  get stoppedAt(): number | undefined {
    const until = this.#untilMs;
    if (this.#stoppedAt === undefined) return until !== undefined && until <= monotonicMs() ? until : undefined;
    return until === undefined ? this.#stoppedAt : Math.min(until, this.#stoppedAt);
  }

  /** Stops every thread; resolves once all have exited. Idempotent. */
  stop(): Promise<void> {
    if (this.#stopping === undefined) {
      this.#stoppedAt = monotonicMs();
      // The flag ends the spin and wakes the sleepers at once; terminate() makes sure.
      Atomics.store(this.#control, 0, 1);
      Atomics.notify(this.#control, 0);
      Atomics.notify(this.#control, 1);
      this.#stopping = Promise.all(this.#threads.map((t) => t.worker.terminate().catch(() => undefined))).then(() => undefined);
    }
    return this.#stopping;
  }
}
