import type * as Fs from 'node:fs';
import type * as WorkerThreads from 'node:worker_threads';

/** What each CPU fault thread is given (workerData). */
export interface CpuWorkerData {
  /**
   * Int32Array over it, shared by the fault's threads: slot 0 non-zero means stop; slot 1
   * non-zero means go (an armed fault's threads wait for it before their first spin).
   */
  control: SharedArrayBuffer;
  /** BigInt64Array over it; slot `index` is this thread's CPU time in ns, -1 when unknown. */
  cpu: SharedArrayBuffer;
  index: number;
  periodMs: number;
  busyMs: number;
  offsetMs: number;
  /**
   * Float64Array over it; slot 0 is the CLOCK_MONOTONIC ms at which to stop by itself
   * (Infinity for never). Written before the go (slot 1 of `control`), read after it.
   */
  until: SharedArrayBuffer;
}

/**
 * The body of one CPU fault thread: spin `busyMs` of every period, sleep the rest.
 *
 * It runs from its source text (CPU_WORKER_SOURCE, `eval: true`), so it may use only its
 * parameters and globals, no imports or helpers. Why eval and not a worker file: a file worker
 * goes through the target's ESM loader hooks and runs the target's `--import` preloads (this
 * injector among them) in every thread; an eval worker does neither.
 *
 * It publishes its own CPU time, read from /proc/thread-self (the thread that opens it): the
 * spin is timed on the wall clock, so a thread the OS does not schedule (more threads than
 * cores) spins less, and the reading shows it instead of claiming the duty cycle it asked for.
 */
function cpuWorkerMain(threads: typeof WorkerThreads, fs: typeof Fs): void {
  // Publish the CPU time this often while spinning: bounds how stale a sample's reading is.
  const RECORD_EVERY_MS = 5;
  const data = threads.workerData as CpuWorkerData;
  const control = new Int32Array(data.control);
  const cpu = new BigInt64Array(data.cpu);

  // schedstat's first field is ns on the CPU; stat's utime + stime are clock ticks (USER_HZ,
  // 100 on every Linux build that matters), the fallback when schedstats are compiled out.
  let fd = -1;
  let ticks = false;
  for (const [file, isStat] of [['/proc/thread-self/schedstat', false], ['/proc/thread-self/stat', true]] as const) {
    try {
      fd = fs.openSync(file, 'r');
      ticks = isStat;
      break;
    } catch {
      // Not Linux, or no such file: try the next; without either the load is reported as null.
    }
  }
  const buffer = Buffer.alloc(1024);
  const readCpuNs = (): bigint => {
    if (fd < 0) return -1n;
    try {
      const text = buffer.toString('latin1', 0, fs.readSync(fd, buffer, 0, buffer.length, 0));
      if (!ticks) return BigInt(text.slice(0, text.indexOf(' ')));
      // Fields after "pid (comm) ": state is field 3, utime 14 and stime 15.
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      return (BigInt(fields[11] ?? 'x') + BigInt(fields[12] ?? 'x')) * 10_000_000n;
    } catch {
      return -1n;
    }
  };
  const record = (): void => {
    Atomics.store(cpu, data.index, readCpuNs());
  };
  // `until` on this thread's performance.now() scale (both read CLOCK_MONOTONIC); set at the go.
  const until = new Float64Array(data.until);
  let untilPerf = Number.POSITIVE_INFINITY;
  const stopped = (): boolean => Atomics.load(control, 0) !== 0 || performance.now() >= untilPerf;
  /** Sleeps up to `ms`, never past `until`; wakes at once when the fault stops. */
  const sleep = (ms: number): void => {
    const bounded = Math.min(ms, untilPerf - performance.now());
    if (bounded > 0) Atomics.wait(control, 0, 0, bounded);
  };

  record();
  threads.parentPort?.postMessage('ready');
  // Armed: sleep until released (or stopped); both notify slot 1.
  while (Atomics.load(control, 1) === 0 && !stopped()) Atomics.wait(control, 1, 0);
  untilPerf = (until[0] ?? Number.POSITIVE_INFINITY) - (Number(process.hrtime.bigint()) / 1e6 - performance.now());
  if (stopped()) return;
  record();
  // Atomics.wait sleeps without the event loop and wakes at once when the fault stops.
  if (data.offsetMs > 0) sleep(data.offsetMs);
  let periodStart = performance.now();
  while (!stopped()) {
    // Spin busyMs from when the spin really starts: a wake-up a few ms late must not come out
    // of the spin (at 25 % that alone cost 2-5 points), only out of the sleep that follows.
    const busyEnd = performance.now() + data.busyMs;
    let nextRecord = 0;
    for (let now = performance.now(); now < busyEnd; now = performance.now()) {
      if (now < nextRecord) continue;
      record();
      if (stopped()) return;
      nextRecord = now + RECORD_EVERY_MS;
    }
    record();
    periodStart += data.periodMs;
    const idleMs = periodStart - performance.now();
    if (idleMs > 0) sleep(idleMs);
    // Far behind (the process was stopped, say): start afresh rather than skip through the missed periods.
    else if (idleMs < -data.periodMs) periodStart = performance.now();
  }
}

/** The script every CPU fault thread runs (`new Worker(CPU_WORKER_SOURCE, { eval: true })`). */
export const CPU_WORKER_SOURCE = `(${cpuWorkerMain.toString()})(require('node:worker_threads'), require('node:fs'));`;
