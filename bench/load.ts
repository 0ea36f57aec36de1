#!/usr/bin/env node
/**
 * Benchmarks faultline's load generator (src/observe/load.ts): the highest constant arrival
 * rate it holds with a send-lag p99 of at most 2 ms, the intended-time and service latency it
 * reports at each rate, its own CPU at 200 req/s, and the closed-loop ceiling of the same
 * target (undici in this process, wrk; autocannon only if npx has it cached). The target is a
 * minimal node:http server in a child process (this file, started with BENCH_LOAD_ROLE=target).
 * Loopback only, every run bounded in time and count. See bench/README.md.
 *
 *   node dist/bench/load.js          # full run (~60 s)
 *   node dist/bench/load.js --quick  # smoke run (~20 s)
 *
 * Writes bench/results/load.json and prints tables.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { startClock, waitUntil, type Clock } from '../src/clock.js';
import { startLoad } from '../src/observe/load.js';
import type { LoadSecond } from '../src/record/types.js';
import { parseBenchCli } from './lib/cli.js';
import { installCleanupHandlers } from './lib/cleanup.js';
import { round } from './lib/closed-loop.js';
import { LOOPBACK, startProgram, type Program } from './lib/processes.js';
import { machineInfo, type MachineInfo } from './lib/report.js';
import { runUndiciLoop, runWrk, wrkAvailable, type Throughput } from './lib/wrk.js';

const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RESULTS = join(ROOT, 'bench/results/load.json');
const ROLE_ENV = 'BENCH_LOAD_ROLE';

/** The goals of the load generator (issue #5). */
const LAG_GOAL_MS = 2;
const RATE_GOAL = 5_000;
const CPU_GOAL = 0.25;
/** A rate is held with at most this share of requests skipped, failed or answered non-200. */
const LOSS_BUDGET = 0.001;
/** The machine-relative reading: the generator adds at most this over the timer reference's p99. */
const OVER_FLOOR_MS = 1;
/** The scenario defaults: 64 connections, 2 s timeout. */
const CONNECTIONS = 64;
const TIMEOUT_MS = 2_000;

interface Profile {
  mode: 'quick' | 'full';
  rates: readonly number[];
  /** Seconds of each step left out of the numbers (connections, JIT), then seconds measured. */
  warmupS: number;
  measureS: number;
  /** One unmeasured run before the first step, at the first rate. */
  primeS: number;
  cpu: { rate: number; measureS: number };
  closedLoop: { connections: number; durationS: number };
  /** setTimeout(1) calls timed, and ms of busy loop, for each machine reference. */
  reference: { timerSamples: number; spinMs: number };
}

// ~60 s on 2 cores: references 2 x ~2 s, prime 2 s, 6 steps x 5 s, CPU 11 s, undici 1 + 5 s, wrk 5 s.
const FULL: Profile = {
  mode: 'full',
  rates: [1_000, 2_000, 3_000, 5_000, 7_000, 10_000],
  warmupS: 1,
  measureS: 4,
  primeS: 2,
  cpu: { rate: 200, measureS: 10 },
  closedLoop: { connections: 16, durationS: 5 },
  reference: { timerSamples: 1_000, spinMs: 1_000 },
};

const QUICK: Profile = {
  ...FULL,
  mode: 'quick',
  rates: [1_000, 5_000],
  measureS: 2,
  primeS: 1,
  cpu: { rate: 200, measureS: 3 },
  closedLoop: { connections: 16, durationS: 1 },
  reference: { timerSamples: 300, spinMs: 300 },
};

interface Percentiles {
  p50: number;
  p99: number;
}

interface MachineReference {
  /** Lateness of setTimeout(1) in this process, ms: the floor under any timer-driven send lag. */
  timer: Percentiles & { max: number };
  /** A busy loop's gaps longer than 1 ms (the process was not running): per second, and the longest. */
  gapsOver1msPerS: number;
  longestGapMs: number;
}

interface StepResult {
  rate: number;
  connections: number;
  measuredSeconds: number;
  due: number;
  sent: number;
  answered: number;
  skipped: number;
  /** unanswered + refused + timeout + other. */
  errors: number;
  non2xx: number;
  /** Answers per second over the measured seconds. */
  answeredPerS: number;
  /** The seconds' sendLagP99: the median second and the worst. */
  sendLagP99: { median: number; worst: number };
  /** Intended-time latency: median of the seconds' p50, worst second's p99; `merged` from the histograms. */
  latency: Percentiles & { merged: Percentiles & { max: number } };
  /** Service time (from the actual send): median of the seconds' p50, worst second's p99. */
  service: Percentiles;
  /** Generator CPU over the measured seconds, in cores (1 = one core busy). */
  cpuCores: number;
  /** 1-minute load average at the end of the step: anything else running shows here. */
  loadavg: number;
  /** The goal as written: median second's lag p99 <= 2 ms, losses within budget. */
  held: boolean;
  /** Median second's lag p99 within OVER_FLOOR_MS of this machine's timer p99, losses within budget. */
  heldOverFloor: boolean;
  /** Every measured second's lag p99 <= 2 ms (one preempted tick fails it), losses within budget. */
  heldEverySecond: boolean;
}

type Autocannon = { available: false; reason: string } | { available: true; note: string };

interface LoadBenchReport {
  schema: 'faultline.bench.load/1';
  timestamp: string;
  mode: 'quick' | 'full';
  machine: MachineInfo;
  totalDurationS: number;
  criterion: string;
  reference: { before: MachineReference; after: MachineReference };
  steps: StepResult[];
  maxHeldRate: number | null;
  maxHeldRateOverFloor: number | null;
  maxHeldRateEverySecond: number | null;
  cpuAt200: StepResult;
  closedLoop: { connections: number; undici: Throughput; wrk: Throughput | { available: false }; autocannon: Autocannon };
  goals: { name: string; target: string; measured: number | null; met: boolean | null }[];
}

const CRITERION =
  `held: the median measured second has sendLagP99 <= ${LAG_GOAL_MS} ms and at most ${LOSS_BUDGET * 100}% of ` +
  `requests are skipped, fail or answer non-200; over floor: the same with the lag bound at the machine's ` +
  `setTimeout(1) p99 + ${OVER_FLOOR_MS} ms; every second: the lag bound in every measured second`;

// ── the target ─────────────────────────────────────────────────────────────────────────────

/** The child: the smallest useful HTTP server, 200 "ok" to everything. */
function runTarget(): void {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.end('ok'));
  });
  server.listen(0, LOOPBACK, () => {
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    process.stdout.write(`${JSON.stringify({ event: 'listening', host: LOOPBACK, port })}\n`);
  });
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
  // Never outlive a benchmark that was killed outright.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && process.exit(0), 1_000).unref();
}

// ── references ─────────────────────────────────────────────────────────────────────────────

async function machineReference(profile: Profile): Promise<MachineReference> {
  const late: number[] = [];
  for (let i = 0; i < profile.reference.timerSamples; i++) {
    const t0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 1));
    late.push(performance.now() - t0 - 1);
  }
  late.sort((a, b) => a - b);
  const at = (q: number): number => round(late[Math.max(0, Math.ceil(late.length * q) - 1)] ?? 0, 3);
  // A busy loop sees every moment the process is not on a CPU (another process, the hypervisor).
  let gaps = 0;
  let longest = 0;
  const end = performance.now() + profile.reference.spinMs;
  for (let last = performance.now(), now = last; now < end; last = now) {
    now = performance.now();
    if (now - last > 1) gaps++;
    longest = Math.max(longest, now - last);
  }
  return {
    timer: { p50: at(0.5), p99: at(0.99), max: round(late[late.length - 1] ?? 0, 3) },
    gapsOver1msPerS: round(gaps / (profile.reference.spinMs / 1000), 1),
    longestGapMs: round(longest, 3),
  };
}

// ── one step ───────────────────────────────────────────────────────────────────────────────

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
}

function sum(seconds: readonly LoadSecond[], pick: (s: LoadSecond) => number): number {
  return seconds.reduce((total, s) => total + pick(s), 0);
}

function mergedLatency(seconds: readonly LoadSecond[]): Percentiles & { max: number } {
  const [first, ...rest] = seconds.map((s) => decodeFromCompressedBase64(s.histogram));
  if (first === undefined || first.totalCount === 0) return { p50: 0, p99: 0, max: 0 };
  for (const h of rest) first.add(h);
  const max = first.maxValue;
  const at = (p: number): number => round(Math.min(first.getValueAtPercentile(p), max) / 1000, 3);
  return { p50: at(50), p99: at(99), max: round(max / 1000, 3) };
}

async function step(clock: Clock, url: string, rate: number, timing: { warmupS: number; measureS: number }, floorMs: number): Promise<StepResult> {
  const { warmupS, measureS } = timing;
  const run = startLoad({
    request: { method: 'GET', url: `${url}/`, headers: {}, body: null },
    ratePerSecond: rate,
    timeoutMs: TIMEOUT_MS,
    connections: CONNECTIONS,
    clock,
    thresholdsMs: [],
    maxRequests: rate * (warmupS + measureS + 1),
  });
  await waitUntil(clock, run.startedAt + warmupS * 1000);
  const cpuBefore = process.cpuUsage();
  const wallBefore = clock.now();
  await waitUntil(clock, run.startedAt + (warmupS + measureS) * 1000);
  const cpu = process.cpuUsage(cpuBefore);
  const wall = clock.now() - wallBefore;
  // A timer can fire a fraction of a millisecond early: stop a little after the last measured
  // second so that it is complete.
  await waitUntil(clock, run.startedAt + (warmupS + measureS) * 1000 + 20);
  const seconds = (await run.stop()).slice(warmupS, warmupS + measureS);
  const answered = sum(seconds, (s) => Object.values(s.status).reduce((a, b) => a + b, 0));
  const errors = sum(seconds, (s) => s.errors.unanswered + s.errors.refused + s.errors.timeout + s.errors.other);
  const skipped = sum(seconds, (s) => s.errors.skipped);
  const due = sum(seconds, (s) => s.due);
  const non2xx = answered - sum(seconds, (s) => s.status['200'] ?? 0);
  const lags = seconds.map((s) => s.sendLagP99);
  const lag = { median: median(lags), worst: Math.max(0, ...lags) };
  const clean = seconds.length === measureS && skipped + errors + non2xx <= due * LOSS_BUDGET;
  return {
    rate,
    connections: CONNECTIONS,
    measuredSeconds: seconds.length,
    due,
    sent: sum(seconds, (s) => s.sent),
    answered,
    skipped,
    errors,
    non2xx,
    answeredPerS: round(answered / Math.max(1, seconds.length), 1),
    sendLagP99: lag,
    latency: {
      p50: median(seconds.map((s) => s.latency.p50)),
      p99: Math.max(0, ...seconds.map((s) => s.latency.p99)),
      merged: mergedLatency(seconds),
    },
    service: { p50: median(seconds.map((s) => s.service.p50)), p99: Math.max(0, ...seconds.map((s) => s.service.p99)) },
    cpuCores: round((cpu.user + cpu.system) / 1000 / wall, 3),
    loadavg: round(loadavg()[0] ?? 0, 2),
    held: clean && lag.median <= LAG_GOAL_MS,
    heldOverFloor: clean && lag.median <= floorMs + OVER_FLOOR_MS,
    heldEverySecond: clean && lag.worst <= LAG_GOAL_MS,
  };
}

// ── closed loop ────────────────────────────────────────────────────────────────────────────

function autocannonStatus(): Autocannon {
  // --offline: only a copy already in npx's cache counts; this bench never downloads anything.
  const probe = spawnSync('npx', ['--offline', '--yes', 'autocannon', '--version'], { encoding: 'utf8', timeout: 30_000 });
  if (probe.status === 0) return { available: true, note: 'in the npx cache, but this bench does not run it yet' };
  const output = `${probe.stderr ?? ''}${probe.stdout ?? ''}`;
  const reason = output.split('\n').find((line) => line.includes('ENOTCACHED') || line.includes('error')) ?? 'npx failed';
  return { available: false, reason: `not available via npx without network (${reason.trim().slice(0, 120)})` };
}

// ── output ─────────────────────────────────────────────────────────────────────────────────

function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((cells) => cells[i]?.length ?? 0)));
  const line = (cells: string[]): string => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function pair(a: number, b: number): string {
  return `${a.toFixed(2)} / ${b.toFixed(2)}`;
}

function stepRow(name: string, r: StepResult): string[] {
  const held = [r.held ? 'goal' : '', r.heldOverFloor ? 'floor' : '', r.heldEverySecond ? 'every' : ''].filter(Boolean).join(',');
  return [
    name,
    String(r.rate),
    String(r.sent),
    r.answeredPerS.toFixed(0),
    String(r.skipped),
    String(r.errors + r.non2xx),
    pair(r.sendLagP99.median, r.sendLagP99.worst),
    pair(r.latency.p50, r.latency.p99),
    pair(r.service.p50, r.service.p99),
    `${(r.cpuCores * 100).toFixed(0)}%`,
    r.loadavg.toFixed(2),
    held === '' ? 'no' : held,
  ];
}

function closedRow(name: string, t: Throughput | { available: false }, connections: number): string[] {
  if (!('rps' in t)) return [name, String(connections), '-', '-', '-', 'not installed'];
  return [name, String(connections), t.rps.toFixed(0), (t.p50Ms ?? 0).toFixed(2), (t.p99Ms ?? 0).toFixed(2), String(t.errors + t.non2xx)];
}

function printReport(report: LoadBenchReport): void {
  const header = ['open model', 'rate/s', 'sent', 'answered/s', 'skipped', 'errors', 'lag p99', 'intended p50 / p99', 'service p50 / p99', 'cpu', 'load', 'held'];
  const rows = [...report.steps.map((r) => stepRow('load.rate', r)), stepRow('load.cpu', report.cpuAt200)];
  process.stdout.write(`\n${table(header, rows)}\n`);
  process.stdout.write('ms; "a / b" = median second / worst second; cpu: the generator, share of one core; load: 1-min load average;\n');
  process.stdout.write(`held: goal = median second's lag p99 <= ${LAG_GOAL_MS} ms, floor = within ${OVER_FLOOR_MS} ms of the timer reference, every = every second <= ${LAG_GOAL_MS} ms\n`);
  for (const [when, r] of Object.entries(report.reference)) {
    process.stdout.write(
      `machine ${when}: setTimeout(1) late by p50 ${r.timer.p50} / p99 ${r.timer.p99} / max ${r.timer.max} ms; ` +
        `a busy loop is off the CPU > 1 ms ${r.gapsOver1msPerS} times a second (longest ${r.longestGapMs} ms)\n`,
    );
  }
  const c = report.closedLoop;
  const closed = [closedRow('undici (this process)', c.undici, c.connections), closedRow('wrk -t1', c.wrk, c.connections)];
  closed.push(['autocannon', '-', '-', '-', '-', c.autocannon.available ? c.autocannon.note : c.autocannon.reason]);
  process.stdout.write(`\n${table(['closed loop', 'conns', 'rps', 'p50 ms', 'p99 ms', 'errors'], closed)}\n\n`);
  for (const goal of report.goals) {
    process.stdout.write(`goal ${goal.name}: ${goal.target}; measured ${goal.measured ?? '-'} → ${goal.met === null ? 'n/a' : goal.met ? 'met' : 'NOT met'}\n`);
  }
  process.stdout.write(`highest rate held: goal ${report.maxHeldRate ?? '-'}, over the machine's floor ${report.maxHeldRateOverFloor ?? '-'}, every second ${report.maxHeldRateEverySecond ?? '-'}\n`);
}

// ── main ───────────────────────────────────────────────────────────────────────────────────

const USAGE = 'usage: node dist/bench/load.js [--quick]\n  --quick  short smoke run (~20 s)\nWrites bench/results/load.json.\n';

type Measured = Omit<LoadBenchReport, 'schema' | 'timestamp' | 'mode' | 'machine' | 'totalDurationS'>;

function best(steps: readonly StepResult[], held: (s: StepResult) => boolean): number | null {
  const rates = steps.filter(held).map((s) => s.rate);
  return rates.length === 0 ? null : Math.max(...rates);
}

async function runAll(profile: Profile, target: Program): Promise<Measured> {
  const clock = startClock();
  const before = await machineReference(profile);
  process.stderr.write(`  machine: setTimeout(1) p99 late ${before.timer.p99} ms, ${before.gapsOver1msPerS} gaps > 1 ms a second\n`);
  const floorMs = before.timer.p99;
  await step(clock, target.url, profile.rates[0] ?? 1_000, { warmupS: 0, measureS: profile.primeS }, floorMs);
  const steps: StepResult[] = [];
  for (const rate of profile.rates) {
    const r = await step(clock, target.url, rate, profile, floorMs);
    steps.push(r);
    process.stderr.write(`  ${rate}/s: lag p99 ${r.sendLagP99.median} / ${r.sendLagP99.worst} ms, cpu ${(r.cpuCores * 100).toFixed(0)}%, load ${r.loadavg}\n`);
  }
  const cpuAt200 = await step(clock, target.url, profile.cpu.rate, { warmupS: profile.warmupS, measureS: profile.cpu.measureS }, floorMs);
  process.stderr.write(`  cpu at ${profile.cpu.rate}/s: ${(cpuAt200.cpuCores * 100).toFixed(1)}% of a core\n`);
  const spec = { url: `${target.url}/`, threads: 1, connections: profile.closedLoop.connections, durationS: profile.closedLoop.durationS };
  const undici = await runUndiciLoop(spec);
  const wrk = wrkAvailable() ? await runWrk(spec) : ({ available: false } as const);
  const after = await machineReference(profile);
  const maxHeldRate = best(steps, (s) => s.held);
  return {
    criterion: CRITERION,
    reference: { before, after },
    steps,
    maxHeldRate,
    maxHeldRateOverFloor: best(steps, (s) => s.heldOverFloor),
    maxHeldRateEverySecond: best(steps, (s) => s.heldEverySecond),
    cpuAt200,
    closedLoop: { connections: spec.connections, undici, wrk, autocannon: autocannonStatus() },
    goals: [
      { name: 'rate', target: `holds >= ${RATE_GOAL} req/s with send lag p99 <= ${LAG_GOAL_MS} ms`, measured: maxHeldRate, met: maxHeldRate !== null && maxHeldRate >= RATE_GOAL },
      { name: 'cpu', target: `<= ${CPU_GOAL * 100}% of one core at ${profile.cpu.rate} req/s`, measured: round(cpuAt200.cpuCores, 3), met: cpuAt200.cpuCores <= CPU_GOAL },
    ],
  };
}

async function main(): Promise<void> {
  const profile = parseBenchCli(USAGE, { quick: QUICK, full: FULL });
  if (profile === undefined) return;
  installCleanupHandlers();
  const started = performance.now();
  const machine = machineInfo();
  process.stderr.write(`bench: ${profile.mode} run on ${machine.cpus} CPUs, node ${machine.node}, load ${machine.loadavgAtStart.join(' ')}\n`);
  const target = await startProgram('target', SELF, { [ROLE_ENV]: 'target' });
  let measured: Measured;
  try {
    measured = await runAll(profile, target);
  } finally {
    await target.stop();
  }
  const report: LoadBenchReport = {
    schema: 'faultline.bench.load/1',
    timestamp: new Date().toISOString(),
    mode: profile.mode,
    machine,
    totalDurationS: round((performance.now() - started) / 1000, 1),
    ...measured,
  };
  await mkdir(dirname(RESULTS), { recursive: true });
  await writeFile(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
  printReport(report);
  process.stdout.write(`\n${profile.mode} run in ${report.totalDurationS} s; results in ${RESULTS}\n`);
}

if (process.env[ROLE_ENV] === 'target') {
  runTarget();
} else {
  main().catch((error: unknown) => {
    process.stderr.write(`bench: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    // The child is killed by the exit handler; the results file is left as it was.
    process.exitCode = 1;
  });
}
