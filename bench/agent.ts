#!/usr/bin/env node
/**
 * Benchmarks the agent under test: HTTP throughput and latency of its actions, and what its
 * write-ahead log costs, both raw and behind PUT /v1/state/:id. Closed model (N clients, one
 * request in flight each), loopback only, bounded in time and count. See bench/README.md.
 *
 *   npm run bench                     # build, then a full run (~75 s)
 *   node dist/bench/agent.js --quick  # smoke run (~25 s)
 *
 * Writes bench/results/agent.json and prints a table.
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBenchCli } from './lib/cli.js';
import { installCleanupHandlers, onCleanup } from './lib/cleanup.js';
import { round, runClosedLoop } from './lib/closed-loop.js';
import { createPool, preflight, scrapeSum, send, type HttpCall } from './lib/http.js';
import { LOOPBACK, startProgram, type Program } from './lib/processes.js';
import { formatNotes, formatTable, machineInfo, toResult, writeReport, type BenchReport, type BenchResult, type Params } from './lib/report.js';
import { walDirect } from './lib/wal-direct.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const AGENT_MAIN = join(ROOT, 'dist/harness/agent/main.js');
const UPSTREAM_MAIN = join(ROOT, 'dist/harness/upstream/main.js');
const RESULTS = join(ROOT, 'bench/results/agent.json');

interface Timing {
  warmupMs: number;
  durationMs: number;
}

interface Profile {
  mode: 'quick' | 'full';
  actions: Timing;
  walDirect: Timing;
  put: Timing;
  /**
   * Load sent to every freshly started agent before its first benchmark: its V8 needs a few
   * seconds of traffic to optimise the hot paths (2-3x slower before), more than one
   * benchmark's own warm-up should have to absorb.
   */
  agentWarmupMs: number;
  /** Cap on measured operations per benchmark, whatever the duration. */
  maxOps: number;
  httpConcurrency: readonly number[];
  walConcurrency: readonly number[];
}

// The full profile is sized to stay under ~90 s on a 2-core machine:
// WAL 3 x 3.5 s + actions (2.5 s + 4 x 5.5 s) + PUT 3 x (2.5 s + 2 x 4.5 s) = 69 s, plus process starts.
const FULL: Profile = {
  mode: 'full',
  actions: { warmupMs: 500, durationMs: 5_000 },
  walDirect: { warmupMs: 500, durationMs: 3_000 },
  put: { warmupMs: 500, durationMs: 4_000 },
  agentWarmupMs: 2_500,
  maxOps: 300_000,
  httpConcurrency: [16, 64],
  walConcurrency: [1, 16, 64],
};

const QUICK: Profile = {
  ...FULL,
  mode: 'quick',
  actions: { warmupMs: 200, durationMs: 1_000 },
  walDirect: { warmupMs: 200, durationMs: 1_000 },
  put: { warmupMs: 200, durationMs: 1_000 },
  agentWarmupMs: 1_000,
  maxOps: 50_000,
};

/** Longer than undici's own 10 s request timeouts, so those fire first with a clearer error. */
const OP_TIMEOUT_MS = 15_000;
const JSON_HEADERS = { 'content-type': 'application/json' };
/** The agent's WAL counters: records made durable, and syncs (one per group commit). */
const APPENDS = 'agent_wal_appends_total';
const SYNCS = 'agent_wal_sync_duration_seconds_count';

/** Child-process problems seen on the way (unclean exits): surprising, so they go in the report. */
const warnings: string[] = [];

function agentEnv(extra: Record<string, string>): Record<string, string> {
  return { AGENT_PORT: '0', AGENT_HOST: LOOPBACK, AGENT_LOG_LEVEL: 'warn', ...extra };
}

async function stopChecked(program: Program): Promise<void> {
  const result = await program.stop();
  if (!result.graceful || result.code !== 0) {
    warnings.push(`${program.name} did not stop cleanly on SIGTERM: code ${result.code}, signal ${result.signal}, graceful ${result.graceful}`);
  }
}

/** Starts `program`, hands it to `use`, and stops it whatever happens. */
async function withProgram<T>(name: string, main: string, env: Record<string, string>, use: (p: Program) => Promise<T>): Promise<T> {
  const program = await startProgram(name, main, env);
  try {
    return await use(program);
  } finally {
    await stopChecked(program);
  }
}

async function withTempDir<T>(use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'faultline-bench-'));
  const forget = onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
    forget();
  }
}

interface HttpBench {
  name: string;
  url: string;
  concurrency: number;
  timing: Timing;
  maxOps: number;
  params: Params;
  call: (worker: number, seq: number) => HttpCall;
  /** Scrape the agent's WAL counters around the measured phase (see walExtras). */
  scrapeWal?: boolean;
}

/** One closed-loop HTTP benchmark over a fresh pool of `concurrency` connections. */
async function httpBench(bench: HttpBench): Promise<BenchResult> {
  await preflight(bench.url, bench.call(0, 0));
  const pool = createPool(bench.url, bench.concurrency);
  const before: Record<string, number | undefined> = {};
  try {
    const stats = await runClosedLoop({
      concurrency: bench.concurrency,
      warmupMs: bench.timing.warmupMs,
      durationMs: bench.timing.durationMs,
      maxOps: bench.maxOps,
      opTimeoutMs: OP_TIMEOUT_MS,
      op: (worker, seq) => send(pool, bench.call(worker, seq)),
      onMeasureStart: async () => {
        if (bench.scrapeWal !== true) return;
        for (const name of [APPENDS, SYNCS]) before[name] = await scrapeSum(bench.url, name);
      },
    });
    const extra = bench.scrapeWal === true ? await walExtras(bench.url, before) : undefined;
    return toResult(bench.name, { concurrency: bench.concurrency, ...bench.params }, stats, extra);
  } finally {
    await pool.close();
  }
}

/** Unmeasured load on a fresh agent (see Profile.agentWarmupMs); `call` should cover every path benchmarked next. */
async function warmUpAgent(url: string, profile: Profile, call: (worker: number, seq: number) => HttpCall): Promise<void> {
  const concurrency = 16;
  const pool = createPool(url, concurrency);
  try {
    await runClosedLoop({
      concurrency,
      warmupMs: 0,
      durationMs: profile.agentWarmupMs,
      maxOps: profile.maxOps,
      opTimeoutMs: OP_TIMEOUT_MS,
      op: (worker, seq) => send(pool, call(worker, seq)),
    });
  } finally {
    await pool.close();
  }
}

/** How many records the agent made durable per fdatasync during the measured phase. */
async function walExtras(url: string, before: Record<string, number | undefined>): Promise<Record<string, number | null> | undefined> {
  if (Object.keys(before).length === 0) return undefined;
  const delta = async (name: string): Promise<number | null> => {
    const start = before[name];
    const end = await scrapeSum(url, name);
    return start === undefined || end === undefined ? null : end - start;
  };
  const walAppends = await delta(APPENDS);
  const walSyncs = await delta(SYNCS);
  const recordsPerSync = walAppends !== null && walSyncs !== null && walSyncs > 0 ? round(walAppends / walSyncs, 2) : null;
  return { walAppends, walSyncs, recordsPerSync };
}

async function walDirectSuite(profile: Profile): Promise<BenchResult[]> {
  return withTempDir(async (dir) => {
    const results: BenchResult[] = [];
    for (const concurrency of profile.walConcurrency) {
      results.push(await walDirect({ concurrency, ...profile.walDirect, maxOps: profile.maxOps, opTimeoutMs: OP_TIMEOUT_MS, dir }));
      progress(results);
    }
    return results;
  });
}

const ACTIONS: Record<'echo' | 'fetch', string> = {
  // The cheapest action: HTTP parsing, routing, engine admission and JSON, nothing else.
  echo: JSON.stringify({ type: 'echo' }),
  // One downstream round trip per action: adds the agent's undici client and the upstream.
  fetch: JSON.stringify({ type: 'fetch', target: '/api/v1/metrics' }),
};

async function actionSuite(profile: Profile): Promise<BenchResult[]> {
  const upstreamEnv = { UPSTREAM_PORT: '0', UPSTREAM_HOST: LOOPBACK };
  return withProgram('upstream', UPSTREAM_MAIN, upstreamEnv, (upstream) =>
    withProgram('agent', AGENT_MAIN, agentEnv({ UPSTREAM_URL: upstream.url }), async (agent) => {
      const calls = {
        echo: { method: 'POST', path: '/v1/actions', headers: JSON_HEADERS, body: ACTIONS.echo },
        fetch: { method: 'POST', path: '/v1/actions', headers: JSON_HEADERS, body: ACTIONS.fetch },
      } satisfies Record<string, HttpCall>;
      await warmUpAgent(agent.url, profile, (_, seq) => (seq % 2 === 0 ? calls.echo : calls.fetch));
      const results: BenchResult[] = [];
      for (const type of ['echo', 'fetch'] as const) {
        for (const concurrency of profile.httpConcurrency) {
          const call = calls[type];
          results.push(
            await httpBench({
              name: `http.${type}.c${concurrency}`,
              url: agent.url,
              concurrency,
              timing: profile.actions,
              maxOps: profile.maxOps,
              params: { endpoint: 'POST /v1/actions', action: type },
              call: () => call,
            }),
          );
          progress(results);
        }
      }
      return results;
    }),
  );
}

interface PutMode {
  label: 'memory' | 'wal' | 'wal-no-fsync';
  env: (dir: string) => Record<string, string>;
}

const PUT_MODES: readonly PutMode[] = [
  { label: 'memory', env: () => ({}) },
  { label: 'wal', env: (dir) => ({ AGENT_WAL: join(dir, 'agent.wal') }) },
  { label: 'wal-no-fsync', env: (dir) => ({ AGENT_WAL: join(dir, 'agent-nofsync.wal'), AGENT_BUG: 'wal-no-fsync' }) },
];

/** A small state document; `seq` changes every write so each PUT is a real new version. */
function putCall(mode: string, concurrency: number, worker: number, seq: number): HttpCall {
  return {
    method: 'PUT',
    // One id per client: concurrent writes never race on an id, so the numbers are about
    // durability, not compare-and-swap contention.
    path: `/v1/state/bench-${mode}-c${concurrency}-w${worker}`,
    headers: JSON_HEADERS,
    body: JSON.stringify({ worker, seq, pad: 'x'.repeat(96) }),
  };
}

async function putSuite(profile: Profile): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const mode of PUT_MODES) {
    await withTempDir((dir) =>
      withProgram(`agent(${mode.label})`, AGENT_MAIN, agentEnv(mode.env(dir)), async (agent) => {
        await warmUpAgent(agent.url, profile, (worker, seq) => putCall(`${mode.label}-warmup`, 16, worker, seq));
        for (const concurrency of profile.httpConcurrency) {
          results.push(
            await httpBench({
              name: `http.put.${mode.label}.c${concurrency}`,
              url: agent.url,
              concurrency,
              timing: profile.put,
              maxOps: profile.maxOps,
              params: { endpoint: 'PUT /v1/state/:id', mode: mode.label },
              call: (worker, seq) => putCall(mode.label, concurrency, worker, seq),
              scrapeWal: mode.label !== 'memory',
            }),
          );
          progress(results);
        }
      }),
    );
  }
  return results;
}

function progress(results: readonly BenchResult[]): void {
  const last = results[results.length - 1];
  if (last === undefined) return;
  process.stderr.write(`  ${last.name}: ${last.rps.toFixed(0)} ops/s, p99 ${last.p99Ms ?? '-'} ms\n`);
}

const USAGE = 'usage: node dist/bench/agent.js [--quick]\n  --quick  short smoke run (~25 s)\nWrites bench/results/agent.json.\n';

const parseCli = (): Profile | undefined => parseBenchCli(USAGE, { quick: QUICK, full: FULL });

async function main(): Promise<void> {
  const profile = parseCli();
  if (profile === undefined) return;
  installCleanupHandlers();
  const started = performance.now();
  const machine = machineInfo();
  process.stderr.write(`bench: ${profile.mode} run on ${machine.cpus} CPUs, node ${machine.node}, load ${machine.loadavgAtStart.join(' ')}\n`);
  const benchmarks: BenchResult[] = [];
  // WAL first, while no child process competes for the CPU and the disk.
  benchmarks.push(...(await walDirectSuite(profile)));
  benchmarks.push(...(await actionSuite(profile)));
  benchmarks.push(...(await putSuite(profile)));
  const report: BenchReport = {
    schema: 'faultline.bench.agent/1',
    timestamp: new Date().toISOString(),
    mode: profile.mode,
    machine,
    totalDurationS: round((performance.now() - started) / 1000, 1),
    warnings,
    benchmarks,
  };
  await writeReport(RESULTS, report);
  process.stdout.write(`\n${formatTable(benchmarks)}\n\n`);
  for (const note of [...formatNotes(benchmarks), ...warnings.map((w) => `warning: ${w}`)]) process.stdout.write(`${note}\n`);
  process.stdout.write(`\n${profile.mode} run in ${report.totalDurationS} s; results in ${RESULTS}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  // Children are killed by the exit handler; the results file is left as it was.
  process.exitCode = 1;
});
