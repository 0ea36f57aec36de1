import { CpuFault } from './cpu-fault.js';
import { collectGarbage } from './force-gc.js';
import { HeapFault } from './heap-fault.js';
import type { CpuFaultSpec, InjectFaultSpec } from './protocol.js';

type Entry = { kind: 'cpu'; fault: CpuFault } | { kind: 'heap'; fault: HeapFault; release: boolean };

export type ApplyResult = { ok: true } | { ok: false; message: string };

/**
 * The faults in effect in this process, by the runner's id. Every fault is entered in the table
 * before it starts, so a revert (or the dead-man switch) that arrives while it is starting
 * still finds and undoes it; every undo is idempotent.
 */
export class FaultTable {
  readonly #entries = new Map<string, Entry>();
  /** Chunks of reverted `release: false` heap faults: kept until the process exits. */
  #kept: string[][] = [];
  #keptBytes = 0;

  /**
   * Applies a validated spec; resolves once it is in effect, or with why not (nothing of it is
   * left then). A CPU fault armed under this id with the same spec is released instead: its
   * threads exist already, so it takes effect at once.
   */
  async apply(id: string, spec: InjectFaultSpec): Promise<ApplyResult> {
    const existing = this.#entries.get(id);
    if (existing?.kind === 'cpu' && existing.fault.armed && spec.kind === 'cpu') {
      if (existing.fault.spec.workers !== spec.workers || existing.fault.spec.load !== spec.load) {
        return { ok: false, message: `the fault armed as ${JSON.stringify(id)} has ${existing.fault.spec.workers} workers at ${existing.fault.spec.load}, not ${spec.workers} at ${spec.load}; revert it first` };
      }
      // Still starting its threads (the arm's reply has not gone out yet): release when they are up.
      if (!(await existing.fault.started()) || this.#entries.get(id) !== existing) return { ok: false, message: 'the armed fault did not start, or was reverted' };
      existing.fault.release(spec.until);
      return { ok: true };
    }
    if (existing !== undefined) return { ok: false, message: `a fault with id ${JSON.stringify(id)} is already applied; revert it first or use a new id` };
    if (spec.kind === 'heap') {
      const fault = new HeapFault(spec);
      this.#entries.set(id, { kind: 'heap', fault, release: spec.release });
      fault.start();
      return { ok: true };
    }
    return this.#startCpu(id, spec, false);
  }

  /**
   * Starts a CPU fault's threads idle, to be released by apply() with the same id and spec:
   * the slow part (a V8 isolate per thread) happens ahead of the fault's moment. An armed fault
   * reverts (and dies with the dead-man switch) like an applied one.
   */
  async arm(id: string, spec: CpuFaultSpec): Promise<ApplyResult> {
    if (this.#entries.has(id)) return { ok: false, message: `a fault with id ${JSON.stringify(id)} is already armed or applied; revert it first or use a new id` };
    return this.#startCpu(id, spec, true);
  }

  async #startCpu(id: string, spec: CpuFaultSpec, armed: boolean): Promise<ApplyResult> {
    const fault = new CpuFault(spec);
    const entry: Entry = { kind: 'cpu', fault };
    this.#entries.set(id, entry);
    let problem: string | undefined;
    try {
      await fault.start({ armed });
    } catch (error) {
      problem = `cpu fault did not start: ${error instanceof Error ? error.message : String(error)}`;
    }
    // A revert that came while the threads started has stopped them (which fails the start).
    if (this.#entries.get(id) !== entry) return { ok: false, message: 'reverted before it took effect' };
    if (problem === undefined) return { ok: true };
    this.#entries.delete(id);
    await fault.stop();
    return { ok: false, message: problem };
  }

  /**
   * Reverts one fault; resolves with the heap bytes released and, for a CPU fault that ran,
   * when its threads stopped spinning (CLOCK_MONOTONIC ms). Unknown ids are fine (0 bytes).
   */
  async revert(id: string): Promise<{ releasedBytes: number; stoppedAt?: number }> {
    const entry = this.#entries.get(id);
    if (entry === undefined) return { releasedBytes: 0 };
    this.#entries.delete(id);
    const released = this.#undo(entry, false);
    if (released > 0) collectGarbage();
    if (entry.kind !== 'cpu') return { releasedBytes: released };
    const ran = !entry.fault.armed;
    await entry.fault.stop();
    const stoppedAt = entry.fault.stoppedAt;
    return ran && stoppedAt !== undefined ? { releasedBytes: 0, stoppedAt } : { releasedBytes: 0 };
  }

  /** Reverts every fault, each as its spec says (`release: false` memory stays). */
  async revertAll(): Promise<void> {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    let released = 0;
    for (const entry of entries) released += this.#undo(entry, false);
    if (released > 0) collectGarbage();
    await Promise.all(entries.flatMap((e) => (e.kind === 'cpu' ? [e.fault.stop()] : [])));
  }

  /**
   * The dead-man switch: the runner is gone, so nobody will ever revert. Stops every thread
   * (without waiting for them to exit) and drops all memory, `release: false` included: a
   * fault must not outlive the run that set it.
   */
  abandon(): void {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    let released = this.#keptBytes;
    this.#kept = [];
    this.#keptBytes = 0;
    for (const entry of entries) released += this.#undo(entry, true);
    if (released > 0) collectGarbage();
  }

  /** Starts stopping a CPU fault; stops a heap fault's growth and drops its memory (returns the bytes) or moves it to #kept. */
  #undo(entry: Entry, forceRelease: boolean): number {
    if (entry.kind === 'cpu') {
      void entry.fault.stop();
      return 0;
    }
    const { chunks, bytes } = entry.fault.detach();
    if (entry.release || forceRelease) return bytes;
    this.#kept.push(chunks);
    this.#keptBytes += bytes;
    return 0;
  }

  /** Duty cycle of every spinning CPU fault thread since the previous call. */
  takeCpuCycles(nowMs: number): (number | null)[] {
    const cycles: (number | null)[] = [];
    for (const entry of this.#entries.values()) if (entry.kind === 'cpu' && !entry.fault.armed) cycles.push(...entry.fault.takeCycles(nowMs));
    return cycles;
  }

  get cpuWorkers(): number {
    let alive = 0;
    for (const entry of this.#entries.values()) if (entry.kind === 'cpu' && !entry.fault.armed) alive += entry.fault.alive;
    return alive;
  }

  get retainedBytes(): number {
    let bytes = this.#keptBytes;
    for (const entry of this.#entries.values()) if (entry.kind === 'heap') bytes += entry.fault.retainedBytes;
    return bytes;
  }
}
