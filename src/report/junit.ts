import type { Report, ReportAssertion, ReportVerdict, ScenarioReport } from './model.js';
import { stripIllegalXmlChars, xmlElement, xmlStartTag } from './xml.js';

/**
 * JUnit XML from the canonical report, for CI test tabs (GitLab, Jenkins, GitHub test-report
 * actions). It validates against the Apache Ant JUnit schema (test/fixtures/junit/JUnit.xsd),
 * the strictest of the common dialects, so the lenient readers accept it too.
 *
 * The mapping:
 * - each scenario is a `<testsuite>`, each of its assertions a `<testcase>` named by assertion id
 *   and expected text, class `faultline.<suite>.<scenario>`;
 * - pass → an empty testcase; fail → `<failure type="<assertion kind>">`; inconclusive →
 *   `<error type="inconclusive">`: it fails the run (exit 1), so it must not look like a skip;
 * - a scenario whose verdict is worse than all its assertions' (aborted, interrupted, a fault
 *   that did not take effect, no assertions) gets one more testcase, `scenario verdict`,
 *   carrying that verdict, so the XML never looks greener than the run's exit code;
 * - likewise a run whose verdict no scenario explains (cleanup failed, interrupted, nothing ran)
 *   gets a last testsuite, `faultline run`, with a `run verdict` testcase;
 * - each skipped scenario is a testsuite with one `<skipped>` testcase.
 *
 * Same report, same bytes: only report fields are used, never the clock or the host.
 */

interface Outcome {
  element: 'failure' | 'error' | 'skipped';
  type: string;
  message: string;
  text: string;
}

interface Case {
  name: string;
  classname: string;
  outcome: Outcome | null;
}

interface Suite {
  name: string;
  timestamp: string;
  timeMs: number;
  properties: (readonly [string, string])[];
  cases: Case[];
  out: string;
}

/** Longest expected text kept in a testcase name; the full text is in the failure. */
const NAME_EXPECTED_CHARS = 80;
/** Longest evidence JSON in a failure's text; report.json has all of it. */
const EVIDENCE_CHARS = 4_000;

const RANK: Readonly<Record<ReportVerdict, number>> = { pass: 0, inconclusive: 1, fail: 2 };

/**
 * JUnit XML valid against the Apache Ant JUnit XSD: a testsuite per scenario, a testcase per
 * assertion (fail → <failure>, inconclusive → <error type="inconclusive">), skipped scenarios as
 * <skipped/>. Deterministic: reads no clock, only the report.
 */
export function renderJunit(report: Report): string {
  const suites = [...report.scenarios.map((s) => scenarioSuite(report, s)), ...report.skipped.map((s) => skippedSuite(report, s)), ...runSuite(report)];
  const pkg = token(`faultline.${report.run.suite}`, 'faultline');
  const hostname = token(report.run.host, 'localhost');
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<testsuites>'];
  suites.forEach((suite, id) => lines.push(...renderSuite(suite, pkg, id, hostname)));
  lines.push('</testsuites>', '');
  return lines.join('\n');
}

function renderSuite(suite: Suite, pkg: string, id: number, hostname: string): string[] {
  const count = (element: Outcome['element']) => suite.cases.filter((c) => c.outcome?.element === element).length;
  const attrs = [
    ['name', token(suite.name, '(unnamed)')],
    ['package', pkg],
    ['id', String(id)],
    ['timestamp', suite.timestamp],
    ['hostname', hostname],
    ['tests', String(suite.cases.length)],
    ['failures', String(count('failure'))],
    ['errors', String(count('error'))],
    ['skipped', String(count('skipped'))],
    ['time', seconds(suite.timeMs)],
  ] as const;
  const lines = [`  ${xmlStartTag('testsuite', attrs)}`, '    <properties>'];
  for (const [name, value] of suite.properties) lines.push(`      ${xmlElement('property', [['name', token(name, 'property')], ['value', value]])}`);
  lines.push('    </properties>');
  for (const c of suite.cases) {
    const caseAttrs = [['name', token(c.name, '(unnamed)')], ['classname', token(c.classname, 'faultline')], ['time', '0.000']] as const;
    if (c.outcome === null) {
      lines.push(`    ${xmlElement('testcase', caseAttrs)}`);
      continue;
    }
    const { element, type, message, text } = c.outcome;
    const attrs: [string, string][] = element === 'skipped' ? [['message', message]] : [['message', message], ['type', type]];
    lines.push(`    ${xmlStartTag('testcase', caseAttrs)}`, `      ${xmlElement(element, attrs, text)}`, '    </testcase>');
  }
  lines.push(`    ${xmlElement('system-out', [], suite.out)}`, '    <system-err/>', '  </testsuite>');
  return lines;
}

function scenarioSuite(report: Report, s: ScenarioReport): Suite {
  const classname = `faultline.${report.run.suite}.${s.name}`;
  const cases: Case[] = s.assertions.map((a) => ({ name: `${a.id}: ${shorten(a.expected, NAME_EXPECTED_CHARS)}`, classname, outcome: assertionOutcome(a) }));
  const worst = Math.max(0, ...s.assertions.map((a) => RANK[a.verdict]));
  if (s.verdict !== 'pass' && RANK[s.verdict] > worst) {
    const text = `${s.verdict}: ${s.reason}\nstatus: ${s.status}${s.statusReason === null ? '' : ` (${s.statusReason})`}`;
    cases.push({ name: 'scenario verdict', classname, outcome: verdictOutcome(s.verdict, s.status === 'aborted' ? 'aborted' : 'scenario', s.reason, text) });
  }
  return {
    name: s.name,
    timestamp: timestamp(s.startedAt),
    timeMs: measuredMs(s),
    properties: [...runProperties(report), ...scenarioProperties(s)],
    cases,
    out: scenarioOut(s),
  };
}

function skippedSuite(report: Report, skipped: Report['skipped'][number]): Suite {
  return {
    name: skipped.name,
    timestamp: timestamp(report.run.startedAt),
    timeMs: 0,
    properties: [...runProperties(report), ['scenario.name', skipped.name], ['scenario.verdict', 'skipped'], ['scenario.skipReason', skipped.reason]],
    cases: [{ name: skipped.name, classname: `faultline.${report.run.suite}.${skipped.name}`, outcome: { element: 'skipped', type: '', message: skipped.reason, text: '' } }],
    out: `skipped: ${skipped.reason}`,
  };
}

function runSuite(report: Report): Suite[] {
  const run = report.run;
  const worst = Math.max(0, ...report.scenarios.map((s) => RANK[s.verdict]));
  if (run.verdict === 'pass' || RANK[run.verdict] <= worst) return [];
  const text = [`${run.verdict}: ${run.reason}`, ...(run.interrupted ? ['the run was interrupted'] : []), ...run.cleanupFailures.map((c) => `cleanup failed: ${c}`)].join('\n');
  return [
    {
      name: 'faultline run',
      timestamp: timestamp(run.startedAt),
      timeMs: run.durationMs,
      properties: runProperties(report),
      cases: [{ name: 'run verdict', classname: `faultline.${run.suite}`, outcome: verdictOutcome(run.verdict, run.cleanupFailures.length > 0 ? 'cleanup' : 'run', run.reason, text) }],
      out: text,
    },
  ];
}

function assertionOutcome(a: ReportAssertion): Outcome | null {
  if (a.verdict === 'pass') return null;
  const text = [`expected: ${a.expected}`, `actual: ${a.actual}`, `evidence: ${evidenceJson(a.evidence)}`, `kind: ${a.kind}`].join('\n');
  return verdictOutcome(a.verdict, a.kind, `expected ${a.expected}; actual ${a.actual}`, text);
}

function verdictOutcome(verdict: 'fail' | 'inconclusive', failureType: string, message: string, text: string): Outcome {
  return verdict === 'fail' ? { element: 'failure', type: failureType, message, text } : { element: 'error', type: 'inconclusive', message, text };
}

function runProperties(report: Report): [string, string][] {
  const run = report.run;
  return [
    ['faultline.version', report.tool.version],
    ['run.id', run.id],
    ['run.release', run.release],
    ['run.commit', run.commit ?? ''],
    ['run.suite', run.suite],
    ['run.seed', String(run.seed)],
    ['run.startedAt', run.startedAt],
    ['run.durationMs', String(run.durationMs)],
    ['run.verdict', run.verdict],
    ['run.reason', run.reason],
    ['run.score', orEmpty(run.score)],
    ['run.shard', run.shard === null ? '' : `${run.shard.index}/${run.shard.total}`],
    ['run.mergedFrom', run.mergedFrom.join(',')],
    ['run.host', run.host],
    ['run.node', run.node],
    ['run.interrupted', String(run.interrupted)],
    ['run.cleanupFailures', run.cleanupFailures.join('\n')],
  ];
}

function scenarioProperties(s: ScenarioReport): [string, string][] {
  const props: [string, string][] = [
    ['scenario.name', s.name],
    ['scenario.file', s.file],
    ['scenario.tags', s.tags.join(',')],
    ['scenario.verdict', s.verdict],
    ['scenario.reason', s.reason],
    ['scenario.score', orEmpty(s.score)],
    ['scenario.status', s.status],
    ['scenario.statusReason', s.statusReason ?? ''],
    ['scenario.seed', String(s.seed)],
    ['scenario.startedAt', s.startedAt],
    ['scenario.timelineMs', String(s.timelineMs)],
  ];
  for (const f of s.faults) {
    props.push(
      [`fault.${f.name}.kind`, f.kind],
      [`fault.${f.name}.effect`, f.effect],
      [`fault.${f.name}.mttdMs`, orEmpty(f.mttdMs)],
      [`fault.${f.name}.detectedBy`, f.detectedBy ?? ''],
      [`fault.${f.name}.mttrMs`, orEmpty(f.mttrMs)],
    );
  }
  return props;
}

function scenarioOut(s: ScenarioReport): string {
  const lines = [`${s.name}: ${s.verdict.toUpperCase()}: ${s.reason}`, `status: ${s.status}${s.statusReason === null ? '' : ` (${s.statusReason})`}`];
  for (const f of s.faults) {
    const mttd = f.mttdMs === null ? 'not detected' : `detected after ${f.mttdMs} ms${f.detectedBy === null ? '' : ` by ${f.detectedBy}`}`;
    const mttr = f.mttrMs === null ? 'not recovered' : `recovered ${f.mttrMs} ms after its end`;
    lines.push(`fault ${f.name} (${f.kind}): ${f.effect}: ${f.evidence}; ${mttd}; ${mttr}`);
  }
  for (const finding of s.findings) lines.push(`finding: ${finding}`);
  if (s.files.recording !== null) lines.push(`recording: ${s.files.recording}`);
  for (const log of s.files.logs) lines.push(`log: ${log}`);
  return lines.join('\n');
}

/** The scenario's measured span: first phase start to last phase end (0 when none was measured). */
function measuredMs(s: ScenarioReport): number {
  const starts = s.phases.map((p) => p.startMs).filter((t): t is number => t !== null);
  const ends = s.phases.map((p) => p.endMs).filter((t): t is number => t !== null);
  return starts.length === 0 || ends.length === 0 ? 0 : Math.max(...ends) - Math.min(...starts);
}

/** xs:decimal seconds with millisecond precision; never negative, never exponent notation. */
function seconds(ms: number): string {
  return Number.isFinite(ms) && ms > 0 ? (ms / 1000).toFixed(3) : '0.000';
}

/** The schema's timestamp allows no zone: the instant in UTC, to the second. */
function timestamp(iso: string): string {
  const t = Date.parse(iso);
  const text = Number.isNaN(t) ? '' : new Date(t).toISOString().slice(0, 19);
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(text) ? text : '1970-01-01T00:00:00';
}

function orEmpty(n: number | null): string {
  return n === null ? '' : String(n);
}

/** An xs:token that the schema also wants non-empty: legal characters, whitespace collapsed. */
function token(text: string, fallback: string): string {
  const collapsed = stripIllegalXmlChars(text).replace(/[\t\n\r ]+/g, ' ').trim();
  return collapsed === '' ? fallback : collapsed;
}

/** At most `max` characters, cut at a word boundary when one is near the end. */
function shorten(text: string, max: number): string {
  const chars = Array.from(text.replace(/\s+/g, ' ').trim());
  if (chars.length <= max) return chars.join('');
  const head = chars.slice(0, max - 1).join('');
  const space = head.lastIndexOf(' ');
  return `${space >= max / 2 ? head.slice(0, space).replace(/[,;:]$/, '') : head}…`;
}

function evidenceJson(evidence: Record<string, unknown>): string {
  const json = JSON.stringify(evidence);
  return json.length <= EVIDENCE_CHARS ? json : `${json.slice(0, EVIDENCE_CHARS)}… (${json.length - EVIDENCE_CHARS} more characters in report.json)`;
}
