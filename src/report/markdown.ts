import { ByteBudget, duration, md, mdLine, percent } from './markdown-text.js';
import type { Report, ReportAssertion, ReportVerdict, ScenarioReport } from './model.js';

/**
 * The Markdown summary (summary.md): what a pull-request comment or GitHub's job summary
 * (`$GITHUB_STEP_SUMMARY`) shows. Headline verdict, a table of scenarios, what went wrong in
 * the scenarios that did not pass, and every assertion in a collapsed section.
 *
 * Every report string is escaped (`md`), so scenario names, expectations and process output
 * render as text, never as HTML or formatting. Same report, same bytes: only report fields are
 * used. GitHub refuses a step summary over 1 MiB, so the output stops at `maxBytes`, with a note,
 * cutting the all-assertions section first.
 */

export interface MarkdownOptions {
  /** Largest output in UTF-8 bytes. Default 1 000 000, under GitHub's 1 MiB step-summary limit. */
  maxBytes?: number;
}

export const MARKDOWN_MAX_BYTES = 1_000_000;

/** Bytes kept back for the truncation note and the closing tags. */
const RESERVE = 1_024;

const MARK: Readonly<Record<ReportVerdict | 'skipped', string>> = { pass: '✅', fail: '❌', inconclusive: '⚠️', skipped: '⏭️' };

const cutNote = (max: number): string => `\n_… the rest is left out to keep this summary under ${max} bytes (GitHub's step-summary limit is 1 MiB); report.json and junit.xml have every assertion._\n`;

/**
 * The Markdown summary for a pull-request comment or $GITHUB_STEP_SUMMARY: verdict headline, a
 * table of scenarios, what did not pass, every assertion folded away. Capped at
 * `options.maxBytes` (default 1,000,000, under GitHub's 1 MiB limit). Deterministic.
 */
export function renderMarkdown(report: Report, options: MarkdownOptions = {}): string {
  const max = Math.max(options.maxBytes ?? MARKDOWN_MAX_BYTES, 4 * RESERVE);
  const out = new ByteBudget(max, RESERVE);
  const sections = [headline(report), table(report), problems(report)];
  for (const pieces of sections) for (const piece of pieces) out.add(piece);
  if (report.scenarios.some((s) => s.assertions.length > 0) && out.add(`\n<details>\n<summary>All ${report.summary.assertions.total} assertion${report.summary.assertions.total === 1 ? '' : 's'}</summary>\n`)) {
    for (const piece of allAssertions(report)) out.add(piece);
    if (out.full) out.force(cutNote(max));
    out.force('\n</details>\n');
  } else if (out.full) {
    out.force(cutNote(max));
  }
  out.force(footer(report));
  return out.text();
}

function headline(report: Report): string[] {
  const { run, summary } = report;
  const s = summary.scenarios;
  const a = summary.assertions;
  const commit = run.commit === null ? 'unknown' : /^[0-9a-f]{40}$/i.test(run.commit) ? run.commit.slice(0, 12) : run.commit;
  const lines = [
    `## ${MARK[run.verdict]} faultline: ${run.verdict.toUpperCase()}\n\n`,
    `${mdLine(run.reason)}\n\n`,
    `**Release** ${md(run.release)} · **Commit** ${md(commit)} · **Score** ${run.score === null ? '–' : `${run.score}/100`} · **Suite** ${md(run.suite)}${run.shard === null ? '' : ` · **Shard** ${run.shard.index}/${run.shard.total}`}\n\n`,
    `Scenarios: ${s.passed} passed, ${s.failed} failed, ${s.inconclusive} inconclusive, ${s.skipped} skipped · Assertions: ${a.passed} of ${a.total} passed\n`,
  ];
  if (run.interrupted) lines.push(`\n> ${MARK.inconclusive} The run was interrupted: scenarios after the interruption did not run.\n`);
  for (const failure of run.cleanupFailures) lines.push(`\n> ${MARK.fail} Cleanup failed: ${md(failure)}\n`);
  return lines;
}

function table(report: Report): string[] {
  if (report.scenarios.length === 0 && report.skipped.length === 0) return ['\nNo scenario ran.\n'];
  const rows = ['\n| Scenario | Verdict | Score | Assertions | MTTD | MTTR | Worst SLI |\n| --- | --- | ---: | ---: | --- | --- | --- |\n'];
  for (const s of report.scenarios) {
    const passed = s.assertions.filter((a) => a.verdict === 'pass').length;
    rows.push(`| ${md(s.name)} | ${MARK[s.verdict]} ${s.verdict} | ${s.score ?? '–'} | ${passed}/${s.assertions.length} | ${perFault(s, mttd)} | ${perFault(s, mttr)} | ${worstSli(s)} |\n`);
  }
  for (const skipped of report.skipped) rows.push(`| ${md(skipped.name)} | ${MARK.skipped} skipped | – | – | – | – | – |\n`);
  if (report.skipped.length > 0) {
    rows.push('\nSkipped:\n\n');
    for (const skipped of report.skipped) rows.push(`- ${md(skipped.name)}: ${md(skipped.reason)}\n`);
  }
  return rows;
}

type Fault = ScenarioReport['faults'][number];

const mttd = (f: Fault): string => `${f.mttdMs === null ? 'not detected' : duration(f.mttdMs)}${f.effect === 'effective' ? '' : ` (${f.effect})`}`;
const mttr = (f: Fault): string => (f.mttrMs === null ? 'not recovered' : duration(f.mttrMs));

/** One value per fault; named when there are several. */
function perFault(s: ScenarioReport, value: (f: Fault) => string): string {
  if (s.faults.length === 0) return '–';
  if (s.faults.length === 1) return value(s.faults[0] as Fault);
  return s.faults.map((f) => `${md(f.name)}: ${value(f)}`).join('<br>');
}

/** The phase SLI with the highest burn rate (errors against budget), so objectives compare. */
function worstSli(s: ScenarioReport): string {
  let worst: ScenarioReport['slis'][number] | undefined;
  for (const x of s.slis) {
    if (x.phase === 'all' || x.sli === null || x.burn === null) continue;
    if (worst === undefined || x.burn > (worst.burn as number) || (x.burn === worst.burn && x.sli < (worst.sli as number))) worst = x;
  }
  if (worst === undefined || worst.sli === null) return '–';
  if (worst.bad === 0) return `${percent(worst.sli)} (no bad events)`;
  return `${md(worst.slo)} ${percent(worst.sli)} in ${worst.phase} (${worst.source}; objective ${percent(worst.objective)})`;
}

function problems(report: Report): string[] {
  const pieces: string[] = [];
  for (const s of report.scenarios) {
    if (s.verdict === 'pass') continue;
    pieces.push(`\n### ${MARK[s.verdict]} ${md(s.name)}: ${s.verdict}\n\n${mdLine(s.reason)}\n`);
    if (s.statusReason !== null) pieces.push(`\nStatus: ${s.status} (${md(s.statusReason)})\n`);
    const ineffective = s.faults.filter((f) => f.effect !== 'effective');
    const open = s.assertions.filter((a) => a.verdict !== 'pass');
    if (ineffective.length > 0 || open.length > 0) pieces.push('\n');
    for (const f of ineffective) pieces.push(`- ${MARK.inconclusive} fault **${md(f.name)}** ${f.effect}: ${md(f.evidence)}\n`);
    for (const a of open) pieces.push(assertionItem(a));
    if (s.findings.length > 0) {
      pieces.push('\nFindings:\n\n');
      for (const finding of s.findings) pieces.push(`- ${md(finding)}\n`);
    }
  }
  return pieces;
}

function assertionItem(a: ReportAssertion): string {
  return `- ${MARK[a.verdict]} **${md(a.id)}** (${md(a.kind)}, ${a.verdict})\n  - Expected: ${md(a.expected)}\n  - Actual: ${md(a.actual)}\n`;
}

function allAssertions(report: Report): string[] {
  const pieces: string[] = [];
  for (const s of report.scenarios) {
    if (s.assertions.length === 0) continue;
    pieces.push(`\n#### ${MARK[s.verdict]} ${md(s.name)}\n\n| | Assertion | Expected | Actual |\n| --- | --- | --- | --- |\n`);
    for (const a of s.assertions) pieces.push(`| ${MARK[a.verdict]} | ${md(a.id)} | ${md(a.expected)} | ${md(a.actual)} |\n`);
  }
  return pieces;
}

function footer(report: Report): string {
  const { run, tool } = report;
  // Forced past the budget, so every string in it is clipped to stay within RESERVE.
  const c = (text: string) => md(Array.from(text).slice(0, 80).join(''));
  return `\n<sub>${c(tool.name)} ${c(tool.version)} · run ${c(run.id)} · seed ${run.seed} · started ${c(run.startedAt)} · ${duration(run.durationMs)} on ${c(run.host)} (node ${c(run.node)})</sub>\n`;
}
