import { spawn, spawnSync } from 'node:child_process';
import { round, runClosedLoop } from './closed-loop.js';
import { onCleanup } from './cleanup.js';
import { assertLoopback, createPool, send } from './http.js';

/**
 * HTTP throughput for the Toxiproxy bench: wrk when it is installed (a C load generator in
 * its own process, so the number is the proxy's and not the load generator's), otherwise an
 * undici closed loop in this process (which then shares its event loop with the in-process
 * proxy: a lower bound, and labelled as such in the results).
 */

export interface ThroughputSpec {
  url: string;
  threads: number;
  connections: number;
  durationS: number;
}

export interface Throughput {
  requests: number;
  durationS: number;
  rps: number;
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
  /** wrk: connect + read + write + timeout socket errors; undici: failed requests. */
  errors: number;
  /** Answers outside 2xx (wrk counts 2xx and 3xx as fine). */
  non2xx: number;
}

/** How long wrk may overrun its own -d before it is killed. */
const WRK_GRACE_MS = 15_000;

export function wrkAvailable(): boolean {
  const probe = spawnSync('wrk', ['--version'], { stdio: 'ignore', timeout: 5_000 });
  // wrk --version prints its banner and exits 1; only a missing binary is an error here.
  return probe.error === undefined;
}

export function wrkArgs(spec: ThroughputSpec): string[] {
  return [`-t${spec.threads}`, `-c${spec.connections}`, `-d${spec.durationS}s`, '--latency', spec.url];
}

/** Runs wrk once; rejects if it fails, prints nothing parseable, or overruns. */
export function runWrk(spec: ThroughputSpec): Promise<Throughput> {
  assertLoopback(spec.url);
  return new Promise<Throughput>((resolve, reject) => {
    const child = spawn('wrk', wrkArgs(spec), { stdio: ['ignore', 'pipe', 'pipe'] });
    const forget = onCleanup(() => child.kill('SIGKILL'));
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), spec.durationS * 1000 + WRK_GRACE_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      forget();
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      forget();
      if (code !== 0) return reject(new Error(`wrk exited with code ${code}, signal ${signal}: ${(err || out).trim().slice(0, 500)}`));
      try {
        resolve(parseWrk(out));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "423.00us", "0.88ms", "1.20s" → milliseconds. */
function durationMs(text: string): number | null {
  const match = /^([\d.]+)(us|ms|s|m|h)$/.exec(text);
  if (match === null) return null;
  return round(Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN), 3);
}

function percentileLine(out: string, p: number): number | null {
  const match = new RegExp(`^\\s+${p}(?:\\.0+)?%\\s+(\\S+)\\s*$`, 'm').exec(out);
  return match?.[1] === undefined ? null : durationMs(match[1]);
}

/** Parses wrk 4.x's report (with --latency); throws when the totals are missing. */
export function parseWrk(out: string): Throughput {
  const totals = /(\d+) requests in ([\d.]+)(us|ms|s|m),/.exec(out);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (totals?.[1] === undefined || totals[2] === undefined || rps?.[1] === undefined) {
    throw new Error(`cannot parse wrk output:\n${out.slice(0, 500)}`);
  }
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = socketErrors === null ? 0 : socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  return {
    requests: Number(totals[1]),
    durationS: round((durationMs(`${totals[2]}${totals[3]}`) ?? 0) / 1000, 3),
    rps: round(Number(rps[1]), 1),
    p50Ms: percentileLine(out, 50),
    p90Ms: percentileLine(out, 90),
    p99Ms: percentileLine(out, 99),
    errors,
    non2xx: non2xx?.[1] === undefined ? 0 : Number(non2xx[1]),
  };
}

/** The fallback: `connections` undici clients in a closed loop for `durationS` (1 s warm-up). */
export async function runUndiciLoop(spec: ThroughputSpec): Promise<Throughput> {
  const pool = createPool(spec.url, spec.connections);
  try {
    const stats = await runClosedLoop({
      concurrency: spec.connections,
      warmupMs: 1_000,
      durationMs: spec.durationS * 1000,
      maxOps: 5_000_000,
      opTimeoutMs: 15_000,
      op: () => send(pool, { method: 'GET', path: '/' }),
    });
    return {
      requests: stats.requests,
      durationS: stats.durationS,
      rps: stats.rps,
      p50Ms: stats.p50Ms,
      p90Ms: stats.p90Ms,
      p99Ms: stats.p99Ms,
      errors: stats.errors,
      non2xx: stats.non2xx,
    };
  } finally {
    await pool.close();
  }
}
