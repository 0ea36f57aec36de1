import type { Recording } from '../record/types.js';
import type { ErrorKind, PhaseName, ResolvedAlert, ResolvedExpectation, ResolvedScenario, ResolvedSlo, ResolvedSuite } from '../scenario/types.js';
import { errorBudget, errorRatio, evaluateAlert, evaluationTicks, levelTimeline, predictedFireMs, predictedResolveMs, stateAt, type AlertEvaluation, type LevelSpan } from '../slo/alerts.js';
import { EventSeries, SliProblem, clientEvents, loadTotals, serverEvents } from '../slo/events.js';
import { alertTransitions } from '../slo/prometheus.js';
import { anchorTime, healthAt, healthBetween, healthChanges, seconds, timelineStart, binary } from './timeline.js';

/**
 * The judge: turns a Recording and its resolved scenario into verdicts. Every assertion says
 * what was expected, what happened, and the evidence; missing data is `inconclusive`, never a
 * pass; a fault that did not take effect makes the whole scenario inconclusive.
 */

export type Verdict = 'pass' | 'fail' | 'inconclusive';

export interface Assertion {
  id: string;
  kind: ResolvedExpectation['kind'];
  verdict: Verdict;
  expected: string;
  actual: string;
  evidence: Record<string, unknown>;
}

export interface SliSummary {
  slo: string;
  phase: PhaseName | 'all';
  source: 'client' | 'server';
  total: number;
  bad: number;
  /** Good events / total; null without events. */
  sli: number | null;
  objective: number;
  /** Error ratio / budget over the phase. */
  burn: number | null;
}

export interface FaultTimes {
  fault: string;
  effect: Recording['faults'][number]['effect'];
  /** From the fault taking effect to the first sign of it: health leaving UP or an alert firing; null when nothing noticed. */
  mttdMs: number | null;
  detectedBy: string | null;
  /** From the fault's end to health UP for good (5 s stable, or to the end); null when it never recovered. */
  mttrMs: number | null;
}

export interface ScenarioVerdict {
  scenario: string;
  verdict: Verdict;
  /** Why the verdict is what it is, in one line. */
  reason: string;
  assertions: Assertion[];
  faults: FaultTimes[];
  slis: SliSummary[];
  alerts: (AlertEvaluation & { source: 'client' | 'server'; slo: string; burnRate: number; error?: string })[];
  levels: { slo: string; source: 'client' | 'server'; windowMs: number; spans: LevelSpan[] }[];
  /** Things worth knowing that are not verdicts, e.g. clients and the service's own metrics disagree. */
  findings: string[];
  /** With a real Prometheus: its firing periods per alert beside the judge's own, and how far apart they started and ended. */
  prometheus?: PrometheusComparison[];
}

export interface PrometheusComparison {
  alert: string;
  /** Prometheus's firing periods (scenario time, ms), from its rule states as polled. */
  firing: { from: number; to: number | null }[];
  /** The judge's own firing periods for the same alert. */
  own: { from: number; to: number | null }[];
  /** Prometheus minus the judge, per matching period start and end, ms (null where one side has none). */
  fireDeltaMs: number | null;
  resolveDeltaMs: number | null;
  error?: string;
}

const STABLE_FOR_MTTR_MS = 5_000;

interface Context {
  suite: ResolvedSuite;
  scenario: ResolvedScenario;
  recording: Recording;
  t0: number;
  end: number;
  client: Map<string, EventSeries>;
  server: Map<string, EventSeries | SliProblem>;
  alerts: Map<string, AlertEvaluation & { source: 'client' | 'server'; slo: string; burnRate: number; error?: string }>;
}

export function judgeScenario(suite: ResolvedSuite, scenario: ResolvedScenario, recording: Recording): ScenarioVerdict {
  const t0 = timelineStart(recording);
  const end = t0 + scenario.durationMs;
  const client = new Map<string, EventSeries>();
  const server = new Map<string, EventSeries | SliProblem>();
  for (const slo of suite.slos) {
    client.set(slo.name, clientEvents(recording.load, slo));
    if (slo.server !== null) {
      try {
        server.set(slo.name, serverEvents(recording.metrics, slo));
      } catch (error) {
        if (!(error instanceof SliProblem)) throw error;
        server.set(slo.name, error);
      }
    }
  }
  const ticks = evaluationTicks(t0, end, suite.evaluation.intervalMs);
  const alerts = new Map<string, Context['alerts'] extends Map<string, infer V> ? V : never>();
  for (const alert of suite.alerts) {
    const slo = suite.slos.find((s) => s.name === alert.slo);
    if (slo === undefined) continue;
    const series = alert.source === 'client' ? client.get(slo.name) : server.get(slo.name);
    const base = { source: alert.source, slo: slo.name, burnRate: alert.burnRate };
    if (series === undefined || series instanceof SliProblem) {
      alerts.set(alert.name, { alert: alert.name, ticks: [], transitions: [], firing: [], ...base, error: series instanceof SliProblem ? series.message : `the SLO ${slo.name} has no ${alert.source}-side SLI` });
      continue;
    }
    alerts.set(alert.name, { ...evaluateAlert({ alert, objective: slo.objective, series, ticks, minEvents: 1 }), ...base });
  }
  const context: Context = { suite, scenario, recording, t0, end, client, server, alerts };

  const assertions = scenario.expectations.map((e) => assess(context, e));
  const levels = suite.slos.flatMap((slo) => {
    const sources: ['client' | 'server', EventSeries | SliProblem | undefined][] = [['client', client.get(slo.name)], ['server', server.get(slo.name)]];
    return sources.flatMap(([source, series]) => (series instanceof EventSeries ? [{ slo: slo.name, source, windowMs: slo.windowMs, spans: levelTimeline(series, slo.objective, slo.windowMs, ticks, suite.evaluation.minEvents).spans }] : []));
  });
  const slis = sliSummaries(context);
  const findings = blindSpots(slis, suite);
  for (const [name, problem] of server) if (problem instanceof SliProblem) findings.push(`server-side SLI ${name}: ${problem.message}`);

  const faults = recording.faults.map((f) => faultTimes(context, f));
  const { verdict, reason } = overall(recording, assertions);
  const result: ScenarioVerdict = { scenario: scenario.name, verdict, reason, assertions, faults, slis, alerts: [...alerts.values()], levels, findings };
  if (recording.prometheus !== undefined) {
    result.prometheus = comparePrometheus(context, recording.prometheus);
    if (recording.prometheus.polls > 0 && recording.prometheus.failures.length === recording.prometheus.polls) findings.push(`Prometheus at ${suite.prometheus?.url ?? '?'} never answered (${recording.prometheus.failures[0]?.error ?? ''})`);
  }
  return result;
}

/** Prometheus's own alert states beside the judge's evaluation of the same rules. */
function comparePrometheus(c: Context, history: NonNullable<Recording['prometheus']>): PrometheusComparison[] {
  return c.suite.alerts
    .filter((a) => a.source === 'server')
    .map((alert) => {
      const samples = history.alerts[alert.name] ?? [];
      const firing: { from: number; to: number | null }[] = [];
      for (const tr of alertTransitions(samples)) {
        if (tr.kind === 'firing') firing.push({ from: tr.t - c.t0, to: null });
        if (tr.kind === 'resolved') {
          const open = firing[firing.length - 1];
          if (open !== undefined && open.to === null) open.to = tr.t - c.t0;
        }
      }
      const own = (c.alerts.get(alert.name)?.firing ?? []).map((f) => ({ from: f.from - c.t0, to: f.to === null ? null : f.to - c.t0 }));
      const first = firing[0];
      const mine = own[0];
      const error = samples.find((s) => s.error !== undefined)?.error ?? (samples.length === 0 ? 'Prometheus has no alerting rule of this name (load the file `faultline rules` writes)' : undefined);
      return {
        alert: alert.name,
        firing,
        own,
        fireDeltaMs: first === undefined || mine === undefined ? null : Math.round(first.from - mine.from),
        resolveDeltaMs: first?.to === undefined || first.to === null || mine?.to === undefined || mine.to === null ? null : Math.round(first.to - mine.to),
        ...(error === undefined ? {} : { error }),
      };
    });
}

function overall(recording: Recording, assertions: Assertion[]): { verdict: Verdict; reason: string } {
  const failed = assertions.filter((a) => a.verdict === 'fail');
  if (recording.status === 'aborted') return { verdict: 'fail', reason: `aborted: ${recording.reason ?? 'an abort condition held'}` };
  if (failed.length > 0) return { verdict: 'fail', reason: `${failed.length} of ${assertions.length} expectations failed: ${failed.map((a) => a.id).join(', ')}` };
  if (recording.status !== 'completed') return { verdict: 'inconclusive', reason: `the run was ${recording.status}${recording.reason === null ? '' : `: ${recording.reason}`}` };
  const ineffective = recording.faults.filter((f) => f.effect === 'not-effective');
  if (ineffective.length > 0) return { verdict: 'inconclusive', reason: `fault${ineffective.length > 1 ? 's' : ''} ${ineffective.map((f) => `${f.name} (${f.evidence})`).join(', ')} did not take effect: nothing can pass on a fault that did not happen` };
  const open = assertions.filter((a) => a.verdict === 'inconclusive');
  if (open.length > 0) return { verdict: 'inconclusive', reason: `${open.length} expectation${open.length > 1 ? 's' : ''} could not be decided: ${open.map((a) => a.id).join(', ')}` };
  if (assertions.length === 0) return { verdict: 'inconclusive', reason: 'the scenario states no expectations' };
  return { verdict: 'pass', reason: `all ${assertions.length} expectations held` };
}

function assess(c: Context, e: ResolvedExpectation): Assertion {
  switch (e.kind) {
    case 'steady-state':
      return steadyState(c, e);
    case 'health':
      return healthTransition(c, e);
    case 'recovery':
      return recovery(c, e);
    case 'alert-fires':
    case 'alert-resolves':
      return alertWithin(c, e);
    case 'alert-never':
      return alertNever(c, e);
    case 'slo':
      return sloMet(c, e);
    case 'errors':
      return errorsWithin(c, e);
    case 'durability':
      return durability(c, e);
  }
}

const make = (e: ResolvedExpectation, verdict: Verdict, expected: string, actual: string, evidence: Record<string, unknown> = {}): Assertion => ({ id: e.id, kind: e.kind, verdict, expected, actual, evidence });

function phaseWindow(c: Context, phase: PhaseName | 'all'): { from: number; to: number } {
  if (phase === 'all') return { from: c.t0, to: c.end };
  const p = c.scenario.phases.find((x) => x.name === phase);
  return { from: c.t0 + (p?.startMs ?? 0), to: c.t0 + (p?.endMs ?? 0) };
}

const pct = (n: number): string => `${(n * 100).toFixed(n >= 0.9995 || n === 0 ? 1 : 2)}%`;

/** Is an SLO within its objective over [from, to] from one source? */
function sloOver(c: Context, slo: ResolvedSlo, source: 'client' | 'server', from: number, to: number): { verdict: Verdict; text: string; total: number; bad: number; ratio: number | null } {
  const series = source === 'client' ? c.client.get(slo.name) : c.server.get(slo.name);
  if (series === undefined) return { verdict: 'inconclusive', text: `${slo.name} has no ${source}-side SLI`, total: 0, bad: 0, ratio: null };
  if (series instanceof SliProblem) return { verdict: 'inconclusive', text: series.message, total: 0, bad: 0, ratio: null };
  const { ratio, total, bad } = errorRatio(series, from, to, c.suite.evaluation.minEvents);
  if (ratio === null) return { verdict: 'inconclusive', text: `${total} ${source}-side events, fewer than evaluation.minEvents (${c.suite.evaluation.minEvents})`, total, bad, ratio };
  const ok = ratio <= errorBudget(slo.objective) + 1e-12;
  return { verdict: ok ? 'pass' : 'fail', text: `${source}: ${pct(1 - ratio)} good (${bad} bad of ${total})`, total, bad, ratio };
}

function steadyState(c: Context, e: Extract<ResolvedExpectation, { kind: 'steady-state' }>): Assertion {
  const from = c.t0 + e.fromMs;
  const to = c.t0 + e.toMs;
  const parts: { verdict: Verdict; text: string }[] = [];
  const evidence: Record<string, unknown> = { from: from - c.t0, to: to - c.t0 };
  if (e.health) {
    const samples = healthBetween(c.recording.health, from, to);
    const down = samples.filter((s) => binary(s) !== 'UP');
    evidence['healthSamples'] = samples.length;
    evidence['healthNotUp'] = down.length;
    if (samples.length === 0) parts.push({ verdict: 'inconclusive', text: 'no health samples' });
    else parts.push({ verdict: down.length === 0 ? 'pass' : 'fail', text: down.length === 0 ? `health UP in all ${samples.length} polls` : `health not UP in ${down.length} of ${samples.length} polls (first at ${seconds(down[0]!.t - c.t0)})` });
  }
  for (const name of e.slos) {
    const slo = c.suite.slos.find((s) => s.name === name);
    if (slo === undefined) continue;
    const result = sloOver(c, slo, 'client', from, to);
    evidence[`slo:${name}`] = { total: result.total, bad: result.bad, ratio: result.ratio };
    parts.push({ verdict: result.verdict, text: `${name} ${result.text}` });
  }
  const verdict = combine(parts.map((p) => p.verdict));
  return make(e, verdict, `${e.when === 'before' ? 'before the faults' : 'after recovery'}, from ${seconds(e.fromMs)} to ${seconds(e.toMs)}: ${[e.health ? 'health UP' : '', ...e.slos.map((s) => `${s} within objective`)].filter(Boolean).join(', ')}`, parts.map((p) => p.text).join('; '), evidence);
}

function combine(verdicts: Verdict[]): Verdict {
  if (verdicts.includes('fail')) return 'fail';
  if (verdicts.length === 0 || verdicts.includes('inconclusive')) return 'inconclusive';
  return 'pass';
}

/** The time each health expectation matched, so the next one is looked for after it. */
const matchedAt = new WeakMap<Context, number>();

function healthTransition(c: Context, e: Extract<ResolvedExpectation, { kind: 'health' }>): Assertion {
  const expected = `${e.from} → ${e.to} within ${seconds(e.withinMs)} of ${e.after.ref}`;
  const anchor = anchorTime(c.recording, e.after);
  if ('missing' in anchor) return make(e, 'inconclusive', expected, anchor.missing);
  if (c.recording.health.length === 0) return make(e, 'inconclusive', expected, 'no health samples');
  const previous = e.index === 0 ? -Infinity : (matchedAt.get(c) ?? -Infinity);
  const deadline = anchor.t + e.withinMs;
  const changes = healthChanges(c.recording.health).filter((ch) => ch.t > previous);
  const match = changes.find((ch) => ch.from === e.from && ch.to === e.to && ch.t >= anchor.t && ch.t <= deadline);
  const evidence = { anchor: anchor.t - c.t0, deadline: deadline - c.t0, changes: changes.filter((ch) => ch.t <= deadline + e.withinMs).map((ch) => ({ t: ch.t - c.t0, to: ch.to })) };
  if (match !== undefined) {
    matchedAt.set(c, match.t);
    return make(e, 'pass', expected, `${e.to} ${seconds(match.t - anchor.t)} after ${e.after.ref}`, { ...evidence, matchedAt: match.t - c.t0, afterMs: Math.round(match.t - anchor.t) });
  }
  const stateAtAnchor = healthAt(c.recording.health, anchor.t);
  const late = changes.find((ch) => ch.from === e.from && ch.to === e.to && ch.t > deadline);
  let actual: string;
  if (stateAtAnchor === e.to) {
    const before = [...changes].reverse().find((ch) => ch.to === e.to && ch.t < anchor.t);
    actual = `already ${e.to} at ${e.after.ref}${before === undefined ? '' : ` (since ${seconds(anchor.t - before.t)} before it)`}, and no ${e.from} → ${e.to} in the window`;
  } else if (late !== undefined) {
    actual = `${e.to} only ${seconds(late.t - anchor.t)} after ${e.after.ref}`;
  } else {
    actual = `no ${e.from} → ${e.to} by the end of the scenario (health was ${healthAt(c.recording.health, deadline) ?? 'unknown'} at the deadline)`;
  }
  return make(e, 'fail', expected, actual, evidence);
}

/**
 * Recovery: the first instant T at or after the anchor from which health is UP for `stable`
 * (every poll in [T, T + stable]) and each listed SLO is within objective over that interval.
 */
function recovery(c: Context, e: Extract<ResolvedExpectation, { kind: 'recovery' }>): Assertion {
  const expected = `recovered within ${seconds(e.withinMs)} of ${e.after.ref} (health UP${e.slos.length > 0 ? ` and ${e.slos.join(', ')} within objective` : ''} for ${seconds(e.stableMs)})`;
  const anchor = anchorTime(c.recording, e.after);
  if ('missing' in anchor) return make(e, 'inconclusive', expected, anchor.missing);
  const found = recoveredAt(c, anchor.t, e.stableMs, e.health, e.slos);
  if (found.t === null) return make(e, found.inconclusive ? 'inconclusive' : 'fail', expected, found.why, { anchor: anchor.t - c.t0 });
  const took = found.t - anchor.t;
  return make(e, took <= e.withinMs ? 'pass' : 'fail', expected, `recovered ${seconds(took)} after ${e.after.ref}`, { anchor: anchor.t - c.t0, recoveredAt: found.t - c.t0, recoveryMs: Math.round(took) });
}

function recoveredAt(c: Context, anchor: number, stableMs: number, health: boolean, sloNames: string[]): { t: number | null; why: string; inconclusive: boolean } {
  const samples = c.recording.health.filter((s) => s.t >= anchor);
  const candidates = health ? samples.filter((s) => binary(s) === 'UP').map((s) => s.t) : [anchor, ...c.recording.load.map((s) => s.t + 1000).filter((t) => t > anchor)];
  if (health && samples.length === 0) return { t: null, why: 'no health samples after the anchor', inconclusive: true };
  let lastWhy = health ? 'health never came back UP' : 'the SLOs never came back within objective';
  let undecided = false;
  for (const t of [anchor, ...candidates]) {
    if (t + stableMs > c.end) break;
    if (health) {
      const window = healthBetween(c.recording.health, t, t + stableMs);
      if (window.length === 0 || window.some((s) => binary(s) !== 'UP')) continue;
    }
    let ok = true;
    for (const name of sloNames) {
      const slo = c.suite.slos.find((s) => s.name === name);
      if (slo === undefined) continue;
      const r = sloOver(c, slo, 'client', t, t + stableMs);
      if (r.verdict !== 'pass') {
        ok = false;
        if (r.verdict === 'inconclusive') undecided = true;
        lastWhy = `${name} not within objective in any ${seconds(stableMs)} after the anchor (last: ${r.text})`;
        break;
      }
    }
    if (ok) return { t, why: '', inconclusive: false };
  }
  return { t: null, why: `${lastWhy} (no stable ${seconds(stableMs)} before the end)`, inconclusive: undecided && !health };
}

function alertWithin(c: Context, e: Extract<ResolvedExpectation, { kind: 'alert-fires' | 'alert-resolves' }>): Assertion {
  const fires = e.kind === 'alert-fires';
  const expected = `${e.alert} ${fires ? 'fires' : 'resolves'} within ${seconds(e.withinMs)} of ${e.after.ref}`;
  const evaluation = c.alerts.get(e.alert);
  if (evaluation === undefined) return make(e, 'inconclusive', expected, `no alert named ${e.alert}`);
  if (evaluation.error !== undefined) return make(e, 'inconclusive', expected, evaluation.error);
  const anchor = anchorTime(c.recording, e.after);
  if ('missing' in anchor) return make(e, 'inconclusive', expected, anchor.missing);
  const deadline = anchor.t + e.withinMs;
  const firing = evaluation.firing.map((f) => ({ from: f.from - c.t0, to: f.to === null ? null : f.to - c.t0 }));
  const evidence: Record<string, unknown> = { anchor: anchor.t - c.t0, deadline: deadline - c.t0, firing, ...prediction(c, e.alert, e.after.name) };
  if (fires) {
    if (stateAt(evaluation, anchor.t) === 'firing') return make(e, 'fail', expected, `already firing at ${e.after.ref} (a false alarm before the fault?)`, evidence);
    const first = evaluation.firing.find((f) => f.from >= anchor.t);
    if (first === undefined) return make(e, 'fail', expected, 'never fired after it', evidence);
    const took = first.from - anchor.t;
    return make(e, first.from <= deadline ? 'pass' : 'fail', expected, `fired ${seconds(took)} after ${e.after.ref}`, { ...evidence, afterMs: Math.round(took) });
  }
  if (stateAt(evaluation, anchor.t) !== 'firing') {
    const earlier = [...evaluation.firing].reverse().find((f) => f.from < anchor.t);
    return make(e, 'fail', expected, earlier === undefined ? 'it never fired before the anchor, so it cannot resolve after it' : `it was not firing at ${e.after.ref}: it ${earlier.to === null ? 'was' : `resolved ${seconds(anchor.t - earlier.to)} before it`}`, evidence);
  }
  const period = evaluation.firing.find((f) => f.from <= anchor.t && (f.to === null || f.to > anchor.t));
  if (period?.to === null || period === undefined) return make(e, 'fail', expected, 'still firing at the end of the scenario', evidence);
  const took = period.to - anchor.t;
  return make(e, period.to <= deadline ? 'pass' : 'fail', expected, `resolved ${seconds(took)} after ${e.after.ref}`, { ...evidence, afterMs: Math.round(took) });
}

/** The predicted fire time from the bad ratio clients saw during the fault, for the evidence. */
function prediction(c: Context, alertName: string, faultName: string): Record<string, unknown> {
  const alert: ResolvedAlert | undefined = c.suite.alerts.find((a) => a.name === alertName);
  const slo = c.suite.slos.find((s) => s.name === alert?.slo);
  const fault = c.recording.faults.find((f) => f.name === faultName);
  if (alert === undefined || slo === undefined || fault?.appliedAt === undefined || fault.appliedAt === null) return {};
  const series = c.client.get(slo.name);
  if (series === undefined) return {};
  const { ratio } = errorRatio(series, fault.appliedAt, fault.revertedAt ?? c.end, 1);
  if (ratio === null) return {};
  const fire = predictedFireMs(alert, slo.objective, ratio, c.suite.evaluation.intervalMs);
  const resolve = predictedResolveMs(alert, slo.objective, ratio, c.suite.evaluation.intervalMs);
  return { clientBadRatioDuringFault: Math.round(ratio * 1e4) / 1e4, predictedFireMs: fire === null ? null : Math.round(fire), predictedResolveMs: resolve === null ? null : Math.round(resolve) };
}

function alertNever(c: Context, e: Extract<ResolvedExpectation, { kind: 'alert-never' }>): Assertion {
  const expected = `${e.alert} never fires during ${e.phases.join(', ')}`;
  const evaluation = c.alerts.get(e.alert);
  if (evaluation === undefined) return make(e, 'inconclusive', expected, `no alert named ${e.alert}`);
  if (evaluation.error !== undefined) return make(e, 'inconclusive', expected, evaluation.error);
  const windows = e.phases.map((p) => phaseWindow(c, p));
  const inWindows = evaluation.ticks.filter((t) => windows.some((w) => t.t > w.from && t.t <= w.to));
  if (inWindows.length === 0 || inWindows.every((t) => t.longBurn === null)) return make(e, 'inconclusive', expected, 'no events to evaluate the alert on in those phases');
  const fired = inWindows.filter((t) => t.state === 'firing');
  if (fired.length === 0) {
    const peak = Math.max(...inWindows.map((t) => Math.min(t.longBurn ?? 0, t.shortBurn ?? 0)));
    return make(e, 'pass', expected, `never fired (peak burn of both windows ${peak.toFixed(2)}× against ${evaluation.burnRate}×)`, { ticks: inWindows.length });
  }
  return make(e, 'fail', expected, `fired at ${seconds(fired[0]!.t - c.t0)}`, { firingTicks: fired.length, firstAt: fired[0]!.t - c.t0 });
}

function sloMet(c: Context, e: Extract<ResolvedExpectation, { kind: 'slo' }>): Assertion {
  const slo = c.suite.slos.find((s) => s.name === e.slo);
  const expected = `${e.slo} at least ${pct(e.objective)} good during ${e.phase} (${e.source === 'both' ? 'clients and the service\'s metrics' : e.source === 'client' ? 'as clients saw it' : 'by the service\'s metrics'})`;
  if (slo === undefined) return make(e, 'inconclusive', expected, `no SLO named ${e.slo}`);
  const { from, to } = phaseWindow(c, e.phase);
  const sources: ('client' | 'server')[] = e.source === 'both' ? ['client', 'server'] : [e.source];
  const results = sources.map((source) => {
    const r = sloOver(c, { ...slo, objective: e.objective }, source, from, to);
    return { source, ...r };
  });
  return make(e, combine(results.map((r) => r.verdict)), expected, results.map((r) => r.text).join('; '), Object.fromEntries(results.map((r) => [r.source, { total: r.total, bad: r.bad, ratio: r.ratio }])));
}

function countKind(second: Recording['load'][number], kind: ErrorKind): number {
  const e = second.errors;
  const fiveXx = loadTotals(second).fiveXx;
  switch (kind) {
    case '5xx':
      return fiveXx;
    case 'any':
      return fiveXx + e.unanswered + e.refused + e.timeout + e.skipped + e.other;
    default:
      return e[kind];
  }
}

function errorsWithin(c: Context, e: Extract<ResolvedExpectation, { kind: 'errors' }>): Assertion {
  const limits = [e.max === null ? '' : `at most ${e.max}`, e.ratio === null ? '' : `at most ${pct(e.ratio)} of requests`].filter(Boolean).join(' and ');
  const expected = `${e.errorKind} errors during ${e.phase}: ${limits}`;
  const { from, to } = phaseWindow(c, e.phase);
  // Seconds are keyed by their start; a second belongs to the phase it starts in.
  const seconds = c.recording.load.filter((s) => s.t >= from && s.t < to);
  const total = seconds.reduce((n, s) => n + loadTotals(s).total, 0);
  if (total === 0) return make(e, 'inconclusive', expected, 'no load requests in that phase');
  const count = seconds.reduce((n, s) => n + countKind(s, e.errorKind), 0);
  const ratio = count / total;
  const ok = (e.max === null || count <= e.max) && (e.ratio === null || ratio <= e.ratio + 1e-12);
  return make(e, ok ? 'pass' : 'fail', expected, `${count} ${e.errorKind} of ${total} requests (${pct(ratio)})`, { count, total });
}

function durability(c: Context, e: Extract<ResolvedExpectation, { kind: 'durability' }>): Assertion {
  const expected = `every acknowledged write during ${e.phases.join(', ')} reads back`;
  const d = c.recording.durability;
  if (d === undefined) return make(e, 'inconclusive', expected, 'no durability record (the writer did not run)');
  if (d.acknowledged === 0) return make(e, 'inconclusive', expected, `no write was acknowledged (${d.attempted} attempted)`);
  const lost = d.lost.length + d.mismatched.length;
  return make(e, lost === 0 ? 'pass' : 'fail', expected, lost === 0 ? `all ${d.verified} acknowledged writes read back` : `${d.lost.length} acknowledged writes lost, ${d.mismatched.length} read back different, of ${d.acknowledged}`, { attempted: d.attempted, acknowledged: d.acknowledged, verified: d.verified, lost: d.lost.slice(0, 20), mismatched: d.mismatched.slice(0, 20) });
}

function faultTimes(c: Context, fault: Recording['faults'][number]): FaultTimes {
  const out: FaultTimes = { fault: fault.name, effect: fault.effect, mttdMs: null, detectedBy: null, mttrMs: null };
  if (fault.appliedAt === null) return out;
  const until = fault.revertedAt ?? c.end;
  const down = healthChanges(c.recording.health).find((ch) => ch.to === 'DOWN' && ch.t >= fault.appliedAt! && ch.t <= until + 30_000);
  const fired = [...c.alerts.values()].flatMap((a) => a.firing.filter((f) => f.from >= fault.appliedAt!).map((f) => ({ t: f.from, by: `alert ${a.alert}` })));
  const signs = [...(down === undefined ? [] : [{ t: down.t, by: 'health DOWN' }]), ...fired].sort((a, b) => a.t - b.t);
  if (signs[0] !== undefined) {
    out.mttdMs = Math.round(signs[0].t - fault.appliedAt);
    out.detectedBy = signs[0].by;
  }
  if (fault.revertedAt !== null) {
    const recovered = recoveredAt(c, fault.revertedAt, Math.min(STABLE_FOR_MTTR_MS, Math.max(0, c.end - fault.revertedAt)), true, []);
    if (recovered.t !== null) out.mttrMs = Math.round(recovered.t - fault.revertedAt);
  }
  return out;
}

function sliSummaries(c: Context): SliSummary[] {
  const out: SliSummary[] = [];
  for (const slo of c.suite.slos) {
    for (const phase of [...c.scenario.phases.map((p) => p.name), 'all'] as (PhaseName | 'all')[]) {
      const { from, to } = phaseWindow(c, phase);
      for (const source of ['client', 'server'] as const) {
        const series = source === 'client' ? c.client.get(slo.name) : c.server.get(slo.name);
        if (!(series instanceof EventSeries)) continue;
        const { total, bad } = series.window(from, to);
        const ratio = total > 0 ? bad / total : null;
        out.push({ slo: slo.name, phase, source, total, bad, sli: ratio === null ? null : 1 - ratio, objective: slo.objective, burn: ratio === null ? null : ratio / errorBudget(slo.objective) });
      }
    }
  }
  return out;
}

/**
 * Where clients and the service's own metrics disagree by more than the error budget: an
 * observability blind spot. Availability SLOs only: the two latency SLIs differ by definition
 * (clients count a fast 5xx as bad, a duration histogram counts it as fast).
 */
function blindSpots(slis: SliSummary[], suite: ResolvedSuite): string[] {
  const findings: string[] = [];
  const availability = new Set(suite.slos.filter((s) => s.kind === 'availability').map((s) => s.name));
  for (const client of slis.filter((s) => s.source === 'client' && s.phase !== 'all' && availability.has(s.slo))) {
    const server = slis.find((s) => s.source === 'server' && s.slo === client.slo && s.phase === client.phase);
    if (server?.sli === undefined || server.sli === null || client.sli === null) continue;
    const gap = server.sli - client.sli;
    if (gap > 1 - client.objective) {
      findings.push(`${client.slo} during ${client.phase}: clients saw ${pct(client.sli)} good, the service's metrics say ${pct(server.sli)} — a blind spot of ${pct(gap)} (errors the service does not count: refused or dropped connections, timeouts before it answered, a dead process)`);
    }
  }
  return findings;
}
