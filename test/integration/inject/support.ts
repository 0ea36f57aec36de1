import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { INJECT_PARENT_ENV } from '../../../src/inject/protocol.js';
import { ROOT, pollUntil } from '../../helpers/processes.js';

export const REGISTER_URL = pathToFileURL(`${ROOT}dist/src/inject/register.js`).href;
export const IDLE_TARGET = `${ROOT}test/fixtures/targets/idle-target.mjs`;
export const INJECT_PARENT = `${ROOT}test/fixtures/inject-parent.mjs`;

const started: (() => void)[] = [];

/** Kills every process a test started, orphans included; call from afterEach. */
export function killStarted(): void {
  for (const kill of started.splice(0)) kill();
}

/** Registers a pid to SIGKILL in killStarted (for processes we did not start ourselves). */
export function killLater(pid: number): void {
  started.push(() => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  });
}

/** Typed as with IPC even when started without: the IPC methods are then never called. */
type Child = ResultPromise<{ ipc: true; serialization: 'json'; buffer: false; reject: false; stdin: 'ignore'; stderr: 'inherit' }>;

export interface Target {
  process: Child;
  pid: number;
  /** Every IPC message received so far, in order. */
  messages: any[];
  /** The first message at index >= `from` matching `predicate`, within the deadline. */
  waitFor(predicate: (message: any) => boolean, from?: number, timeoutMs?: number): Promise<any>;
  /** `count` samples received at index >= `from`. */
  samples(count: number, from: number, timeoutMs?: number): Promise<any[]>;
  send(message: Record<string, unknown>): Promise<void>;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | undefined>;
}

export interface TargetOptions {
  ipc?: boolean;
  inject?: boolean;
  env?: Record<string, string>;
}

/**
 * Starts the idle target the way the runner will: execa with an IPC channel (json), the
 * injector in NODE_OPTIONS, and the runner's pid in INJECT_PARENT_ENV. Resolves once the
 * target printed its ready line.
 */
export async function startTarget(options: TargetOptions = {}): Promise<Target> {
  const ipc = options.ipc ?? true;
  const env: Record<string, string> = { [INJECT_PARENT_ENV]: String(process.pid), ...options.env };
  if (options.inject ?? true) env.NODE_OPTIONS = `--import=${REGISTER_URL}`;
  const child = execa('node', [IDLE_TARGET], { ipc, serialization: 'json', env, extendEnv: true, buffer: false, reject: false, stdin: 'ignore', stderr: 'inherit' }) as Child;
  started.push(() => child.kill('SIGKILL'));
  const messages: any[] = [];
  const waiters = new Set<() => void>();
  if (ipc) {
    void (async () => {
      for await (const message of child.getEachMessage({ reference: false })) {
        messages.push(message);
        for (const wake of waiters) wake();
      }
    })().catch(() => undefined);
  }
  const waitFor = (predicate: (message: any) => boolean, from = 0, timeoutMs = 15_000): Promise<any> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = messages.slice(from).find(predicate);
        if (found === undefined) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages.slice(from).slice(-5))}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  const samples = async (count: number, from: number, timeoutMs = 15_000): Promise<any[]> => {
    let seen: any[] = [];
    await waitFor(() => (seen = messages.slice(from).filter((m) => m.op === 'sample')).length >= count, from, timeoutMs);
    return seen.slice(0, count);
  };
  const exited = child.then((result) => result.exitCode);
  const ready = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const line = text.split('\n').find((l) => l.startsWith('{'));
      if (line !== undefined) resolve(line);
    });
    void exited.then((code) => reject(new Error(`target exited (code ${code}) before it was ready`)));
  });
  const { pid } = JSON.parse(ready) as { pid: number };
  return { process: child, pid, messages, waitFor, samples, send: (message) => child.sendMessage(message as never), exited };
}

/** utime + stime of a process, clock ticks (1/100 s). */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function status(pid: number, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match?.[1] === undefined) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

export const threadCount = (pid: number): number => status(pid, 'Threads');
export const rssKb = (pid: number): number => status(pid, 'VmRSS');

/**
 * Polls /proc until the process's CPU time has risen by at most `maxTicks` over `windowMs`;
 * resolves with the ms from `since` (a performance.now() value) to the start of that quiet
 * window, which is when the CPU time stopped rising (to within a poll and `maxTicks`).
 */
export async function cpuQuietSince(pid: number, since: number, windowMs = 300, maxTicks = 2, timeoutMs = 10_000): Promise<number> {
  const readings: { t: number; ticks: number }[] = [];
  return pollUntil(
    () => {
      const last = { t: performance.now(), ticks: cpuTicks(pid) };
      readings.push(last);
      // CPU time only grows, so the first reading within maxTicks of the last one starts the quiet stretch.
      const first = readings.find((r) => last.ticks - r.ticks <= maxTicks);
      return first !== undefined && last.t - first.t >= windowMs ? first.t - since : undefined;
    },
    `CPU time of ${pid} to stop rising`,
    timeoutMs,
    10,
  );
}

/** Resolves once the process's CPU time has risen by `ticks` since this call. */
export async function cpuRises(pid: number, ticks: number, timeoutMs = 10_000): Promise<void> {
  const start = cpuTicks(pid);
  await pollUntil(() => (cpuTicks(pid) - start >= ticks ? true : undefined), `CPU time of ${pid} to rise by ${ticks} ticks`, timeoutMs, 20);
}
