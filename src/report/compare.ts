import type { Report, ReportVerdict, ScenarioReport } from './model.js';
import type { TimeTolerance, Tolerances } from './tolerances.js';

/**
 * `faultline compare`: what changed between two reports (two releases, two commits). Pure.
 * Scenarios are matched by name, faults by name within a scenario, SLIs by SLO, phase and
 * source. A figure that moved within its tolerance is noise; a row regresses when any of its
 * figures got worse beyond tolerance (docs/reports.md has the rules):
 *
 * - verdict: worse is pass → inconclusive → fail, always a regression (and the reverse an
 *   improvement);
 * - MTTD, MTTR: worse when head > base × (1 + pct) and head − base > floor; a time that
 *   becomes null (never detected, never recovered) is worse, one that appears is better;
 * - SLI: worse when it drops by more than the tolerance in percentage points and ends below
 *   its SLO's objective (a drop that still meets the objective spends no more than the budget
 *   allows, so it is noise: 100 % → 99.8 % on a 99 % SLO is not a regression);
 * - score: worse when it drops by more than the tolerance in points.
 *
 * Improvements are the mirror image (the same test with base and head swapped). Scenarios,
 * faults and SLIs present on one side only are shown (new, missing, notes) but never regress.
 */

export type RowStatus = 'regressed' | 'improved' | 'unchanged' | 'new' | 'missing';
/** noise: moved within tolerance; note: cannot be ranked (present on one side, no data). */
export type ChangeEffect = 'regression' | 'improvement' | 'noise' | 'note';

export interface Change {
  figure: 'verdict' | 'score' | 'mttd' | 'mttr' | 'sli' | 'fault';
  /** The fault, or "slo phase source" for an SLI; empty for the scenario's own figures. */
  subject: string;
  base: string | number | null;
  head: string | number | null;
  effect: ChangeEffect;
  /** One line, e.g. "MTTR burn-cpu 1.2 s → 3.4 s (+183 %)". */
  text: string;
}

export interface ScenarioSide {
  verdict: ReportVerdict;
  score: number | null;
}

export interface ScenarioComparison {
  scenario: string;
  status: RowStatus;
  base: ScenarioSide | null;
  head: ScenarioSide | null;
  /** Every figure that differs, noise included, in report order. */
  changes: Change[];
  /** What a reader needs: regressions, then improvements, then notes (noise left out). */
  reasons: string[];
}

export interface RunSide {
  id: string;
  release: string;
  suite: string;
  commit: string | null;
  startedAt: string;
  verdict: ReportVerdict;
  score: number | null;
}

export interface Comparison {
  base: RunSide;
  head: RunSide;
  tolerances: Tolerances;
  /** One per scenario in either report, by name. */
  rows: ScenarioComparison[];
  counts: Record<RowStatus, number>;
  /** True when any row regressed (`--fail-on-regression` then exits 1). */
  regressed: boolean;
  /** About the pair itself, e.g. different suites. */
  notes: string[];
}

/**
 * What changed from `base` to `head`: a row per scenario (regressed, improved, unchanged, new or
 * missing) with every change and its effect under `tolerances` (DEFAULT_TOLERANCES: MTTD/MTTR
 * 20 % and 500 ms, SLI 0.1 pp below objective, score 5 points). Pure.
 */
export function compareReports(base: Report, head: Report, tolerances: Tolerances): Comparison {
  const heads = new Map(head.scenarios.map((s) => [s.name, s]));
  const bases = new Map(base.scenarios.map((s) => [s.name, s]));
  const names = [...new Set([...bases.keys(), ...heads.keys()])].sort();
  const rows = names.map((name) => compareScenario(name, bases.get(name), heads.get(name), tolerances));
  const counts: Record<RowStatus, number> = { regressed: 0, improved: 0, unchanged: 0, new: 0, missing: 0 };
  for (const row of rows) counts[row.status]++;
  const notes: string[] = [];
  if (base.run.suite !== head.run.suite) notes.push(`different suites: base ${base.run.suite}, head ${head.run.suite}`);
  return { base: runSide(base), head: runSide(head), tolerances, rows, counts, regressed: counts.regressed > 0, notes };
}

function runSide(report: Report): RunSide {
  const { id, release, suite, commit, startedAt, verdict, score } = report.run;
  return { id, release, suite, commit, startedAt, verdict, score };
}

const side = (s: ScenarioReport): ScenarioSide => ({ verdict: s.verdict, score: s.score });

function compareScenario(name: string, base: ScenarioReport | undefined, head: ScenarioReport | undefined, t: Tolerances): ScenarioComparison {
  if (base === undefined || head === undefined) {
    const only = (base ?? head) as ScenarioReport;
    const where = base === undefined ? 'head' : 'base';
    return {
      scenario: name,
      status: base === undefined ? 'new' : 'missing',
      base: base === undefined ? null : side(base),
      head: head === undefined ? null : side(head),
      changes: [],
      reasons: [`only in ${where} (${only.verdict}, score ${fmtScore(only.score)})`],
    };
  }
  const changes: Change[] = [];
  const push = (change: Change | null) => {
    if (change !== null) changes.push(change);
  };
  push(compareVerdict(base.verdict, head.verdict));
  push(compareScore(base.score, head.score, t.score));
  const headFaults = new Map(head.faults.map((f) => [f.name, f]));
  for (const fault of base.faults) {
    const other = headFaults.get(fault.name);
    if (other === undefined) {
      push({ figure: 'fault', subject: fault.name, base: fault.name, head: null, effect: 'note', text: `fault ${fault.name} only in base` });
      continue;
    }
    push(compareTime('mttd', fault.name, fault.mttdMs, other.mttdMs, t.mttd));
    push(compareTime('mttr', fault.name, fault.mttrMs, other.mttrMs, t.mttr));
  }
  const baseFaults = new Set(base.faults.map((f) => f.name));
  for (const fault of head.faults) {
    if (!baseFaults.has(fault.name)) push({ figure: 'fault', subject: fault.name, base: null, head: fault.name, effect: 'note', text: `fault ${fault.name} only in head` });
  }
  const sliKey = (s: ScenarioReport['slis'][number]) => `${s.slo} ${s.phase} ${s.source}`;
  const headSlis = new Map(head.slis.map((s) => [sliKey(s), s]));
  for (const sli of base.slis) {
    const key = sliKey(sli);
    const other = headSlis.get(key);
    if (other === undefined) push({ figure: 'sli', subject: key, base: sli.sli, head: null, effect: 'note', text: `SLI ${key} only in base` });
    else push(compareSli(key, sli.sli, other.sli, t.sliPp, other.objective));
  }
  const baseSlis = new Set(base.slis.map(sliKey));
  for (const sli of head.slis) {
    const key = sliKey(sli);
    if (!baseSlis.has(key)) push({ figure: 'sli', subject: key, base: null, head: sli.sli, effect: 'note', text: `SLI ${key} only in head` });
  }
  const has = (effect: ChangeEffect) => changes.some((c) => c.effect === effect);
  const order: ChangeEffect[] = ['regression', 'improvement', 'note'];
  return {
    scenario: name,
    status: has('regression') ? 'regressed' : has('improvement') ? 'improved' : 'unchanged',
    base: side(base),
    head: side(head),
    changes,
    reasons: order.flatMap((effect) => changes.filter((c) => c.effect === effect).map((c) => c.text)),
  };
}

const VERDICT_RANK: Record<ReportVerdict, number> = { pass: 0, inconclusive: 1, fail: 2 };

function compareVerdict(base: ReportVerdict, head: ReportVerdict): Change | null {
  if (base === head) return null;
  return { figure: 'verdict', subject: '', base, head, effect: VERDICT_RANK[head] > VERDICT_RANK[base] ? 'regression' : 'improvement', text: `verdict ${base} → ${head}` };
}

/** Strictly more, ignoring floating-point dust (a 0.1 pp tolerance must not trip on 0.1000000001). */
const exceeds = (a: number, b: number): boolean => a - b > 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

function compareScore(base: number | null, head: number | null, points: number): Change | null {
  if (base === head) return null;
  const text = `score ${fmtScore(base)} → ${fmtScore(head)}`;
  if (base === null || head === null) return { figure: 'score', subject: '', base, head, effect: 'note', text };
  const effect = exceeds(base - head, points) ? 'regression' : exceeds(head - base, points) ? 'improvement' : 'noise';
  return { figure: 'score', subject: '', base, head, effect, text: `${text} (${signed(round1(head - base))})` };
}

/** Worse when it grew by more than pct of the smaller value and by more than the floor. */
const grew = (from: number, to: number, t: TimeTolerance): boolean => exceeds(to, from * (1 + t.pct / 100)) && exceeds(to - from, t.floorMs);

function compareTime(figure: 'mttd' | 'mttr', fault: string, base: number | null, head: number | null, t: TimeTolerance): Change | null {
  if (base === head) return null;
  const never = figure === 'mttd' ? 'never detected' : 'never recovered';
  const show = (ms: number | null) => (ms === null ? never : fmtMs(ms));
  let effect: ChangeEffect;
  if (base === null) effect = 'improvement';
  else if (head === null) effect = 'regression';
  else effect = grew(base, head, t) ? 'regression' : grew(head, base, t) ? 'improvement' : 'noise';
  const pct = base !== null && head !== null && base > 0 ? ` (${signed(Math.round(((head - base) / base) * 100))} %)` : '';
  return { figure, subject: fault, base, head, effect, text: `${figure.toUpperCase()} ${fault} ${show(base)} → ${show(head)}${pct}` };
}

function compareSli(key: string, base: number | null, head: number | null, pp: number, objective: number): Change | null {
  if (base === head) return null;
  if (base === null || head === null) {
    return { figure: 'sli', subject: key, base, head, effect: 'note', text: `SLI ${key} ${base === null ? 'no events' : fmtRatio(base)} → ${head === null ? 'no events' : fmtRatio(head)}` };
  }
  const delta = (head - base) * 100;
  const effect = exceeds(-delta, pp) && head < objective ? 'regression' : exceeds(delta, pp) && base < objective ? 'improvement' : 'noise';
  const [from, to] = ratioPair(base, head);
  const shown = Math.abs(delta) >= 1 ? delta.toFixed(1) : delta.toFixed(2);
  return { figure: 'sli', subject: key, base, head, effect, text: `SLI ${key} ${from} → ${to} (${delta > 0 ? '+' : ''}${shown} pp)` };
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
const signed = (x: number): string => (x > 0 ? `+${x}` : String(x));
const fmtScore = (x: number | null): string => (x === null ? 'none' : String(round1(x)));

/** 45 → "45 ms", 1234 → "1.2 s". */
export function fmtMs(ms: number): string {
  return Math.abs(ms) < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

const fmtRatio = (x: number): string => `${(x * 100).toFixed(1)} %`;

/** Two ratios as percentages with just enough decimals (1 to 4) to tell them apart. */
function ratioPair(a: number, b: number): [string, string] {
  for (let digits = 1; digits < 4; digits++) {
    const pa = (a * 100).toFixed(digits);
    const pb = (b * 100).toFixed(digits);
    if (pa !== pb) return [`${pa} %`, `${pb} %`];
  }
  return [`${(a * 100).toFixed(4)} %`, `${(b * 100).toFixed(4)} %`];
}
