/**
 * The in-process injector's wire protocol: the messages between the runner and
 * `register.js` inside a Node.js target, over the child-process IPC channel. Every value is
 * JSON-serialisable, so it works with `serialization: 'json'` and `'advanced'` alike. This file
 * is dependency-free: the injector loads it inside someone else's process.
 *
 * Runner side (execa 9), as the integration tests do it:
 *
 * ```ts
 * const subprocess = execa('node', ['app.js'], {
 *   ipc: true,
 *   serialization: 'json',
 *   buffer: { ipc: false },   // or buffer: false; else 4 samples/s pile up in result.ipcOutput
 *   env: {
 *     // Keep the user's options; a file URL needs no quoting even with spaces in the path.
 *     NODE_OPTIONS: `${userNodeOptions} --import=${pathToFileURL(registerJs).href}`.trim(),
 *     [INJECT_PARENT_ENV]: String(process.pid),
 *   },
 * });
 * for await (const message of subprocess.getEachMessage()) {
 *   if (isInjectorMessage(message)) dispatch(message);   // the target's own messages pass by
 * }
 * await subprocess.sendMessage(applyMessage);             // never { strict: true }, see below
 * ```
 *
 * - Read with ONE `getEachMessage()` loop for the whole life of the process and dispatch
 *   replies to waiters by `id`. Leaving that loop (break, return, throw) makes execa call
 *   `subprocess.disconnect()`, and a failing `getOneMessage()` does the same: the injector
 *   then reverts every fault by itself (the dead-man switch). Repeated `getOneMessage()`
 *   calls can also miss a message sent between two calls.
 * - Send with `subprocess.sendMessage(message)` (or plain `subprocess.send`). Not with
 *   `{ strict: true }`: execa then wraps the message in its own envelope, which the injector
 *   does not recognise, and the send would wait forever.
 * - `hello` is sent while the target's `--import` preloads run, before its main module: wait
 *   for it (with a deadline) before the first `apply`. Check `hello.pid === subprocess.pid`:
 *   behind a wrapper (npm, npx, a shell), the injector would load into the wrapper instead.
 * - The target's own message listeners see our messages too (Node gives every listener every
 *   message); they carry `faultline: 'inject'` so a target can tell them apart.
 * - Round trips measured on a loaded 2-core VM (bench/inject.ts): cpu `applied` 50-250 ms
 *   (each thread is a new V8 isolate), heap `applied` ~3 ms, `reverted` 10-40 ms (heap
 *   included: the collection runs before the reply). Use deadlines of seconds, not ms.
 * - A revert that races its apply (sent before `applied` came) is answered `reverted`, and the
 *   apply then `failed` with "reverted before it took effect"; nothing of the fault remains.
 * - A CPU fault that must start on time is `arm`ed ahead of its moment (its threads start and
 *   sleep; answered `armed`), then `apply`d with the same id and spec, which releases them:
 *   `applied` comes back in about a millisecond. An armed fault is reverted like an applied
 *   one, and the dead-man switch stops it too. An `apply` whose id was never armed (the
 *   target restarted in between, say) simply starts the threads then.
 * - Without an IPC channel, or when the parent pid does not match INJECT_PARENT_ENV, the
 *   injector does nothing: no hello ever comes. A missing hello means no in-process faults.
 */

/** Marks every message of ours; anything without it belongs to the target and is ignored. */
export const INJECT_TAG = 'inject';

/** CLOCK_MONOTONIC in ms, the clock of `until` and `stoppedAt`: shared by every process of the machine. */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** Bumped on any incompatible change; sent in `hello`. */
export const INJECT_PROTOCOL_VERSION = 2;

/** How often the injector sends a `sample`, ms. */
export const SAMPLE_INTERVAL_MS = 250;

/**
 * Optional guard the runner should set to its own pid: the injector then starts only in the
 * process whose parent has that pid, not in cluster workers or other children of the target
 * that inherit NODE_OPTIONS *and* have an IPC channel of their own (to the target, which must
 * not receive our messages). Without it, every process with an IPC channel starts it.
 */
export const INJECT_PARENT_ENV = 'FAULTLINE_INJECT_PARENT_PID';

/** Upper bound of `cpu.workers`, as in the scenario language. */
export const MAX_CPU_WORKERS = 256;

export interface CpuFaultSpec {
  kind: 'cpu';
  /** Busy threads, 1..256. */
  workers: number;
  /** Duty cycle of each thread, 0..1. */
  load: number;
  /**
   * When the threads stop spinning by themselves: CLOCK_MONOTONIC in ms
   * (`Number(process.hrtime.bigint()) / 1e6`, the same in every process of the machine).
   * The fault then ends on time even when the target's event loop is too starved (by this very
   * fault, often) to handle the `revert` promptly; the revert still follows, to clean up.
   */
  until?: number;
}

export interface HeapFaultSpec {
  kind: 'heap';
  /** Allocation rate, bytes per second, > 0. */
  bytesPerSecond: number;
  /** Stop growing at this much retained memory, bytes, > 0. */
  maxBytes: number;
  /** Release the memory on revert; false keeps it until the process exits. */
  release: boolean;
}

export type InjectFaultSpec = CpuFaultSpec | HeapFaultSpec;

interface Tagged {
  faultline: typeof INJECT_TAG;
}

// runner → injector

/** Starts a CPU fault's threads idle; `apply` with the same id and spec releases them. */
export interface ArmMessage extends Tagged {
  op: 'arm';
  id: string;
  fault: CpuFaultSpec;
}

export interface ApplyMessage extends Tagged {
  op: 'apply';
  id: string;
  fault: InjectFaultSpec;
}

/** Idempotent: an unknown or already reverted id is answered `reverted` too. */
export interface RevertMessage extends Tagged {
  op: 'revert';
  id: string;
}

export interface RevertAllMessage extends Tagged {
  op: 'revert-all';
}

export type RunnerMessage = ArmMessage | ApplyMessage | RevertMessage | RevertAllMessage;

// injector → runner

export interface HelloMessage extends Tagged {
  op: 'hello';
  protocol: typeof INJECT_PROTOCOL_VERSION;
  pid: number;
  /** process.version of the target. */
  node: string;
}

/**
 * The fault is in effect: every CPU thread started (each enters its staggered duty cycle
 * within one 100 ms period), or the heap loop running (it allocates from its first 50 ms tick).
 */
export interface AppliedMessage extends Tagged {
  op: 'applied';
  id: string;
}

/** Every thread of the armed CPU fault has started and sleeps until its `apply`. */
export interface ArmedMessage extends Tagged {
  op: 'armed';
  id: string;
}

/** The fault was not applied (or armed), or was reverted before it took effect; nothing of it remains. */
export interface FailedMessage extends Tagged {
  op: 'failed';
  id: string;
  message: string;
}

export interface RevertedMessage extends Tagged {
  op: 'reverted';
  id: string;
  /** Heap bytes released by this revert (0 for cpu, for `release: false`, or an unknown id). */
  releasedBytes: number;
  /**
   * For a CPU fault: when its threads stopped spinning, CLOCK_MONOTONIC ms: its `until` when
   * that came first, else when the revert was handled. Absent for other faults.
   */
  stoppedAt?: number;
}

export interface RevertedAllMessage extends Tagged {
  op: 'reverted-all';
}

/** Every SAMPLE_INTERVAL_MS while connected; the runner timestamps it on receipt. */
export interface SampleMessage extends Tagged {
  op: 'sample';
  /**
   * Mean duty cycle of the CPU fault threads since the previous sample, 0..1, from each
   * thread's own CPU time (so more threads than free cores shows as less than asked); null
   * when no CPU fault runs or the platform cannot tell (no /proc/thread-self).
   */
  cpuLoad: number | null;
  /** CPU fault threads alive now. */
  cpuWorkers: number;
  /** Bytes the heap faults retain now (including `release: false` ones already reverted). */
  retainedBytes: number;
  /** process.memoryUsage() of the target, bytes. */
  heapUsed: number;
  arrayBuffers: number;
  rss: number;
  /**
   * p99 event-loop delay of the target's main thread over the interval, ms: how late a 10 ms
   * timer ran (an idle loop reads ~0-2 ms; perf_hooks.monitorEventLoopDelay would read ~10 ms
   * more, as it counts the timer's own interval; see sampler.ts for why it is not used).
   */
  eventLoopDelayP99: number;
}

export type InjectorMessage = HelloMessage | ArmedMessage | AppliedMessage | FailedMessage | RevertedMessage | RevertedAllMessage | SampleMessage;

/** A message without its tag (Omit distributed over a union, so each keeps its own fields). */
export type Untagged<T> = T extends Tagged ? Omit<T, 'faultline'> : never;

/** Adds the tag; lets both sides write messages without repeating it. */
export function tag<T extends Untagged<RunnerMessage> | Untagged<InjectorMessage>>(message: T): T & Tagged {
  return { faultline: INJECT_TAG, ...message };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True for a message of ours (either direction), by its tag; says nothing about its fields. */
export function isTagged(value: unknown): value is Record<string, unknown> & Tagged & { op: string } {
  return isRecord(value) && value.faultline === INJECT_TAG && typeof value.op === 'string';
}

const INJECTOR_OPS: ReadonlySet<string> = new Set<InjectorMessage['op']>(['hello', 'armed', 'applied', 'failed', 'reverted', 'reverted-all', 'sample']);

/** Runner side: true for a message the injector sent (the injector is trusted, so the op suffices). */
export function isInjectorMessage(value: unknown): value is InjectorMessage {
  return isTagged(value) && INJECTOR_OPS.has(value.op);
}

const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** Why a fault spec is unusable, or undefined when it is fine. */
export function faultSpecProblem(fault: unknown): string | undefined {
  if (!isRecord(fault)) return 'fault must be an object';
  if (fault.kind === 'cpu') {
    if (!Number.isInteger(fault.workers) || (fault.workers as number) < 1 || (fault.workers as number) > MAX_CPU_WORKERS) {
      return `cpu.workers must be an integer from 1 to ${MAX_CPU_WORKERS}, got ${JSON.stringify(fault.workers)}`;
    }
    if (!isFiniteNumber(fault.load) || fault.load < 0 || fault.load > 1) return `cpu.load must be a number from 0 to 1, got ${JSON.stringify(fault.load)}`;
    if (fault.until !== undefined && (!isFiniteNumber(fault.until) || fault.until <= 0)) return `cpu.until must be a CLOCK_MONOTONIC time in ms (> 0), got ${JSON.stringify(fault.until)}`;
    return undefined;
  }
  if (fault.kind === 'heap') {
    if (!isFiniteNumber(fault.bytesPerSecond) || fault.bytesPerSecond <= 0) return `heap.bytesPerSecond must be a number > 0, got ${JSON.stringify(fault.bytesPerSecond)}`;
    if (!isFiniteNumber(fault.maxBytes) || fault.maxBytes <= 0) return `heap.maxBytes must be a number > 0, got ${JSON.stringify(fault.maxBytes)}`;
    if (typeof fault.release !== 'boolean') return `heap.release must be a boolean, got ${JSON.stringify(fault.release)}`;
    return undefined;
  }
  return `fault.kind must be "cpu" or "heap", got ${JSON.stringify(fault.kind)}`;
}

/**
 * Injector side: the runner message in `value`, or undefined when it is not ours or cannot be
 * answered (no id where one is needed). An `apply` or `arm` with a bad fault is returned as
 * is: the caller answers it with `failed` (see faultSpecProblem).
 */
export function parseRunnerMessage(value: unknown): RunnerMessage | undefined {
  if (!isTagged(value)) return undefined;
  switch (value.op) {
    case 'arm':
    case 'apply':
    case 'revert':
      return typeof value.id === 'string' ? (value as unknown as RunnerMessage) : undefined;
    case 'revert-all':
      return value as unknown as RevertAllMessage;
    default:
      return undefined;
  }
}
