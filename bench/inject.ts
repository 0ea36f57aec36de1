#!/usr/bin/env node
/**
 * Benchmarks the in-process injector (src/inject) the way the runner drives it: a Node target
 * started with execa, an IPC channel and `--import` of the built register.js. Measures achieved
 * against requested CPU load and heap growth, how fast memory comes back after a revert, the
 * apply/revert round trips, and the dead-man switch. See bench/README.md.
 *
 *   npm run build && node dist/bench/inject.js          # full run (~75 s)
 *   npm run build && node dist/bench/inject.js --quick  # smoke run (~30 s)
 *
 * Writes bench/results/inject.json and prints the tables.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { INJECT_PARENT_ENV, isInjectorMessage, type InjectFaultSpec, type InjectorMessage, type SampleMessage } from '../src/inject/protocol.js';
import { parseBenchCli } from './lib/cli.js';
import { installCleanupHandlers, onCleanup } from './lib/cleanup.js';
import { round } from './lib/closed-loop.js';
import { writeFileAtomic } from '../src/fs-atomic.js';
import { machineInfo, type MachineInfo } from './lib/report.js';
import { median as medianOf } from './lib/sample-stats.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REGISTER = join(ROOT, 'dist/src/inject/register.js');
const RESULTS = join(ROOT, 'bench/results/inject.json');
const MB = 1_000_000;
/** The target: nothing but a timer keeping it alive; everything it does is the injector's. */
const TARGET_SOURCE = 'setInterval(() => {}, 1000);';
const REPLY_TIMEOUT_MS = 15_000;

interface Profile {
  mode: 'quick' | 'full';
  /** Samples dropped after an apply (threads settling, first heap ticks). */
  warmupSamples: number;
  /** Samples measured per CPU level and per heap rate (4 per second). */
  measureSamples: number;
  deadmanTrials: number;
}

const FULL: Profile = { mode: 'full', warmupSamples: 4, measureSamples: 16, deadmanTrials: 5 };
const QUICK: Profile = { mode: 'quick', warmupSamples: 2, measureSamples: 6, deadmanTrials: 2 };
const CPU_LEVELS = [0.25, 0.5, 1] as const;
const CPU_WORKERS = [1, 2] as const;
const HEAP_RATES_MB = [5, 20, 50] as const;

type Child = ResultPromise<{ ipc: true; serialization: 'json'; buffer: false; reject: false; stdin: 'ignore'; stdout: 'ignore'; stderr: 'inherit' }>;
interface Received {
  t: number;
  message: InjectorMessage;
}

/** One target with the injector, and every message it sent, stamped on receipt. */
class Target {
  readonly received: Received[] = [];
  readonly #wakers = new Set<() => void>();
  readonly pid: number;
  private constructor(readonly child: Child) {
    this.pid = child.pid ?? -1;
    void (async () => {
      for await (const message of child.getEachMessage({ reference: false })) {
        if (!isInjectorMessage(message)) continue;
        this.received.push({ t: performance.now(), message });
        for (const wake of this.#wakers) wake();
      }
    })().catch(() => undefined);
  }

  static async start(): Promise<Target> {
    const nodeOptions = `${process.env.NODE_OPTIONS ?? ''} --import=${pathToFileURL(REGISTER).href}`.trim();
    const env = { NODE_OPTIONS: nodeOptions, [INJECT_PARENT_ENV]: String(process.pid) };
    const child = execa(process.execPath, ['-e', TARGET_SOURCE], { ipc: true, serialization: 'json', env, buffer: false, reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'inherit' });
    onCleanup(() => child.kill('SIGKILL'));
    const target = new Target(child);
    await target.waitFor((m) => m.op === 'hello');
    return target;
  }

  /** The first message at index >= from matching `predicate`, within REPLY_TIMEOUT_MS. */
  waitFor(predicate: (m: InjectorMessage) => boolean, from = 0): Promise<Received> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.received.slice(from).find((r) => predicate(r.message));
        if (found === undefined) return;
        clearTimeout(timer);
        this.#wakers.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.#wakers.delete(check);
        reject(new Error(`no matching injector message within ${REPLY_TIMEOUT_MS} ms`));
      }, REPLY_TIMEOUT_MS);
      this.#wakers.add(check);
      check();
    });
  }

  /** Sends a runner message; resolves with the reply and the ms from send to receipt. */
  async request(message: Record<string, unknown>, reply: (m: InjectorMessage) => boolean): Promise<{ reply: InjectorMessage; ms: number }> {
    const from = this.received.length;
    const sent = performance.now();
    await this.child.sendMessage({ faultline: 'inject', ...message });
    const received = await this.waitFor(reply, from);
    return { reply: received.message, ms: received.t - sent };
  }

  /** The next `count` samples after now. */
  async samples(count: number): Promise<(Received & { message: SampleMessage })[]> {
    const from = this.received.length;
    const isSample = (r: Received): r is Received & { message: SampleMessage } => r.message.op === 'sample';
    let seen: (Received & { message: SampleMessage })[] = [];
    await this.waitFor(() => (seen = this.received.slice(from).filter(isSample)).length >= count, from);
    return seen.slice(0, count);
  }

  async stop(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.child;
  }
}

async function apply(target: Target, id: string, fault: InjectFaultSpec): Promise<number> {
  const { reply, ms } = await target.request({ op: 'apply', id, fault }, (m) => 'id' in m && m.id === id);
  if (reply.op !== 'applied') throw new Error(`apply ${id} failed: ${JSON.stringify(reply)}`);
  return ms;
}

/** Reverts; resolves with the round trip, ms. */
async function revert(target: Target, id: string): Promise<number> {
  return (await target.request({ op: 'revert', id }, (m) => m.op === 'reverted' && m.id === id)).ms;
}

function procStat(pid: number): { ticks: number; threads: number; rssBytes: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { ticks: Number(fields[11]) + Number(fields[12]), threads: field('Threads'), rssBytes: field('VmRSS') * 1024 };
}

/** Polls `probe` every 5 ms until true; resolves with the ms it took, throws at the deadline. */
async function pollMs(probe: () => boolean, what: string | (() => string), timeoutMs = 10_000): Promise<number> {
  const start = performance.now();
  while (!probe()) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return performance.now() - start;
}

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
const median = (values: readonly number[]): number => medianOf(values) ?? Number.NaN;

/** Least-squares slope of y over t (ms), per second. */
function slopePerSecond(points: readonly { t: number; y: number }[]): number {
  const mt = mean(points.map((p) => p.t));
  const my = mean(points.map((p) => p.y));
  const num = points.reduce((s, p) => s + (p.t - mt) * (p.y - my), 0);
  const den = points.reduce((s, p) => s + (p.t - mt) ** 2, 0);
  return den === 0 ? Number.NaN : (num / den) * 1000;
}

interface CpuResult {
  name: string;
  workers: number;
  requested: number;
  /** Mean of the injector's cpuLoad samples: the threads' own CPU time over wall time. */
  achieved: number;
  /** Cross-check from outside: the target's CPU time from /proc over the same window, per worker, idle baseline removed. */
  achievedProc: number;
  /** (achieved − requested) in percentage points. */
  errorPoints: number;
  eventLoopDelayP99Ms: number;
  applyMs: number;
  revertMs: number;
}

async function cpuSuite(profile: Profile): Promise<CpuResult[]> {
  const target = await Target.start();
  try {
    // The idle target's own CPU use (sampler, probe timer), to take out of the /proc cross-check.
    const idleStart = { t: performance.now(), ticks: procStat(target.pid).ticks };
    await target.samples(profile.measureSamples);
    const idleTicksPerMs = (procStat(target.pid).ticks - idleStart.ticks) / (performance.now() - idleStart.t);
    const baseThreads = procStat(target.pid).threads;
    const results: CpuResult[] = [];
    for (const workers of CPU_WORKERS) {
      for (const load of CPU_LEVELS) {
        const id = `cpu-w${workers}-l${load * 100}`;
        const applyMs = await apply(target, id, { kind: 'cpu', workers, load });
        await target.samples(profile.warmupSamples);
        const before = { t: performance.now(), ticks: procStat(target.pid).ticks };
        const samples = await target.samples(profile.measureSamples);
        const after = { t: performance.now(), ticks: procStat(target.pid).ticks };
        const revertMs = await revert(target, id);
        await pollMs(() => procStat(target.pid).threads === baseThreads, 'the CPU threads to exit');
        const achieved = mean(samples.map((s) => s.message.cpuLoad ?? Number.NaN));
        const procCpuMs = (after.ticks - before.ticks) * 10 - idleTicksPerMs * 10 * (after.t - before.t);
        results.push({
          name: `cpu.w${workers}.l${load * 100}`,
          workers,
          requested: load,
          achieved: round(achieved, 3),
          achievedProc: round(procCpuMs / (after.t - before.t) / workers, 3),
          errorPoints: round((achieved - load) * 100, 1),
          eventLoopDelayP99Ms: round(median(samples.map((s) => s.message.eventLoopDelayP99)), 2),
          applyMs: round(applyMs, 1),
          revertMs: round(revertMs, 1),
        });
        progress(results[results.length - 1]);
      }
    }
    return results;
  } finally {
    await target.stop();
  }
}

interface HeapResult {
  name: string;
  requestedMBps: number;
  /** Slope of the target's heapUsed over the measured window, MB/s. */
  heapUsedMBps: number;
  /** Slope of the injector's retainedBytes, MB/s (what it allocated, by its own count). */
  retainedMBps: number;
  errorPct: number;
  retainedMb: number;
  /** Revert sent → `reverted` received; the collection has run by then. */
  revertMs: number;
  /**
   * Revert sent → heapUsed down by 90 % of the retained bytes: the `reverted` reply when the
   * next sample confirms the drop (the collection runs before the reply), else that sample.
   */
  heapReleaseMs: number;
  /** Revert sent → VmRSS (from /proc, polled every 5 ms) down by 90 % of the retained bytes. */
  rssReleaseMs: number;
  /** heapUsed before the fault and in the first sample that confirmed the release. */
  heapUsedBeforeMb: number;
  heapUsedAfterMb: number;
  applyMs: number;
}

async function heapRate(profile: Profile, rateMB: number): Promise<HeapResult> {
  const target = await Target.start();
  try {
    const [baseline] = await target.samples(1);
    if (baseline === undefined) throw new Error('no baseline sample');
    const seconds = (profile.warmupSamples + profile.measureSamples) / 4 + 2;
    const id = `heap-${rateMB}`;
    const applyMs = await apply(target, id, { kind: 'heap', bytesPerSecond: rateMB * MB, maxBytes: rateMB * MB * seconds, release: true });
    await target.samples(profile.warmupSamples);
    const samples = await target.samples(profile.measureSamples);
    const last = samples[samples.length - 1]?.message;
    if (last === undefined) throw new Error('no samples');
    // Released = 90 % of what the fault retained is gone, from heapUsed and from rss.
    const enough = 0.9 * last.retainedBytes;
    const from = target.received.length;
    const rssAtRevert = procStat(target.pid).rssBytes;
    const sent = performance.now();
    const rssRelease = pollMs(() => rssAtRevert - procStat(target.pid).rssBytes >= enough, () => `rss to drop by ${enough} from ${rssAtRevert} (now ${procStat(target.pid).rssBytes})`);
    const revertMs = await revert(target, id);
    const confirmed = await target.waitFor((m) => m.op === 'sample' && last.heapUsed - m.heapUsed >= enough, from);
    // The revert handler drops the chunks and collects before it replies, and nothing is
    // allocated after that: a sample confirming the drop dates the release to the reply.
    const confirmedFirst = target.received.slice(from).find((r) => r.message.op === 'sample') === confirmed;
    const heapUsedMBps = slopePerSecond(samples.map((s) => ({ t: s.t, y: s.message.heapUsed }))) / MB;
    return {
      name: `heap.${rateMB}MBps`,
      requestedMBps: rateMB,
      heapUsedMBps: round(heapUsedMBps, 2),
      retainedMBps: round(slopePerSecond(samples.map((s) => ({ t: s.t, y: s.message.retainedBytes }))) / MB, 2),
      errorPct: round((heapUsedMBps / rateMB - 1) * 100, 1),
      retainedMb: round(last.retainedBytes / MB, 1),
      revertMs: round(revertMs, 1),
      heapReleaseMs: round(confirmedFirst ? revertMs : confirmed.t - sent, 1),
      rssReleaseMs: round(await rssRelease, 1),
      heapUsedBeforeMb: round(baseline.message.heapUsed / MB, 1),
      heapUsedAfterMb: round((confirmed.message as SampleMessage).heapUsed / MB, 1),
      applyMs: round(applyMs, 1),
    };
  } finally {
    await target.stop();
  }
}

/** disconnectToThreadsGoneMs: `subprocess.disconnect()` → the CPU threads gone from /proc (polled every 5 ms). */
type DeadmanResult = { trials: number; disconnectToThreadsGoneMs: number[]; medianMs: number; maxMs: number };

async function deadmanSuite(profile: Profile): Promise<DeadmanResult> {
  const times: number[] = [];
  for (let i = 0; i < profile.deadmanTrials; i++) {
    const target = await Target.start();
    try {
      const threads = procStat(target.pid).threads;
      await apply(target, 'orphan', { kind: 'cpu', workers: 2, load: 1 });
      target.child.disconnect();
      times.push(round(await pollMs(() => procStat(target.pid).threads === threads, 'the CPU threads to exit'), 1));
    } finally {
      await target.stop();
    }
  }
  return { trials: times.length, disconnectToThreadsGoneMs: times, medianMs: round(median(times), 1), maxMs: round(Math.max(...times), 1) };
}

/** A goal of the issue, checked against this run. */
type Goal = { id: string; target: string; measured: number; met: boolean };

function goals(cpu: readonly CpuResult[], heap: readonly HeapResult[]): Goal[] {
  return [
    ...cpu.map((c) => ({ id: `${c.name}.errorPoints`, target: '|error| <= 5 points', measured: c.errorPoints, met: Math.abs(c.errorPoints) <= 5 })),
    ...heap.map((h) => ({ id: `${h.name}.errorPct`, target: '|error| <= 5 %', measured: h.errorPct, met: Math.abs(h.errorPct) <= 5 })),
    ...heap.map((h) => ({ id: `${h.name}.heapReleaseMs`, target: '<= 500 ms', measured: h.heapReleaseMs, met: h.heapReleaseMs <= 500 })),
  ];
}

interface InjectReport {
  schema: 'faultline.bench.inject/1';
  timestamp: string;
  mode: 'quick' | 'full';
  machine: MachineInfo;
  totalDurationS: number;
  cpu: CpuResult[];
  heap: HeapResult[];
  deadman: DeadmanResult;
  goals: Goal[];
}

function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows].map((r) => r.map(String));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]?.length ?? 0)));
  const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(cells[0] ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

function format(report: InjectReport): string {
  const cpu = table(
    ['cpu', 'workers', 'asked', 'achieved', 'proc', 'err pts', 'loop p99 ms', 'apply ms', 'revert ms'],
    report.cpu.map((c) => [c.name, c.workers, c.requested, c.achieved, c.achievedProc, c.errorPoints, c.eventLoopDelayP99Ms, c.applyMs, c.revertMs]),
  );
  const heap = table(
    ['heap', 'asked MB/s', 'heapUsed MB/s', 'retained MB/s', 'err %', 'retained MB', 'revert ms', 'heap back ms', 'rss back ms', 'apply ms'],
    report.heap.map((h) => [h.name, h.requestedMBps, h.heapUsedMBps, h.retainedMBps, h.errorPct, h.retainedMb, h.revertMs, h.heapReleaseMs, h.rssReleaseMs, h.applyMs]),
  );
  const d = report.deadman;
  const goalTable = table(['goal', 'target', 'measured', 'met'], report.goals.map((g) => [g.id, g.target, g.measured, g.met ? 'yes' : 'NO']));
  return [cpu, '', heap, '', `dead-man: disconnect → CPU threads gone: median ${d.medianMs} ms, max ${d.maxMs} ms over ${d.trials} trials`, '', goalTable].join('\n');
}

function progress(result: { name: string } | undefined): void {
  if (result !== undefined) process.stderr.write(`bench: ${result.name} done\n`);
}

const USAGE = `Usage: node dist/bench/inject.js [--quick]

Benchmarks the in-process injector: CPU load and heap growth achieved against requested,
memory release after revert, apply/revert latency, dead-man switch. Writes
bench/results/inject.json.

  --quick   a short smoke run
  -h, --help
`;

async function main(): Promise<void> {
  const profile = parseBenchCli(USAGE, { quick: QUICK, full: FULL });
  if (profile === undefined) return;
  if (process.platform !== 'linux') throw new Error('this benchmark reads /proc: Linux only');
  if (!existsSync(REGISTER)) throw new Error(`${REGISTER} does not exist; run \`npm run build\` first`);
  installCleanupHandlers();
  const started = performance.now();
  const machine = machineInfo();
  process.stderr.write(`bench: ${profile.mode} run on ${machine.cpus} CPUs, node ${machine.node}, load ${machine.loadavgAtStart.join(' ')}\n`);
  const cpu = await cpuSuite(profile);
  const heap: HeapResult[] = [];
  for (const rate of HEAP_RATES_MB) {
    heap.push(await heapRate(profile, rate));
    progress(heap[heap.length - 1]);
  }
  const deadman = await deadmanSuite(profile);
  const report: InjectReport = {
    schema: 'faultline.bench.inject/1',
    timestamp: new Date().toISOString(),
    mode: profile.mode,
    machine,
    totalDurationS: round((performance.now() - started) / 1000, 1),
    cpu,
    heap,
    deadman,
    goals: goals(cpu, heap),
  };
  await writeFileAtomic(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\n${format(report)}\n\n${profile.mode} run in ${report.totalDurationS} s; results in ${RESULTS}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
