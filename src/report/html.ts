import { createHash } from 'node:crypto';
import { anchorId, esc, relativeHref, scriptJson } from './html-escape.js';
import { duration, plural, score, wallClock } from './html-format.js';
import { SCRIPT } from './html-script.js';
import { CSS } from './html-style.js';
import { alertsTable, assertionsTable, durabilityBlock, eventsTable, faultsTable, findingsList, prometheusTable, slisTable, verdictBadge } from './html-tables.js';
import type { Report, ReportVerdict, ScenarioReport } from './model.js';
import { levelStrip } from './svg-levels.js';
import { timelineChart } from './svg-timeline.js';

/**
 * The HTML resilience report: one self-contained page rendered from the canonical report
 * alone. No request leaves the page: styles and the one script are inline, charts are inline
 * SVG, fonts are the system's, and a Content-Security-Policy of `default-src 'none'` (with
 * the hashes of the inline style and script) makes the browser refuse anything else. Pure and
 * deterministic: the same report renders the same bytes; `generatedAt` is the only stamp.
 */

export interface HtmlOptions {
  /** A time stamp for the footer (ISO-8601 is shown as UTC wall time, anything else as given). Default: none, so re-rendering a report gives identical bytes. */
  generatedAt?: string;
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('base64');
const CSP = `default-src 'none'; style-src 'sha256-${sha256(CSS)}'; script-src 'sha256-${sha256(SCRIPT)}'; img-src data:; base-uri 'none'; form-action 'none'`;

const VERDICT_WORD: Record<ReportVerdict, string> = { pass: '✓ pass', fail: '✗ fail', inconclusive: '? inconclusive' };

/**
 * The self-contained HTML report: no network requests, inline CSS, SVG charts and an optional
 * hover script. Deterministic: the same report gives the same bytes, `options.generatedAt`
 * (default: none) being the only stamp.
 */
export function renderHtml(report: Report, options: HtmlOptions = {}): string {
  const ids = report.scenarios.map((s, i) => anchorId('scenario', i, s.name));
  const title = `${report.run.suite} · ${report.run.release} · ${report.run.verdict} — faultline`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${esc(CSP)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    '<meta name="referrer" content="no-referrer">',
    `<meta name="generator" content="${esc(`faultline ${report.tool.version}`)}">`,
    `<title>${esc(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    '<main>',
    runHeader(report),
    summarySection(report, ids),
    ...report.scenarios.map((s, i) => scenarioSection(s, ids[i] ?? `scenario-${i}`)),
    '</main>',
    `<footer>Rendered by faultline ${esc(report.tool.version)} from report.json (schema ${esc(report.schemaVersion)})${options.generatedAt === undefined ? '' : ` at <time class="generated-at" datetime="${esc(options.generatedAt)}">${esc(wallClock(options.generatedAt))}</time>`}. Times on a scenario's timeline are seconds from the planned start of its first phase.</footer>`,
    `<script>${SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function kpi(value: string, label: string, cls = ''): string {
  return `<div class="kpi${cls === '' ? '' : ` ${cls}`}"><div class="kpi-value">${value}</div><div class="kpi-label">${esc(label)}</div></div>`;
}

function fact(label: string, value: string, wide = false): string {
  return `<div${wide ? ' class="wide"' : ''}><dt>${esc(label)}</dt><dd>${value}</dd></div>`;
}

function runHeader(report: Report): string {
  const { run, summary } = report;
  const sc = summary.scenarios;
  const as = summary.assertions;
  const facts = [
    fact('Release', esc(run.release)),
    fact('Commit', run.commit === null ? '<span class="muted">unknown</span>' : `<code>${esc(run.commit)}</code>`, run.commit !== null && run.commit.length > 16),
    fact('Run id', `<code>${esc(run.id)}</code>`),
    fact('Started', esc(wallClock(run.startedAt))),
    fact('Duration', esc(duration(run.durationMs))),
    fact('Seed', esc(run.seed)),
    fact('Tool', esc(`${report.tool.name} ${report.tool.version}`)),
    fact('Host', esc(run.host)),
    fact('Node.js', esc(run.node)),
  ];
  if (run.shard !== null) facts.push(fact('Shard', esc(`${run.shard.index} of ${run.shard.total}`)));
  if (run.mergedFrom.length > 0) facts.push(fact('Merged from', run.mergedFrom.map((id) => `<code>${esc(id)}</code>`).join(' ')));
  const warnings: string[] = [];
  if (run.interrupted) warnings.push('<p class="verdict-line v-inconclusive">The run was interrupted: this report covers only what ran before it stopped.</p>');
  if (run.cleanupFailures.length > 0) warnings.push(`<div class="verdict-line v-fail"><strong>Cleanup failed</strong> — something the run started or applied may still be in place:<ul>${run.cleanupFailures.map((f) => `<li>${esc(f)}</li>`).join('')}</ul></div>`);
  return `<header class="card run">
<div class="run-head">
<div class="run-title"><div class="eyebrow">faultline resilience report</div><h1>${esc(run.suite)}</h1><p class="reason">${esc(run.reason)}</p></div>
<div class="kpis">${kpi(esc(VERDICT_WORD[run.verdict]), 'run verdict', `v-${run.verdict}`)}${kpi(esc(score(run.score)), 'resilience score / 100')}${kpi(`${sc.passed}<span class="muted">/${sc.total}</span>`, 'scenarios passed')}${kpi(`${as.passed}<span class="muted">/${as.total}</span>`, 'assertions passed')}</div>
</div>
<p class="small muted">Scenarios: ${sc.passed} passed · ${sc.failed} failed · ${sc.inconclusive} inconclusive · ${sc.skipped} skipped. Assertions: ${as.passed} passed · ${as.failed} failed · ${as.inconclusive} inconclusive.</p>
${warnings.join('\n')}
<dl class="meta">${facts.join('')}</dl>
</header>`;
}

function assertionCounts(s: ScenarioReport): string {
  const count = (v: ReportVerdict) => s.assertions.filter((a) => a.verdict === v).length;
  const parts = [`${count('pass')} ✓`];
  if (count('fail') > 0) parts.push(`<span class="error">${count('fail')} ✗</span>`);
  if (count('inconclusive') > 0) parts.push(`${count('inconclusive')} ?`);
  return `${parts.join(' · ')} <span class="muted">of ${s.assertions.length}</span>`;
}

function summarySection(report: Report, ids: readonly string[]): string {
  const rows = report.scenarios.map((s, i) => {
    const faults = s.faults.map((f) => `${esc(f.name)}${f.effect === 'effective' ? '' : ` <span class="muted">(${esc(f.effect)})</span>`}`).join('<br>');
    const mttd = s.faults.map((f) => esc(duration(f.mttdMs))).join('<br>');
    const mttr = s.faults.map((f) => esc(duration(f.mttrMs))).join('<br>');
    return `<tr class="row-${s.verdict}"><td class="name"><a href="#${ids[i] ?? ''}">${esc(s.name)}</a></td><td>${verdictBadge(s.verdict)}</td><td class="num">${esc(score(s.score))}</td><td class="num">${assertionCounts(s)}</td><td class="name">${faults === '' ? '<span class="muted">—</span>' : faults}</td><td class="num">${mttd}</td><td class="num">${mttr}</td><td class="small">${esc(s.reason)}</td></tr>`;
  });
  const skipped = report.skipped.length === 0 ? '' : `<h3>Skipped</h3><ul>${report.skipped.map((s) => `<li><strong>${esc(s.name)}</strong>: ${esc(s.reason)}</li>`).join('')}</ul>`;
  const body = report.scenarios.length === 0 ? '<p class="muted">No scenario ran.</p>' : `<div class="table-wrap"><table class="summary"><thead><tr><th scope="col">Scenario</th><th scope="col">Verdict</th><th scope="col" class="num">Score</th><th scope="col" class="num">Assertions</th><th scope="col">Faults</th><th scope="col" class="num">MTTD</th><th scope="col" class="num">MTTR</th><th scope="col">Reason</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table></div>`;
  return `<section class="card summary"><h2>${esc(plural(report.scenarios.length, 'scenario'))}</h2>${body}${skipped}</section>`;
}

function fileLinks(s: ScenarioReport): string {
  const link = (file: string): string => {
    const href = relativeHref(file);
    return href === null ? `<code>${esc(file)}</code>` : `<a href="${esc(href)}">${esc(file)}</a>`;
  };
  const parts: string[] = [];
  if (s.files.recording !== null) parts.push(`Recording: ${link(s.files.recording)}`);
  if (s.files.logs.length > 0) parts.push(`Logs: ${s.files.logs.map(link).join(' ')}`);
  return parts.length === 0 ? '' : `<p class="files">${parts.join(' · ')}</p>`;
}

function scenarioSection(s: ScenarioReport, id: string): string {
  const chart = timelineChart(s);
  const tags = s.tags.map((t) => `<span class="tag">${esc(t)}</span>`).join('');
  const status = s.status === 'completed' ? '' : ` The scenario ${esc(s.status)}${s.statusReason === null ? '' : `: ${esc(s.statusReason)}`}.`;
  const missing = chart.missing.length === 0 ? '' : ` Not recorded in this run, so not drawn: ${esc(chart.missing.join(', '))}.`;
  const levels = levelStrip(s, chart.data.t1);
  const optional = (title: string, body: string) => (body === '' ? '' : `<h3>${esc(title)}</h3>${body}`);
  return `<section class="scenario" data-scenario="${esc(s.name)}" id="${id}">
<div class="scenario-head"><h2>${esc(s.name)}</h2>${verdictBadge(s.verdict)}<span class="score">score <strong>${esc(score(s.score))}</strong> / 100</span></div>
${s.description === '' ? '' : `<p class="description">${esc(s.description)}</p>`}
<div class="facts"><span>file <strong>${esc(s.file)}</strong></span><span>started <strong>${esc(wallClock(s.startedAt))}</strong></span><span>timeline <strong>${esc(duration(s.timelineMs))}</strong></span><span>seed <strong>${esc(s.seed)}</strong></span><span>status <strong>${esc(s.status)}</strong></span>${tags === '' ? '' : `<span>${tags}</span>`}</div>
<p class="verdict-line v-${s.verdict}"><strong>${esc(s.verdict)}</strong>: ${esc(s.reason)}${status}</p>
${fileLinks(s)}
<h3>Timeline</h3>
<figure class="timeline"><div class="chart-scroll">${chart.svg}</div><div class="tooltip" hidden></div><script type="application/json" class="chart-data">${scriptJson(chart.data)}</script></figure>
<p class="chart-note">Shaded: fault windows, applied to reverted (dashed outline: planned but never applied). Dashed lines: phase boundaries. Each point is one second; hover a panel for its values.${missing}</p>
${optional('Error budget', levels)}
<h3>Assertions</h3>
${assertionsTable(s)}
<h3>Faults</h3>
${faultsTable(s)}
${optional('Alerts', alertsTable(s))}
<h3>SLIs by phase</h3>
${slisTable(s)}
<h3>Findings</h3>
${findingsList(s)}
${optional('Prometheus comparison', prometheusTable(s))}
${optional('Durability', durabilityBlock(s))}
${eventsTable(s)}
</section>`;
}
