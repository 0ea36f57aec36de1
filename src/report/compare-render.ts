import type { Comparison, RowStatus, RunSide, ScenarioComparison } from './compare.js';
import { describeTolerances } from './tolerances.js';

/**
 * A Comparison for people: an aligned table for the console and a Markdown table for a pull
 * request comment. Both show, per scenario, the status, verdict and score, and the reasons
 * (regressions first); moves within tolerance are only counted.
 */

const STATUSES: readonly RowStatus[] = ['regressed', 'improved', 'unchanged', 'new', 'missing'];

/** "1 regressed, 0 improved, 3 unchanged, 0 new, 1 missing". */
export function compareSummary(c: Comparison): string {
  return STATUSES.map((s) => `${c.counts[s]} ${s}`).join(', ');
}

const pair = (base: string | undefined, head: string | undefined): string => (base === head ? (base ?? '-') : `${base ?? '-'} → ${head ?? '-'}`);
const score = (x: number | null | undefined): string | undefined => (x === undefined ? undefined : x === null ? 'none' : String(x));

function cells(row: ScenarioComparison): { verdict: string; score: string; reasons: string[] } {
  const noise = row.changes.filter((c) => c.effect === 'noise').length;
  const reasons = row.reasons.length > 0 ? row.reasons : [noise > 0 ? `${noise} change${noise === 1 ? '' : 's'} within tolerance` : 'no change'];
  return { verdict: pair(row.base?.verdict, row.head?.verdict), score: pair(score(row.base?.score), score(row.head?.score)), reasons };
}

const runLine = (r: RunSide): string[] => [`release ${r.release}`, `run ${r.id}`, r.startedAt, r.verdict, `score ${score(r.score) ?? 'none'}`];

/** The comparison as an aligned console table, with the tolerances and a one-line total. */
export function renderCompareText(c: Comparison): string {
  const out: string[] = [];
  const heads = [['base', ...runLine(c.base)], ['head', ...runLine(c.head)]];
  out.push(...aligned(heads, ''));
  out.push(`tolerances: ${describeTolerances(c.tolerances)}`);
  for (const note of c.notes) out.push(`note: ${note}`);
  out.push('');
  const header = ['scenario', 'status', 'verdict', 'score', 'changes'];
  const rows: string[][] = [header];
  for (const row of c.rows) {
    const { verdict, score: s, reasons } = cells(row);
    rows.push([row.scenario, row.status, verdict, s, reasons[0] ?? '']);
    for (const reason of reasons.slice(1)) rows.push(['', '', '', '', reason]);
  }
  out.push(...aligned(rows, '  '));
  out.push('', compareSummary(c));
  return `${out.join('\n')}\n`;
}

/** Columns padded to their widest cell; the last one is not padded. */
function aligned(rows: readonly string[][], indent: string): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => `${indent}${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')}`.trimEnd());
}

/** Markdown for a PR comment: GitHub-flavoured tables, every cell escaped. */
export function renderCompareMarkdown(c: Comparison): string {
  const out: string[] = [];
  const status = (s: RowStatus) => (s === 'regressed' ? '**regressed**' : s);
  out.push('### faultline compare', '');
  out.push(c.regressed ? `**${c.counts.regressed} regressed**, ${compareSummary(c).split(', ').slice(1).join(', ')}` : compareSummary(c), '');
  out.push('| | base | head |', '| --- | --- | --- |');
  const row = (label: string, base: string, head: string) => out.push(`| ${label} | ${md(base)} | ${md(head)} |`);
  row('release', c.base.release, c.head.release);
  row('run', c.base.id, c.head.id);
  row('started', c.base.startedAt, c.head.startedAt);
  row('verdict', c.base.verdict, c.head.verdict);
  row('score', score(c.base.score) ?? 'none', score(c.head.score) ?? 'none');
  out.push('');
  for (const note of c.notes) out.push(`> ${md(note)}`, '');
  out.push('| scenario | status | verdict | score | changes |', '| --- | --- | --- | --- | --- |');
  for (const r of c.rows) {
    const { verdict, score: s, reasons } = cells(r);
    out.push(`| ${md(r.scenario)} | ${status(r.status)} | ${md(verdict)} | ${md(s)} | ${reasons.map(md).join('<br>')} |`);
  }
  out.push('', `Tolerances: ${md(describeTolerances(c.tolerances))}.`);
  return `${out.join('\n')}\n`;
}

/** Text safe inside a table cell: Markdown punctuation backslash-escaped, one line. */
export function md(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/[\\`*_[\]<>|]/g, (ch) => `\\${ch}`);
}
