#!/usr/bin/env node
/**
 * Benchmarks the scenario loader: how long validating a suite takes (in memory and through
 * the CLI, process start included), and how that grows with a large scenario and with a file
 * full of problems. Bounded in time and count; touches no network. See bench/README.md.
 *
 *   npm run bench                         # build, then every bench (this one takes ~15 s)
 *   node dist/bench/scenario.js --quick   # smoke run (~5 s)
 *
 * Writes bench/results/scenario.json and prints a table.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { validateDocuments, type DocumentText } from '../src/scenario/load.js';
import { parseBenchCli } from './lib/cli.js';
import { machineInfo, writeReport, type MachineInfo } from './lib/report.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCENARIOS = join(ROOT, 'scenarios');
const CLI = join(ROOT, 'dist/src/cli/main.js');
const RESULTS = join(ROOT, 'bench/results/scenario.json');
const ENV = { AGENT_BUG: '' };

interface Profile {
  mode: 'quick' | 'full';
  /** Each in-memory benchmark runs this long (after a warm-up of a tenth of it) or maxOps times. */
  durationMs: number;
  maxOps: number;
  cliRuns: number;
}

const PROFILES = {
  full: { mode: 'full', durationMs: 2_000, maxOps: 100_000, cliRuns: 9 },
  quick: { mode: 'quick', durationMs: 400, maxOps: 10_000, cliRuns: 3 },
} satisfies Record<string, Profile>;

interface Result {
  name: string;
  what: string;
  /** Size of the input: files, faults, problems. */
  params: Record<string, number>;
  runs: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Validations per second (in-memory benchmarks only). */
  perSecond: number | null;
}

interface Report {
  schema: 'faultline.bench.scenario/1';
  timestamp: string;
  mode: Profile['mode'];
  machine: MachineInfo;
  totalDurationS: number;
  benchmarks: Result[];
}

const USAGE = 'usage: node dist/bench/scenario.js [--quick]\n';

function bundled(): { suite: DocumentText; scenarios: DocumentText[] } {
  const read = (file: string): DocumentText => ({ path: join(SCENARIOS, file), file: `scenarios/${file}`, text: readFileSync(join(SCENARIOS, file), 'utf8') });
  const files = readdirSync(SCENARIOS).filter((f) => f.endsWith('.yaml') && f !== 'faultline.yaml').sort();
  return { suite: read('faultline.yaml'), scenarios: files.map(read) };
}

/** A valid scenario with `count` back-to-back latency faults, each with two health expectations. */
function largeScenario(count: number): DocumentText {
  const lines = ['name: large', 'steady: 10s', 'recover: 30s', 'faults:'];
  for (let i = 0; i < count; i++) lines.push(`  - { name: f${i}, at: ${i}s, duration: 1s, network: { proxy: upstream, toxic: latency, latency: 50ms } }`);
  lines.push('expect:', '  health:');
  for (let i = 0; i < count; i++) lines.push(`    - { from: UP, to: DOWN, within: 5s, after: f${i}.start }`, `    - { from: DOWN, to: UP, within: 20s, after: f${i}.end }`);
  return { path: join(SCENARIOS, 'large.yaml'), file: 'scenarios/large.yaml', text: `${lines.join('\n')}\n` };
}

/** A scenario with `count` faults, each with an unknown key and a bad duration: 2 × count issues. */
function brokenScenario(count: number): DocumentText {
  const lines = ['name: broken', 'faults:'];
  for (let i = 0; i < count; i++) lines.push(`  - { name: f${i}, duration: ${i}, network: { proxy: upstream, toxic: latency, latncy: 5ms, latency: 5ms } }`);
  return { path: join(SCENARIOS, 'broken.yaml'), file: 'scenarios/broken.yaml', text: `${lines.join('\n')}\n` };
}

function stats(name: string, what: string, params: Record<string, number>, samples: number[], perSecond: number | null): Result {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const r3 = (n: number) => Math.round(n * 1000) / 1000;
  return {
    name,
    what,
    params,
    runs: samples.length,
    meanMs: r3(samples.reduce((a, b) => a + b, 0) / samples.length),
    p50Ms: r3(at(0.5)),
    p99Ms: r3(at(0.99)),
    maxMs: r3(sorted[sorted.length - 1] ?? 0),
    perSecond: perSecond === null ? null : Math.round(perSecond),
  };
}

/** Runs `task` for the profile's duration (or count), after an unmeasured warm-up. */
function loop(profile: Profile, task: () => void): { samples: number[]; perSecond: number } {
  const warmupEnd = performance.now() + profile.durationMs / 10;
  while (performance.now() < warmupEnd) task();
  const samples: number[] = [];
  const start = performance.now();
  const end = start + profile.durationMs;
  while (samples.length < profile.maxOps && performance.now() < end) {
    const t0 = performance.now();
    task();
    samples.push(performance.now() - t0);
  }
  return { samples, perSecond: (samples.length * 1000) / (performance.now() - start) };
}

function expectIssues(result: ReturnType<typeof validateDocuments>, count: number, what: string): void {
  const found = result.files.reduce((n, f) => n + f.issues.length, 0);
  if (found !== count) throw new Error(`${what}: expected ${count} issues, got ${found}`);
}

async function main(): Promise<void> {
  const profile = parseBenchCli<Profile>(USAGE, PROFILES);
  if (profile === undefined) return;
  const started = performance.now();
  const results: Result[] = [];
  const { suite, scenarios } = bundled();

  expectIssues(validateDocuments(suite, scenarios, ENV), 0, 'bundled suite');
  const suiteRun = loop(profile, () => validateDocuments(suite, scenarios, ENV));
  results.push(stats('load.bundled', 'the bundled suite and its scenarios, in memory', { files: scenarios.length + 1 }, suiteRun.samples, suiteRun.perSecond));

  for (const count of [100, 1_000]) {
    const large = largeScenario(count);
    expectIssues(validateDocuments(suite, [large], ENV), 0, `large scenario ${count}`);
    const run = loop({ ...profile, maxOps: Math.ceil(profile.maxOps / count) }, () => validateDocuments(suite, [large], ENV));
    results.push(stats(`load.large.f${count}`, `one scenario with ${count} faults and ${2 * count} health expectations`, { faults: count, bytes: large.text.length }, run.samples, run.perSecond));
  }

  const broken = brokenScenario(500);
  expectIssues(validateDocuments(suite, [broken], ENV), 1_000, 'broken scenario');
  const brokenRun = loop({ ...profile, maxOps: Math.ceil(profile.maxOps / 500) }, () => validateDocuments(suite, [broken], ENV));
  results.push(stats('load.broken.i1000', 'one scenario with 1,000 problems, all reported', { issues: 1_000 }, brokenRun.samples, brokenRun.perSecond));

  const cli: number[] = [];
  for (let i = 0; i < profile.cliRuns; i++) {
    const t0 = performance.now();
    const result = await execa('node', [CLI, 'validate', 'scenarios'], { cwd: ROOT, reject: false, timeout: 30_000, env: ENV });
    if (result.exitCode !== 0) throw new Error(`faultline validate exited ${result.exitCode}: ${result.stderr}`);
    cli.push(performance.now() - t0);
  }
  results.push(stats('cli.validate.bundled', '`faultline validate scenarios` end to end, node start included', { files: scenarios.length + 1 }, cli, null));

  const report: Report = { schema: 'faultline.bench.scenario/1', timestamp: new Date().toISOString(), mode: profile.mode, machine: machineInfo(), totalDurationS: Math.round((performance.now() - started) / 100) / 10, benchmarks: results };
  await writeReport(RESULTS, report as never);
  const header = ['benchmark', 'runs', 'mean ms', 'p50 ms', 'p99 ms', 'max ms', 'per s'];
  const rows = results.map((r) => [r.name, String(r.runs), r.meanMs.toFixed(3), r.p50Ms.toFixed(3), r.p99Ms.toFixed(3), r.maxMs.toFixed(3), r.perSecond === null ? '-' : String(r.perSecond)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  for (const row of [header, ...rows]) process.stdout.write(`${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ')}\n`);
  process.stdout.write(`wrote ${RESULTS} (${report.totalDurationS} s)\n`);
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
