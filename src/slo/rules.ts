import { Document } from 'yaml';
import { FaultlineError } from '../errors.js';
import type { ResolvedAlert, ResolvedSlo, ResolvedSuite } from '../scenario/types.js';
import { promDuration, promNumber, promSelector, promString, roundDigits, templateLiteral, wholeMs } from './promql.js';

/**
 * The suite's SLOs and burn-rate alerts as a Prometheus rule file (`faultline rules`), so the
 * target's own Prometheus can evaluate what faultline's judge evaluates.
 *
 * Naming (Sloth's scheme, the most widely recognised one):
 * - one rule group per server-side SLO that has server-side alerts, named
 *   `faultline/<suite>/<slo>`, evaluated every `evaluation.interval` (the global default of 1m
 *   would make second-scale windows meaningless);
 * - a recording rule `slo:sli_error:ratio_rate<window>{slo="<slo>"}` per window an alert of
 *   that SLO uses, `<window>` written as a Prometheus duration (`30s`, `1m30s`, `500ms`): the
 *   share of bad events over that window;
 * - an alerting rule per server-side alert, keeping the suite's name, reading those recordings
 *   from the same group (so it sees them in the same evaluation, with no extra tick of delay);
 * - `<Slo>TargetDown` per group (the SLO's name in PascalCase): the SLI's series are absent.
 *
 * Client-side alerts read faultline's own load generator, which Prometheus never sees: they
 * are listed in a comment instead. docs/prometheus-rules.md has the whole story.
 */

export type SuiteRulesInput = Pick<ResolvedSuite, 'name' | 'slos' | 'alerts' | 'evaluation'>;

export interface RecordingRule {
  record: string;
  expr: string;
  labels: Record<string, string>;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  /** Absent when 0. */
  for?: string;
  /** Absent when 0 (needs Prometheus ≥ 2.42). */
  keep_firing_for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  interval: string;
  rules: (RecordingRule | AlertingRule)[];
}

export interface SkippedAlert {
  alert: string;
  slo: string;
  reason: string;
}

export interface RuleFile {
  groups: RuleGroup[];
  skipped: SkippedAlert[];
}

/** The recording rule for an SLO's error ratio over a window: `slo:sli_error:ratio_rate30s`. */
export function errorRatioRecord(windowMs: number): string {
  return `slo:sli_error:ratio_rate${promDuration(windowMs)}`;
}

/** `availability` → `AvailabilityTargetDown`, `server-only` → `ServerOnlyTargetDown`. */
export function targetDownAlertName(slo: string): string {
  const pascal = slo
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== '')
    .map((part) => `${part.charAt(0).toUpperCase()}${part.slice(1)}`)
    .join('');
  return `${/^[A-Za-z]/.test(pascal) ? '' : 'Slo'}${pascal}TargetDown`;
}

export function buildRules(suite: SuiteRulesInput): RuleFile {
  const groups: RuleGroup[] = [];
  const skipped: SkippedAlert[] = [];
  const names = new Map(suite.alerts.map((a) => [a.name, `alert ${a.name}`]));
  for (const alert of suite.alerts) {
    const slo = suite.slos.find((s) => s.name === alert.slo);
    if (alert.source === 'client') {
      skipped.push({ alert: alert.name, slo: alert.slo, reason: "source: client reads faultline's load generator, which Prometheus cannot see" });
    } else if (slo === undefined || slo.server === null) {
      // The loader refuses this (NO_SERVER_SLI); say so rather than write a rule with no series.
      skipped.push({ alert: alert.name, slo: alert.slo, reason: `SLO ${alert.slo} has no server-side selectors` });
    }
  }
  for (const slo of suite.slos) {
    const alerts = suite.alerts.filter((a) => a.slo === slo.name && a.source === 'server');
    if (slo.server === null || alerts.length === 0) continue;
    const downName = targetDownAlertName(slo.name);
    const clash = names.get(downName);
    if (clash !== undefined) {
      throw new FaultlineError('FAULTLINE_USAGE', `the generated alert ${downName} (SLO ${slo.name}) has the same name as ${clash}`, { hint: 'rename that alert or SLO in the suite file' });
    }
    names.set(downName, `the generated alert of SLO ${slo.name}`);
    groups.push(sloGroup(suite, slo, alerts, downName));
  }
  return { groups, skipped };
}

function sloGroup(suite: SuiteRulesInput, slo: ResolvedSlo, alerts: ResolvedAlert[], downName: string): RuleGroup {
  const windows = [...new Set(alerts.flatMap((a) => [wholeMs(a.longMs), wholeMs(a.shortMs)]))].sort((a, b) => a - b);
  const recordings: RecordingRule[] = windows.map((w) => ({ record: errorRatioRecord(w), expr: errorRatioExpr(slo, w), labels: { slo: slo.name } }));
  return {
    name: `faultline/${suite.name}/${slo.name}`,
    interval: promDuration(suite.evaluation.intervalMs),
    rules: [...recordings, ...alerts.map((a) => burnAlert(slo, a)), targetDownAlert(slo, alerts, downName)],
  };
}

/** Bad events / all events over the window, from the SLO's server-side selectors. */
function errorRatioExpr(slo: ResolvedSlo, windowMs: number): string {
  const range = `[${promDuration(windowMs)}]`;
  const server = slo.server;
  if (server === null) throw new FaultlineError('FAULTLINE_INTERNAL', `SLO ${slo.name} has no server-side SLI`);
  if (server.kind === 'availability') {
    // prom-client creates an error series only at the first error: without `or vector(0)` a
    // window with traffic and no error would have no ratio at all instead of 0.
    const errors = promSelector(server.errors.metric, server.errors.matchers);
    const total = promSelector(server.total.metric, server.total.matchers);
    return `(sum(rate(${errors}${range})) or vector(0)) / sum(rate(${total}${range}))`;
  }
  const { metric, matchers } = server.histogram;
  const good = promSelector(`${metric}_bucket`, [...matchers, leMatcher(slo)]);
  const total = promSelector(`${metric}_count`, matchers);
  return `1 - (sum(rate(${good}${range})) / sum(rate(${total}${range})))`;
}

/**
 * The bucket whose upper edge is the threshold, in seconds. Prometheus 3 stores a whole-number
 * edge as `1.0` where prom-client and Prometheus 2 write `1`; a regex accepts both spellings.
 */
function leMatcher(slo: ResolvedSlo): { label: string; op: '=' | '=~'; value: string } {
  if (slo.thresholdMs === null) throw new FaultlineError('FAULTLINE_INTERNAL', `latency SLO ${slo.name} has no threshold`);
  const seconds = promNumber(slo.thresholdMs / 1000);
  return Number.isInteger(Number(seconds)) && !seconds.includes('e') ? { label: 'le', op: '=~', value: `${seconds}|${seconds}\\.0` } : { label: 'le', op: '=', value: seconds };
}

const budgetOf = (slo: ResolvedSlo): number => roundDigits(1 - slo.objective);
const percent = (ratio: number): string => `${roundDigits(ratio * 100)}%`;

function burnAlert(slo: ResolvedSlo, alert: ResolvedAlert): AlertingRule {
  const threshold = `${promNumber(alert.burnRate)} * ${promNumber(budgetOf(slo))}`;
  const ratio = (windowMs: number): string => `${errorRatioRecord(windowMs)}{slo=${promString(slo.name)}}`;
  const long = promDuration(alert.longMs);
  const short = promDuration(alert.shortMs);
  const annotations: Record<string, string> = {
    summary: templateLiteral(`SLO ${slo.name} (objective ${percent(slo.objective)}) is burning its error budget more than ${promNumber(alert.burnRate)}× as fast as it may, over ${long} and over ${short}`),
  };
  if (slo.description !== '') annotations['description'] = templateLiteral(slo.description);
  return {
    alert: alert.name,
    expr: `(${ratio(alert.longMs)} > (${threshold}))\nand\n(${ratio(alert.shortMs)} > (${threshold}))`,
    ...(wholeMs(alert.forMs) > 0 ? { for: promDuration(alert.forMs) } : {}),
    ...(wholeMs(alert.keepFiringForMs) > 0 ? { keep_firing_for: promDuration(alert.keepFiringForMs) } : {}),
    labels: { severity: templateLiteral(alert.severity), slo: slo.name },
    annotations,
  };
}

/**
 * research/slo-alerting.md §5.8: when the target is killed its series go stale, the short
 * window's ratio has no value, and a firing burn-rate alert *resolves* while the service is
 * down. This alert covers that blind spot without knowing the scrape job: it fires when the
 * SLI's total series are absent. Like Pyrra's absent alerts, it waits as long as the SLO's
 * fastest alert would need at a 100% error ratio (burnRate × budget × long, plus its `for`),
 * so a target that is just starting (no request served yet) does not page sooner than a real
 * outage would.
 */
function targetDownAlert(slo: ResolvedSlo, alerts: ResolvedAlert[], name: string): AlertingRule {
  const server = slo.server;
  if (server === null) throw new FaultlineError('FAULTLINE_INTERNAL', `SLO ${slo.name} has no server-side SLI`);
  const total = server.kind === 'availability' ? promSelector(server.total.metric, server.total.matchers) : promSelector(`${server.histogram.metric}_count`, server.histogram.matchers);
  const detection = (a: ResolvedAlert): number => wholeMs(Math.min(1, a.burnRate * budgetOf(slo)) * a.longMs) + wholeMs(a.forMs);
  const fastest = alerts.reduce((best, a) => (detection(a) < detection(best) ? a : best));
  const waitMs = detection(fastest);
  return {
    alert: name,
    expr: `absent(sum(${total}))`,
    ...(waitMs > 0 ? { for: promDuration(waitMs) } : {}),
    labels: { severity: templateLiteral(fastest.severity), slo: slo.name },
    annotations: {
      summary: templateLiteral(`SLO ${slo.name} has no data: no ${total} series (the target is down, not scraped, or has served no request yet); its burn-rate alerts cannot fire`),
    },
  };
}

/** The rule file as YAML text, with a header saying where it comes from and what was left out. */
export function renderRules(suite: SuiteRulesInput): string {
  const { groups, skipped } = buildRules(suite);
  const doc = new Document({ groups });
  const header = [
    ` Prometheus rules for the faultline suite "${suite.name}", generated by \`faultline rules\`:`,
    ' edit the suite file, not this file.',
    ' slo:sli_error:ratio_rate<window>{slo="<slo>"} is the SLO\'s share of bad events over <window>;',
    ' each alert fires while both its windows burn faster than burnRate x (1 - objective);',
    ' <Slo>TargetDown fires when the SLO\'s series are gone (a killed target clears burn alerts).',
  ];
  if (groups.some((g) => g.rules.some((r) => 'keep_firing_for' in r))) header.push(' keep_firing_for needs Prometheus >= 2.42.');
  if (groups.length === 0) header.push('', ' No SLO has a server-side alert, so there are no rules.');
  if (skipped.length > 0) {
    header.push('', ' Not exported:');
    for (const s of skipped) header.push(` - ${s.alert} (SLO ${s.slo}): ${s.reason}.`);
  }
  doc.commentBefore = header.join('\n');
  return doc.toString({ lineWidth: 0, blockQuote: 'literal' });
}
