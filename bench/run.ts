#!/usr/bin/env node
/**
 * Benchmarks the runner itself: its own CPU while it drives 200 req/s (the target, upstream
 * and Toxiproxy are child processes, so process.cpuUsage() here is the runner alone), the fixed
 * cost of a scenario (start everything, then stop everything), and how close to schedule
 * faults are applied and reverted. Loopback only, bounded in time. See bench/README.md.
 *
 *   npm run bench                     # all benches
 *   node dist/bench/run.js --quick    # smoke run (~25 s)
 *
 * Writes bench/results/run.json and prints a table.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validatePaths } from '../src/scenario/load.js';
import { runSuite } from '../src/run/suite-run.js';
import type { Recording } from '../src/record/types.js';
import { parseBenchCli } from './lib/cli.js';
import { machineInfo, writeReport } from './lib/report.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RESULTS = join(ROOT, 'bench/results/run.json');

interface Profile {
  mode: 'quick' | 'full';
  steadyS: number;
  faults: number;
  faultMs: number;
}

const PROFILES = {
  full: { mode: 'full', steadyS: 20, faults: 20, faultMs: 500 },
  quick: { mode: 'quick', steadyS: 5, faults: 6, faultMs: 400 },
} satisfies Record<string, Profile>;

const percentile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
};
const r1 = (n: number) => Math.round(n * 10) / 10;

async function main(): Promise<void> {
  const profile = parseBenchCli<Profile>('usage: node dist/bench/run.js [--quick]\n', PROFILES);
  if (profile === undefined) return;
  const dir = await mkdtemp(join(tmpdir(), 'faultline-bench-run-'));
  try {
    const bundled = await readFile(join(ROOT, 'scenarios/faultline.yaml'), 'utf8');
    await writeFile(join(dir, 'faultline.yaml'), bundled.replaceAll('cwd: ..', `cwd: ${ROOT}`).replace('  rate: 50/s', '  rate: 200/s'));
    const faults: string[] = [];
    for (let i = 0; i < profile.faults; i++) {
      faults.push(`  - { name: f${i}, at: ${(i * 2 * profile.faultMs) / 1000}s, duration: ${profile.faultMs}ms, network: { proxy: upstream, toxic: latency, latency: 20ms } }`);
    }
    await writeFile(join(dir, 'a-steady.yaml'), `name: a-steady\nsteady: ${profile.steadyS}s\nrecover: 0s\n`);
    await writeFile(join(dir, 'b-faults.yaml'), `name: b-faults\nsteady: 1s\nfaults:\n${faults.join('\n')}\nrecover: 1s\n`);
    const report = await validatePaths([dir]);
    const loaded = report.suites[0];
    if (!report.ok || loaded === undefined) throw new Error(`bench suite invalid: ${JSON.stringify(report.issues)}`);

    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const result = await runSuite({ loaded, outDir: join(dir, 'out'), interrupt: new AbortController().signal });
    const cpu = process.cpuUsage(cpuBefore);
    const wallS = (performance.now() - started) / 1000;
    const recordings = new Map<string, Recording>(result.recordings.map((r) => [r.scenario, r.recording]));
    const steady = recordings.get('a-steady');
    const withFaults = recordings.get('b-faults');
    if (steady === undefined || withFaults === undefined) throw new Error('a scenario did not run');

    const phaseOf = (r: Recording) => ({ start: r.phases[0]?.start ?? 0, end: r.phases[r.phases.length - 1]?.end ?? r.durationMs });
    const fixedCost = (r: Recording) => {
      const { start, end } = phaseOf(r);
      return { startMs: Math.round(start), teardownMs: Math.round(r.durationMs - end) };
    };
    const sent = steady.load.reduce((n, s) => n + s.sent, 0);
    const onset = withFaults.faults.map((f) => (f.appliedAt ?? NaN) - f.plannedStart);
    const revert = withFaults.faults.map((f) => (f.revertedAt ?? NaN) - f.plannedEnd);
    const runnerCores = (cpu.user + cpu.system) / 1e6 / wallS;
    const benchmarks = {
      runnerCpu: { what: 'runner CPU over the whole run (both scenarios), in cores; goal ≤ 0.25 at 200 req/s', cores: r1(runnerCores * 100) / 100, wallS: r1(wallS), requestsInSteady: sent },
      fixedCost: {
        what: 'start (ports, proxies, upstream, agent ready and settled) and teardown per scenario, ms; goal ≤ 1000. The first scenario of a run also starts the embedded Toxiproxy the run shares',
        firstScenario: fixedCost(steady),
        laterScenario: fixedCost(withFaults),
      },
      faultTiming: {
        what: `apply and revert of ${profile.faults} latency toxics vs schedule, ms; goal p99 ≤ 20`,
        onset: { p50: r1(percentile(onset, 0.5)), p99: r1(percentile(onset, 0.99)), max: r1(Math.max(...onset)) },
        revert: { p50: r1(percentile(revert, 0.5)), p99: r1(percentile(revert, 0.99)), max: r1(Math.max(...revert)) },
        effective: withFaults.faults.filter((f) => f.effect === 'effective').length,
      },
    };
    await writeReport(RESULTS, { schema: 'faultline.bench.run/1', timestamp: new Date().toISOString(), mode: profile.mode, machine: machineInfo(), totalDurationS: r1(wallS), benchmarks } as never);
    process.stdout.write(`runner CPU          ${benchmarks.runnerCpu.cores} cores over ${benchmarks.runnerCpu.wallS} s (${sent} requests in the steady scenario)\n`);
    process.stdout.write(`fixed cost          start ${fixedCost(steady).startMs} ms, teardown ${fixedCost(steady).teardownMs} ms (first scenario: starts the shared Toxiproxy too); start ${fixedCost(withFaults).startMs} ms, teardown ${fixedCost(withFaults).teardownMs} ms (a later one)\n`);
    process.stdout.write(`fault onset         p50 ${benchmarks.faultTiming.onset.p50} ms, p99 ${benchmarks.faultTiming.onset.p99} ms, max ${benchmarks.faultTiming.onset.max} ms\n`);
    process.stdout.write(`fault revert        p50 ${benchmarks.faultTiming.revert.p50} ms, p99 ${benchmarks.faultTiming.revert.p99} ms, max ${benchmarks.faultTiming.revert.max} ms (${benchmarks.faultTiming.effective}/${profile.faults} effective)\n`);
    process.stdout.write(`wrote ${RESULTS}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
