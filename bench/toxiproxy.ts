#!/usr/bin/env node
/**
 * Benchmarks the embedded Toxiproxy-compatible server (src/toxiproxy), driven only through
 * toxiproxy-node-client: what a proxy with no toxic adds to a round trip and to HTTP
 * throughput, how exactly the latency toxic delays (fixed and with jitter), and how exactly the
 * bandwidth toxic limits. Loopback only, every loop bounded in count and time. See
 * bench/README.md.
 *
 *   node dist/bench/toxiproxy.js          # full run (~65 s)
 *   node dist/bench/toxiproxy.js --quick  # smoke run (~15 s)
 *
 * Writes bench/results/toxiproxy.json and prints tables.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBenchCli } from './lib/cli.js';
import { installCleanupHandlers } from './lib/cleanup.js';
import { round } from './lib/closed-loop.js';
import { machineInfo } from './lib/report.js';
import { withFixture, type Fixture } from './lib/toxiproxy-fixture.js';
import { overhead, throughput, type OverheadResult, type OverheadTiming, type ThroughputResult } from './lib/toxiproxy-overhead.js';
import {
  bandwidthAccuracy,
  baselineRtt,
  jitterDistribution,
  latencyPrecision,
  type BandwidthResult,
  type Budget,
  type LatencyLevel,
  type LatencyResult,
} from './lib/toxiproxy-precision.js';
import { evaluateGoals, formatReport, type ToxiproxyReport } from './lib/toxiproxy-report.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RESULTS = join(ROOT, 'bench/results/toxiproxy.json');
/** Fixed, so the jitter draws (and so the KS sample) are the same run to run. */
const SEED = 1;

interface Profile {
  mode: 'quick' | 'full';
  overhead: OverheadTiming;
  /** wrk's -t, -c and -d (the issue's `wrk -t2 -c10 -d5s --latency`). */
  throughput: { threads: number; connections: number; durationS: number };
  /** Measuring the no-toxic round trip that delay samples are corrected by. */
  baselineMs: number;
  latencyLevels: LatencyLevel[];
  jitter: Budget & { latencyMs: number; jitterMs: number };
  bandwidthRates: number[];
  /** Payload per rate: this many seconds' worth at the target rate. */
  bandwidthSeconds: number;
}

// Sized to stay well under 2 minutes on 2 cores: overhead 4 x ~7.5 s, wrk 3 x 5 s, latency
// toxic ~7 s (0.5 s toxic: ~20 samples on 4 connections in ~3 s), bandwidth 3 x 3 s.
const FULL: Profile = {
  mode: 'full',
  overhead: { rounds: 4, roundMs: 750, firstWarmupMs: 500, warmupMs: 100, maxSamplesPerRound: 100_000 },
  throughput: { threads: 2, connections: 10, durationS: 5 },
  baselineMs: 1_000,
  latencyLevels: [
    { latencyMs: 10, connections: 1, maxSamples: 60, budgetMs: 3_000 },
    { latencyMs: 100, connections: 4, maxSamples: 60, budgetMs: 3_000 },
    { latencyMs: 500, connections: 4, maxSamples: 24, budgetMs: 2_500 },
  ],
  // 20 connections at ~100 ms per round trip: 240 samples in ~1.2 s.
  jitter: { latencyMs: 100, jitterMs: 50, connections: 20, maxSamples: 240, budgetMs: 4_000 },
  bandwidthRates: [10, 100, 1000],
  bandwidthSeconds: 3,
};

const QUICK: Profile = {
  ...FULL,
  mode: 'quick',
  overhead: { rounds: 2, roundMs: 250, firstWarmupMs: 200, warmupMs: 50, maxSamplesPerRound: 50_000 },
  throughput: { ...FULL.throughput, durationS: 1 },
  baselineMs: 300,
  latencyLevels: [
    { latencyMs: 10, connections: 1, maxSamples: 20, budgetMs: 1_000 },
    { latencyMs: 100, connections: 4, maxSamples: 20, budgetMs: 1_000 },
    { latencyMs: 500, connections: 4, maxSamples: 8, budgetMs: 1_000 },
  ],
  jitter: { ...FULL.jitter, maxSamples: 100, budgetMs: 2_000 },
  bandwidthSeconds: 1,
};

/**
 * The whole run may not take longer than this. Every loop and socket operation has its own
 * bound, but the client's API calls (fetch) have only undici's 5-minute defaults: a server
 * that stops answering must fail the run, not hang it.
 */
const RUN_LIMIT_MS: Record<Profile['mode'], number> = { full: 240_000, quick: 90_000 };

/** Surprises on the way (unclean child stops, failed API calls): they go in the report. */
const warnings: string[] = [];

function log(line: string): void {
  process.stderr.write(`  ${line}\n`);
}

async function overheadSuite(fixture: Fixture, profile: Profile): Promise<{ latency: OverheadResult[]; throughput: ThroughputResult }> {
  const latency: OverheadResult[] = [];
  for (const kind of ['http', 'tcp'] as const) {
    for (const connections of [1, 10]) {
      const route = kind === 'http' ? fixture.routes.http : fixture.routes.echo;
      const result = await overhead(kind, route, connections, profile.overhead);
      latency.push(result);
      log(`overhead ${result.name}: p50 ${result.direct.p50Ms} -> ${result.proxy.p50Ms} ms (+${result.addedP50Ms}), p99 +${result.addedP99Ms}`);
    }
  }
  const tp = await throughput(fixture.routes.http, profile.throughput);
  log(`throughput (${tp.tool}): direct ${tp.direct.rps} rps, bare pipe ${tp.pipeReference.rps} rps, proxy ${tp.proxy.rps} rps, ratio ${tp.ratio}`);
  return { latency, throughput: tp };
}

async function latencySuite(fixture: Fixture, profile: Profile): Promise<ToxiproxyReport['latencyToxic']> {
  const route = fixture.routes.echo;
  const baseline = await baselineRtt(route, profile.baselineMs);
  const baselineMs = baseline.p50Ms ?? 0;
  log(`baseline round trip through the proxy: p50 ${baselineMs} ms (${baseline.samples} samples)`);
  const levels: LatencyResult[] = [];
  for (const level of profile.latencyLevels) {
    const result = await latencyPrecision(route, level, baselineMs);
    levels.push(result);
    log(`latency ${level.latencyMs} ms: ${result.samples} samples, median error ${result.medianErrorMs} ms, p95 |error| ${result.p95AbsErrorMs} ms`);
  }
  const { latencyMs, jitterMs, ...budget } = profile.jitter;
  const jitter = await jitterDistribution(route, latencyMs, jitterMs, budget, baselineMs);
  log(`jitter ${latencyMs}±${jitterMs}: n=${jitter.ks.n} D=${jitter.ks.d} (critical ${jitter.ks.critical01}) p=${jitter.ks.pValue}`);
  return { baselineRtt: baseline, levels, jitter };
}

async function bandwidthSuite(fixture: Fixture, profile: Profile): Promise<BandwidthResult[]> {
  const results: BandwidthResult[] = [];
  for (const rate of profile.bandwidthRates) {
    const result = await bandwidthAccuracy(fixture.routes.source, rate, profile.bandwidthSeconds);
    results.push(result);
    log(`bandwidth ${rate} KB/s: ${result.achievedKBps} KB/s achieved (${result.errorPct} %)`);
  }
  return results;
}

/** Writes through a temp file, so an interrupted run never leaves half a JSON behind. */
async function writeResults(report: ToxiproxyReport): Promise<void> {
  await mkdir(dirname(RESULTS), { recursive: true });
  const tmp = `${RESULTS}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(report, null, 2)}\n`);
  await rename(tmp, RESULTS);
}

const USAGE = 'usage: node dist/bench/toxiproxy.js [--quick]\n  --quick  short smoke run (~15 s)\nWrites bench/results/toxiproxy.json.\n';

const parseCli = (): Profile | undefined => parseBenchCli(USAGE, { quick: QUICK, full: FULL });

async function main(): Promise<void> {
  const profile = parseCli();
  if (profile === undefined) return;
  installCleanupHandlers();
  setTimeout(() => {
    process.stderr.write(`bench toxiproxy: failed: still running after ${RUN_LIMIT_MS[profile.mode] / 1000} s; giving up\n`);
    // The 'exit' handler kills the children; the results file is left as it was.
    process.exit(1);
  }, RUN_LIMIT_MS[profile.mode]).unref();
  const started = performance.now();
  const machine = machineInfo();
  process.stderr.write(`bench toxiproxy: ${profile.mode} run on ${machine.cpus} CPUs, node ${machine.node}, load ${machine.loadavgAtStart.join(' ')}\n`);
  const parts = await withFixture(SEED, warnings, async (fixture) => ({
    overhead: await overheadSuite(fixture, profile),
    latencyToxic: await latencySuite(fixture, profile),
    bandwidth: await bandwidthSuite(fixture, profile),
  }));
  const report: ToxiproxyReport = {
    schema: 'faultline.bench.toxiproxy/1',
    timestamp: new Date().toISOString(),
    mode: profile.mode,
    machine,
    totalDurationS: round((performance.now() - started) / 1000, 1),
    setup: {
      serverSeed: SEED,
      proxyProcess: 'embedded server (startToxiproxyServer) in the benchmark process, driven through toxiproxy-node-client',
      upstreams: 'one child process each: HTTP "ok" (keep-alive), TCP echo, TCP source',
      client: `latency: undici pools (HTTP) and raw sockets (TCP) in the benchmark process; throughput: ${
        parts.overhead.throughput.tool === 'wrk' ? 'wrk in its own process' : 'undici closed loop in the benchmark process (wrk missing)'
      }`,
    },
    warnings,
    ...parts,
    goals: evaluateGoals(parts),
  };
  await writeResults(report);
  process.stdout.write(`\n${formatReport(report)}\n\n${profile.mode} run in ${report.totalDurationS} s; results in ${RESULTS}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench toxiproxy: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  // Children are killed by the exit handler; the results file is left as it was.
  process.exitCode = 1;
});
