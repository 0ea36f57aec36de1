import type { MachineInfo } from './report.js';
import type { SampleSummary } from './sample-stats.js';
import type { OverheadResult, ThroughputResult } from './toxiproxy-overhead.js';
import type { BandwidthResult, JitterResult, LatencyResult } from './toxiproxy-precision.js';

/** The results of bench/toxiproxy.ts, as written to bench/results/toxiproxy.json. */
export interface ToxiproxyReport {
  schema: 'faultline.bench.toxiproxy/1';
  timestamp: string;
  mode: 'quick' | 'full';
  machine: MachineInfo;
  totalDurationS: number;
  /** Where the parts ran: the proxy shares this process with the latency clients. */
  setup: { serverSeed: number; proxyProcess: string; upstreams: string; client: string };
  /** Unexpected behaviour seen on the way (unclean stops, failed API calls). */
  warnings: string[];
  overhead: { latency: OverheadResult[]; throughput: ThroughputResult };
  latencyToxic: { baselineRtt: SampleSummary; levels: LatencyResult[]; jitter: JitterResult };
  bandwidth: BandwidthResult[];
  goals: Goal[];
}

export interface Goal {
  id: string;
  description: string;
  target: string;
  measured: number | null;
  /** null when nothing could be measured. */
  met: boolean | null;
  note?: string;
}

type Parts = Omit<ToxiproxyReport, 'schema' | 'timestamp' | 'mode' | 'machine' | 'totalDurationS' | 'setup' | 'warnings' | 'goals'>;

/** A goal is met only by a clean measurement: failed operations make the number suspect. */
function goal(id: string, description: string, target: string, measured: number | null, pass: (v: number) => boolean, errors: number): Goal {
  const g: Goal = { id, description, target, measured, met: measured === null ? null : pass(measured) && errors === 0 };
  if (errors > 0) g.note = `${errors} failed operations in this measurement`;
  return g;
}

/** The goals of the issue, each checked against this run's numbers. */
export function evaluateGoals(parts: Parts): Goal[] {
  const goals: Goal[] = [];
  for (const o of parts.overhead.latency.filter((r) => r.connections === 1)) {
    goals.push(goal(`overhead.${o.name}.addedP50`, `added p50 latency, ${o.upstream}, sequential (1 connection)`, '<= 0.15 ms', o.addedP50Ms, (v) => v <= 0.15, o.direct.errors + o.proxy.errors));
  }
  const t = parts.overhead.throughput;
  const tp = goal('overhead.http.throughputRatio', `HTTP throughput proxy/direct (${t.tool})`, '>= 0.60', t.ratio, (v) => v >= 0.6, t.direct.errors + t.proxy.errors + t.direct.non2xx + t.proxy.non2xx);
  if (tp.met === false && t.pipeRatio !== null && t.pipeRatio < 0.6) {
    // Tells "the proxy is slow" apart from "no Node relay can do it on this machine".
    tp.note = [tp.note, `a bare socket.pipe relay reached only ${t.pipeRatio} of direct here (proxy/pipe ${t.proxyVsPipe})`].filter(Boolean).join('; ');
  }
  goals.push(tp);
  for (const l of parts.latencyToxic.levels) {
    goals.push(goal(`latency.${l.latencyMs}ms.medianError`, `latency toxic ${l.latencyMs} ms: median error of the added delay`, '|error| <= 1 ms', l.medianErrorMs, (v) => Math.abs(v) <= 1, l.errors));
  }
  const j = parts.latencyToxic.jitter;
  const ks = goal('latency.jitter.ks', `latency ${j.latencyMs} ± ${j.jitterMs} ms: KS test against ${j.expected}`, `D <= 1.63/sqrt(n) = ${j.ks.critical01}`, j.ks.d, () => !j.ks.rejected01, j.errors);
  if (j.ks.n < 200) ks.note = [ks.note, `only ${j.ks.n} samples (quick run?)`].filter(Boolean).join('; ');
  goals.push(ks);
  for (const b of parts.bandwidth) {
    goals.push(goal(`bandwidth.${b.rateKBps}KBps.errorPct`, `bandwidth ${b.rateKBps} KB/s: achieved vs target`, '|error| <= 5 %', b.errorPct, (v) => Math.abs(v) <= 5, 0));
  }
  return goals;
}

/** A fixed-width table: first column left-aligned, the rest right-aligned. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((cells) => cells[i]?.length ?? 0)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function f(value: number | null | undefined, digits: number): string {
  return value === null || value === undefined ? '-' : value.toFixed(digits);
}

function overheadTable(rows: readonly OverheadResult[]): string {
  return textTable(
    ['path', 'conns', 'samples d/p', 'p50 direct', 'p50 proxy', '+p50', 'p99 direct', 'p99 proxy', '+p99', 'errors'],
    rows.map((r) => [
      r.name,
      String(r.connections),
      `${r.direct.samples}/${r.proxy.samples}`,
      f(r.direct.p50Ms, 3),
      f(r.proxy.p50Ms, 3),
      f(r.addedP50Ms, 3),
      f(r.direct.p99Ms, 3),
      f(r.proxy.p99Ms, 3),
      f(r.addedP99Ms, 3),
      String(r.direct.errors + r.proxy.errors),
    ]),
  );
}

function throughputTable(t: ThroughputResult): string {
  const row = (name: string, x: ThroughputResult['direct']): string[] => [name, String(x.requests), f(x.rps, 0), f(x.p50Ms, 3), f(x.p90Ms, 3), f(x.p99Ms, 3), String(x.errors), String(x.non2xx)];
  const rows = [row('direct', t.direct), row('bare pipe (reference)', t.pipeReference), row('proxy', t.proxy)];
  const table = textTable(['target', 'requests', 'rps', 'p50 ms', 'p90 ms', 'p99 ms', 'errors', 'non2xx'], rows);
  const ratios = `proxy/direct ${f(t.ratio, 3)}; bare pipe/direct ${f(t.pipeRatio, 3)}; proxy/bare pipe ${f(t.proxyVsPipe, 3)}`;
  return `${table}\n${ratios}${t.note === undefined ? '' : `\nnote: ${t.note}`}`;
}

function latencyTable(levels: readonly LatencyResult[]): string {
  return textTable(
    ['latency ms', 'conns', 'samples', 'median added', 'median err', 'p95 |err|', 'min err', 'max err', 'rt < latency', 'errors', 'setTimeout late p50 [min, max]'],
    levels.map((l) => [
      String(l.latencyMs),
      String(l.connections),
      String(l.samples),
      f(l.medianAddedMs, 3),
      f(l.medianErrorMs, 3),
      f(l.p95AbsErrorMs, 3),
      f(l.minErrorMs, 3),
      f(l.maxErrorMs, 3),
      String(l.roundTripsBelowLatency),
      String(l.errors),
      `${f(l.timerReference.medianLateMs, 3)} [${f(l.timerReference.minLateMs, 2)}, ${f(l.timerReference.maxLateMs, 2)}]`,
    ]),
  );
}

function jitterText(j: JitterResult): string {
  const d = j.delay;
  return [
    `latency ${j.latencyMs} jitter ${j.jitterMs}, ${j.connections} connections: n=${j.ks.n}, delay min ${f(d.minMs, 2)} / p50 ${f(d.p50Ms, 2)} / mean ${f(d.meanMs, 2)} / max ${f(d.maxMs, 2)} ms`,
    `KS vs ${j.expected}: D=${j.ks.d}, critical(0.01)=${j.ks.critical01}, p=${j.ks.pValue} -> ${j.ks.rejected01 ? 'REJECTED' : 'not rejected'} at 0.01`,
    `10 ms bins from ${j.latencyMs - j.jitterMs}: ${j.histogram.map((b) => b.count).join(' ')}`,
  ].join('\n');
}

function bandwidthTable(rows: readonly BandwidthResult[]): string {
  return textTable(
    ['rate KB/s', 'payload B', 'elapsed s', 'first byte ms', 'achieved KB/s', 'error %'],
    rows.map((b) => [String(b.rateKBps), String(b.payloadBytes), f(b.elapsedS, 3), f(b.firstByteMs, 1), f(b.achievedKBps, 2), f(b.errorPct, 2)]),
  );
}

function goalsTable(goals: readonly Goal[]): string {
  return textTable(
    ['goal', 'target', 'measured', 'met'],
    goals.map((g) => [g.id, g.target, g.measured === null ? '-' : String(g.measured), g.met === null ? '-' : g.met ? 'yes' : 'NO']),
  );
}

export function formatReport(report: ToxiproxyReport): string {
  const { overhead, latencyToxic } = report;
  return [
    'Pass-through overhead: round trip in ms, direct vs through the proxy (no toxic)',
    overheadTable(overhead.latency),
    '',
    `HTTP throughput (${overhead.throughput.command})`,
    throughputTable(overhead.throughput),
    '',
    `Latency toxic (downstream), echo round trips minus the no-toxic round trip (median ${f(latencyToxic.baselineRtt.p50Ms, 3)} ms)`,
    latencyTable(latencyToxic.levels),
    '',
    'Jitter',
    jitterText(latencyToxic.jitter),
    '',
    'Bandwidth toxic (downstream, KB = 1000 B)',
    bandwidthTable(report.bandwidth),
    '',
    'Goals',
    goalsTable(report.goals),
    ...report.goals.filter((g) => g.note !== undefined).map((g) => `note: ${g.id}: ${g.note}`),
    ...latencyToxic.levels
      .filter((l) => l.roundTripsBelowLatency > 0)
      .map((l) => `note: latency ${l.latencyMs} ms: ${l.roundTripsBelowLatency} of ${l.samples} round trips took less than ${l.latencyMs} ms (shortest ${f(l.minRoundTripMs, 3)} ms): the toxic released chunks early`),
    ...report.warnings.map((w) => `warning: ${w}`),
  ].join('\n');
}
