import { hostname } from 'node:os';
import type { ScenarioVerdict } from '../judge/judge.js';
import { timelineStart } from '../judge/timeline.js';
import type { HealthSample, Recording, RecordedEvent } from '../record/types.js';
import type { ResolvedScenario, ResolvedSuite } from '../scenario/types.js';
import { loadTotals } from '../slo/events.js';
import { VERSION } from '../version.js';
import { REPORT_SCHEMA_VERSION, type Report, type ReportSeries, type ScenarioReport } from './model.js';
import { runScore, scenarioScore } from './score.js';

/**
 * Builds the canonical report from what a run produced: the Recordings, the judge's verdicts
 * and the resolved suite. Pure: the caller gathers file names and run metadata.
 */

export interface ScenarioInput {
  scenario: ResolvedScenario;
  recording: Recording;
  verdict: ScenarioVerdict;
  /** Relative to the report folder. */
  files: { recording: string | null; logs: string[] };
}

export interface RunInput {
  suite: ResolvedSuite;
  id: string;
  release: string;
  commit: string | null;
  startedAt: string;
  durationMs: number;
  shard: { index: number; total: number } | null;
  interrupted: boolean;
  cleanupFailures: string[];
  scenarios: ScenarioInput[];
  skipped: { name: string; reason: string }[];
}

/** Milliseconds to 0.1 ms: sub-millisecond digits are noise in a report. */
const r1 = (ms: number): number => Math.round(ms * 10) / 10;
const r1n = (ms: number | null): number | null => (ms === null ? null : r1(ms));

export function buildReport(input: RunInput): Report {
  const scenarios = input.scenarios.map((s) => buildScenarioReport(input.suite, s));
  return assembleReport({
    tool: { name: 'faultline', version: VERSION },
    run: {
      id: input.id,
      release: input.release,
      commit: input.commit,
      suite: input.suite.name,
      seed: input.suite.seed,
      startedAt: input.startedAt,
      durationMs: Math.round(input.durationMs),
      shard: input.shard,
      mergedFrom: [],
      host: hostname(),
      node: process.version,
      interrupted: input.interrupted,
      cleanupFailures: input.cleanupFailures,
    },
    scenarios,
    skipped: input.skipped,
  });
}

/** The run-level verdict, score and counts from the scenarios (also used by merge). */
export function assembleReport(parts: { tool: Report['tool']; run: Omit<Report['run'], 'verdict' | 'reason' | 'score'>; scenarios: ScenarioReport[]; skipped: Report['skipped'] }): Report {
  const { scenarios } = parts;
  const count = (v: string) => scenarios.filter((s) => s.verdict === v).length;
  const assertions = scenarios.flatMap((s) => s.assertions);
  const countA = (v: string) => assertions.filter((a) => a.verdict === v).length;
  const { verdict, reason } = runVerdict(parts.run, scenarios);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: parts.tool,
    run: { ...parts.run, verdict, reason, score: runScore(scenarios.map((s) => s.score)) },
    summary: {
      scenarios: { total: scenarios.length, passed: count('pass'), failed: count('fail'), inconclusive: count('inconclusive'), skipped: parts.skipped.length },
      assertions: { total: assertions.length, passed: countA('pass'), failed: countA('fail'), inconclusive: countA('inconclusive') },
    },
    scenarios,
    skipped: parts.skipped,
  };
}

function runVerdict(run: { interrupted: boolean; cleanupFailures: string[] }, scenarios: readonly ScenarioReport[]): { verdict: Report['run']['verdict']; reason: string } {
  const failed = scenarios.filter((s) => s.verdict === 'fail').map((s) => s.name);
  if (failed.length > 0) return { verdict: 'fail', reason: `${failed.length} scenario${failed.length === 1 ? '' : 's'} failed: ${failed.join(', ')}` };
  if (run.cleanupFailures.length > 0) return { verdict: 'fail', reason: `cleanup failed: ${run.cleanupFailures.join('; ')}` };
  if (run.interrupted) return { verdict: 'inconclusive', reason: 'the run was interrupted' };
  if (scenarios.length === 0) return { verdict: 'inconclusive', reason: 'no scenario ran' };
  const open = scenarios.filter((s) => s.verdict === 'inconclusive').map((s) => s.name);
  if (open.length > 0) return { verdict: 'inconclusive', reason: `${open.length} scenario${open.length === 1 ? ' was' : 's were'} inconclusive: ${open.join(', ')}` };
  return { verdict: 'pass', reason: `all ${scenarios.length} scenario${scenarios.length === 1 ? '' : 's'} passed` };
}

export function buildScenarioReport(suite: ResolvedSuite, input: ScenarioInput): ScenarioReport {
  const { scenario, recording, verdict } = input;
  const t0 = timelineStart(recording);
  const rel = (t: number) => r1(t - t0);
  const relN = (t: number | null) => (t === null ? null : rel(t));
  const times = new Map(verdict.faults.map((f) => [f.fault, f]));
  const alertDefs = new Map(suite.alerts.map((a) => [a.name, a]));
  const durability = recording.durability;
  const report: ScenarioReport = {
    name: scenario.name,
    description: scenario.description,
    tags: scenario.tags,
    file: relativeTo(suite.dir, scenario.file),
    verdict: verdict.verdict,
    reason: verdict.reason,
    score: scenarioScore(verdict.assertions, recording.status === 'completed' && recording.faults.every((f) => f.effect !== 'not-effective')),
    status: recording.status,
    statusReason: recording.reason,
    startedAt: new Date(Date.parse(recording.startedAt) + Math.round(t0)).toISOString(),
    seed: recording.seed,
    timelineMs: scenario.durationMs,
    phases: recording.phases.map((p) => ({ name: p.name, plannedStartMs: rel(p.plannedStart), plannedEndMs: rel(p.plannedEnd), startMs: relN(p.start), endMs: relN(p.end) })),
    faults: recording.faults.map((f) => {
      const judged = times.get(f.name);
      return {
        name: f.name,
        kind: f.kind,
        plannedStartMs: rel(f.plannedStart),
        plannedEndMs: rel(f.plannedEnd),
        appliedAtMs: relN(f.appliedAt),
        revertedAtMs: relN(f.revertedAt),
        requested: f.requested,
        achieved: f.achieved,
        effect: f.effect,
        evidence: f.evidence,
        mttdMs: r1n(judged?.mttdMs ?? null),
        detectedBy: judged?.detectedBy ?? null,
        mttrMs: r1n(judged?.mttrMs ?? null),
      };
    }),
    assertions: verdict.assertions,
    slis: verdict.slis,
    alerts: verdict.alerts.map((a) => {
      const def = alertDefs.get(a.alert);
      return {
        name: a.alert,
        slo: a.slo,
        source: a.source,
        severity: def?.severity ?? 'page',
        burnRate: a.burnRate,
        longWindowMs: def?.longMs ?? 0,
        shortWindowMs: def?.shortMs ?? 0,
        forMs: def?.forMs ?? 0,
        keepFiringForMs: def?.keepFiringForMs ?? 0,
        transitions: a.transitions,
        firing: a.firing,
        ...(a.error === undefined ? {} : { error: a.error }),
      };
    }),
    levels: verdict.levels,
    findings: verdict.findings,
    ...(verdict.prometheus === undefined ? {} : { prometheus: verdict.prometheus }),
    ...(durability === undefined
      ? {}
      : {
          durability: {
            attempted: durability.attempted,
            acknowledged: durability.acknowledged,
            verified: durability.verified,
            lost: durability.lost.length,
            mismatched: durability.mismatched.length,
            failedWrites: durability.failedWrites,
            examples: [...durability.lost, ...durability.mismatched].slice(0, 5),
          },
        }),
    healthChanges: healthChanges(recording.health).map((c) => ({ t: rel(c.t), state: c.state })),
    events: recording.events.filter((e) => e.type !== 'phase').map((e) => ({ t: rel(e.t), type: e.type, text: describeEvent(e) })),
    series: downsample(recording, verdict, t0, scenario.durationMs),
    files: input.files,
  };
  return report;
}

/** Three-valued transitions (the chart draws UNREACHABLE apart from DOWN). */
function healthChanges(samples: readonly HealthSample[]): { t: number; state: HealthSample['state'] }[] {
  const out: { t: number; state: HealthSample['state'] }[] = [];
  for (const s of samples) if (out[out.length - 1]?.state !== s.state) out.push({ t: s.t, state: s.state });
  return out;
}

export function describeEvent(e: RecordedEvent): string {
  switch (e.type) {
    case 'phase':
      return `${e.phase} ${e.edge}`;
    case 'fault-applied':
      return `fault ${e.fault} applied`;
    case 'fault-reverted':
      return `fault ${e.fault} reverted`;
    case 'fault-failed':
      return `fault ${e.fault} failed: ${e.message}`;
    case 'process-started':
      return `${e.process} started (pid ${e.pid})`;
    case 'process-ready':
      return `${e.process} ready`;
    case 'process-exited':
      return `${e.process} exited (${e.signal ?? `code ${String(e.code)}`})${e.expected ? '' : ', unexpectedly'}`;
    case 'process-restart':
      return `${e.process} restarts in ${e.delayMs} ms (attempt ${e.attempt})`;
    case 'health':
      return `health ${e.from ?? '-'} → ${e.to}`;
    case 'abort':
      return `aborted (${e.condition}): ${e.message}`;
    case 'interrupted':
      return `interrupted by ${e.signal}`;
    case 'note':
      return e.message;
  }
}

const WORSE: Record<HealthSample['state'], number> = { UP: 0, DOWN: 1, UNREACHABLE: 2 };

/** The Recording's series in 1 s buckets over the timeline, for charts without raw data. */
export function downsample(recording: Recording, verdict: ScenarioVerdict, t0: number, timelineMs: number): ReportSeries {
  const step = 1000;
  const n = Math.max(1, Math.ceil(timelineMs / step));
  const t = Array.from({ length: n }, (_, k) => k * step);
  const empty = () => Array.from({ length: n }, (): number | null => null);
  const bucket = (time: number) => Math.floor((time - t0) / step);
  const inRange = (k: number) => k >= 0 && k < n;

  const rps = empty();
  const errorRatio = empty();
  const p50 = empty();
  const p95 = empty();
  const p99 = empty();
  const bad = empty();
  for (const second of recording.load) {
    // Load seconds start on the load's own clock, a few ms after timeline 0: round, don't floor.
    const k = Math.round((second.t - t0) / step);
    if (!inRange(k)) continue;
    const { total, fiveXx, failed } = loadTotals(second);
    rps[k] = (rps[k] ?? 0) + total;
    bad[k] = (bad[k] ?? 0) + fiveXx + failed;
    if (second.latency.count > 0) {
      p50[k] = Math.max(p50[k] ?? 0, r1(second.latency.p50));
      p95[k] = Math.max(p95[k] ?? 0, r1(second.latency.p95));
      p99[k] = Math.max(p99[k] ?? 0, r1(second.latency.p99));
    }
  }
  for (let k = 0; k < n; k++) {
    const total = rps[k];
    if (total !== null && total !== undefined && total > 0) errorRatio[k] = Math.round(((bad[k] ?? 0) / total) * 1e6) / 1e6;
  }

  const health: ReportSeries['health'] = Array.from({ length: n }, () => null);
  for (const s of recording.health) {
    const k = bucket(s.t);
    if (!inRange(k)) continue;
    const current = health[k];
    if (current === null || current === undefined || WORSE[s.state] > WORSE[current]) health[k] = s.state;
  }

  // Resource samples carry a pid; the process events name it (a restarted process gets a new pid).
  const names = new Map<number, string>();
  for (const e of recording.events) if (e.type === 'process-started') names.set(e.pid, e.process);
  const cpu: Record<string, (number | null)[]> = {};
  const rssBytes: Record<string, (number | null)[]> = {};
  const cpuSums = new Map<string, { sum: number[]; count: number[] }>();
  for (const s of recording.resources) {
    const k = bucket(s.t);
    if (!inRange(k)) continue;
    const name = names.get(s.pid) ?? `pid ${s.pid}`;
    let acc = cpuSums.get(name);
    if (acc === undefined) {
      acc = { sum: new Array<number>(n).fill(0), count: new Array<number>(n).fill(0) };
      cpuSums.set(name, acc);
      rssBytes[name] = empty();
    }
    acc.sum[k] = (acc.sum[k] ?? 0) + s.cpu;
    acc.count[k] = (acc.count[k] ?? 0) + 1;
    (rssBytes[name] as (number | null)[])[k] = s.rssBytes;
  }
  for (const [name, acc] of cpuSums) cpu[name] = acc.sum.map((sum, k) => ((acc.count[k] ?? 0) === 0 ? null : Math.round((sum / (acc.count[k] ?? 1)) * 1000) / 1000));

  const heapUsedBytes = empty();
  for (const s of recording.injector) {
    const k = bucket(s.t);
    if (inRange(k)) heapUsedBytes[k] = s.heapUsed;
  }

  // Burn rates: the last evaluation at or before each bucket's end (held between evaluations).
  const burn: ReportSeries['burn'] = {};
  const round = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);
  for (const alert of verdict.alerts) {
    const long = empty();
    const short = empty();
    let i = 0;
    let last: (typeof alert.ticks)[number] | undefined;
    for (let k = 0; k < n; k++) {
      const end = (k + 1) * step;
      while (i < alert.ticks.length && (alert.ticks[i]?.t ?? Infinity) <= end) last = alert.ticks[i++];
      if (last !== undefined) {
        long[k] = round(last.longBurn);
        short[k] = round(last.shortBurn);
      }
    }
    burn[alert.alert] = { long, short };
  }

  return { stepMs: step, t, rps, errorRatio, p50, p95, p99, health, cpu, rssBytes, heapUsedBytes, burn };
}

function relativeTo(dir: string, file: string): string {
  if (file.startsWith(`${dir}/`)) return file.slice(dir.length + 1);
  return file;
}
