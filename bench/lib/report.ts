import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';
import { dirname } from 'node:path';
import type { LoopStats } from './closed-loop.js';

export type Params = Record<string, string | number | boolean>;

export interface BenchResult extends Omit<LoopStats, 'ok'> {
  /** Stable id, e.g. "http.echo.c16"; compare runs by it. */
  name: string;
  params: Params;
  /** Numbers a benchmark adds to the common ones (e.g. WAL records per fsync). */
  extra?: Record<string, number | null>;
}

export interface MachineInfo {
  node: string;
  platform: NodeJS.Platform;
  os: string;
  arch: string;
  cpus: number;
  cpuModel: string;
  totalMemMb: number;
  /** 1/5/15-minute load average when the run started: a busy machine explains noisy numbers. */
  loadavgAtStart: number[];
}

export interface BenchReport {
  schema: 'faultline.bench.agent/1';
  timestamp: string;
  mode: 'quick' | 'full';
  machine: MachineInfo;
  totalDurationS: number;
  /** Unexpected behaviour of a child process during the run (e.g. an unclean stop). */
  warnings: string[];
  benchmarks: BenchResult[];
}

export function machineInfo(): MachineInfo {
  const cores = cpus();
  return {
    node: process.version,
    platform: process.platform,
    os: `${osType()} ${release()}`,
    arch: process.arch,
    cpus: cores.length,
    cpuModel: cores[0]?.model ?? 'unknown',
    totalMemMb: Math.round(totalmem() / 1024 / 1024),
    loadavgAtStart: loadavg().map((n) => Math.round(n * 100) / 100),
  };
}

export function toResult(name: string, params: Params, stats: LoopStats, extra?: Record<string, number | null>): BenchResult {
  // Spelled out so agent.json lists the fields in reading order, the common ones first.
  return {
    name,
    params,
    requests: stats.requests,
    durationS: stats.durationS,
    rps: stats.rps,
    p50Ms: stats.p50Ms,
    p90Ms: stats.p90Ms,
    p99Ms: stats.p99Ms,
    maxMs: stats.maxMs,
    errors: stats.errors,
    non2xx: stats.non2xx,
    statusCounts: stats.statusCounts,
    errorSamples: stats.errorSamples,
    ...(extra === undefined ? {} : { extra }),
  };
}

export async function writeReport(path: string, report: BenchReport): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
}

const COLUMNS = ['benchmark', 'conc', 'requests', 'rps', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'err', 'non2xx'] as const;

function fmt(value: number | null, digits: number): string {
  return value === null ? '-' : value.toFixed(digits);
}

function row(r: BenchResult): string[] {
  return [
    r.name,
    String(r.params.concurrency ?? '-'),
    String(r.requests),
    fmt(r.rps, 0),
    fmt(r.p50Ms, 2),
    fmt(r.p90Ms, 2),
    fmt(r.p99Ms, 2),
    fmt(r.maxMs, 2),
    String(r.errors),
    String(r.non2xx),
  ];
}

/** A fixed-width table: first column left-aligned, numbers right-aligned. */
export function formatTable(results: readonly BenchResult[]): string {
  const rows = [[...COLUMNS], ...results.map(row)];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((cells) => cells[i]?.length ?? 0)));
  const line = (cells: string[]): string =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  const header = rows[0] ?? [];
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** Lines worth reading after the table: status codes, error samples, extras. */
export function formatNotes(results: readonly BenchResult[]): string[] {
  const notes: string[] = [];
  for (const r of results) {
    if (r.non2xx > 0) notes.push(`${r.name}: non-2xx statuses ${JSON.stringify(r.statusCounts)}`);
    for (const sample of r.errorSamples) notes.push(`${r.name}: error: ${sample}`);
    if (r.extra !== undefined) {
      const parts = Object.entries(r.extra).map(([k, v]) => `${k}=${v ?? '-'}`);
      notes.push(`${r.name}: ${parts.join(' ')}`);
    }
  }
  return notes;
}
