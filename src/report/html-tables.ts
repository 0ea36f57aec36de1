import { esc } from './html-escape.js';
import { compactJson, delta, duration, instant, num, percent, timeSpan } from './html-format.js';
import type { ReportVerdict, ScenarioReport } from './model.js';

/**
 * The tables of a scenario section. Every verdict and state is written out in words beside
 * its colour, so the page reads the same in print, in grey scale and to a screen reader.
 */

const VERDICT_MARK: Record<ReportVerdict, string> = { pass: '✓', fail: '✗', inconclusive: '?' };

export function verdictBadge(verdict: ReportVerdict): string {
  return `<span class="badge v-${verdict}"><span aria-hidden="true">${VERDICT_MARK[verdict]}</span> ${verdict}</span>`;
}

const EFFECT: Record<ScenarioReport['faults'][number]['effect'], [string, string]> = {
  effective: ['v-pass', '✓ effective'],
  'not-effective': ['v-fail', '✗ not effective'],
  unverified: ['v-unknown', '? unverified'],
};

function table(head: readonly string[], rows: readonly string[], cls = ''): string {
  return `<div class="table-wrap"><table${cls === '' ? '' : ` class="${cls}"`}><thead><tr>${head.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table></div>`;
}

export function assertionsTable(s: ScenarioReport): string {
  if (s.assertions.length === 0) return '<p class="muted">No assertions: the scenario expects nothing that could be judged.</p>';
  const rows = s.assertions.map(
    (a) =>
      `<tr class="row-${a.verdict}"><td>${verdictBadge(a.verdict)}</td><td class="id"><code>${esc(a.id)}</code><div class="muted small">${esc(a.kind)}</div></td><td>${esc(a.expected)}</td><td>${esc(a.actual)}</td>` +
      `<td><details class="evidence"><summary>evidence</summary><pre>${esc(compactJson(a.evidence))}</pre></details></td></tr>`,
  );
  return table(['Verdict', 'Assertion', 'Expected', 'Actual', 'Evidence'], rows, 'assertions');
}

function keyValues(record: Readonly<Record<string, unknown>>): string {
  const entries = Object.entries(record);
  if (entries.length === 0) return '<span class="muted">—</span>';
  return `<ul class="kv">${entries.map(([k, v]) => `<li><span class="k">${esc(k)}</span> ${esc(typeof v === 'string' ? v : compactJson(v))}</li>`).join('')}</ul>`;
}

export function faultsTable(s: ScenarioReport): string {
  if (s.faults.length === 0) return '<p class="muted">No faults.</p>';
  const rows = s.faults.map((f) => {
    const [cls, effect] = EFFECT[f.effect];
    const when = f.appliedAtMs === null ? `<span class="muted">never applied</span>` : `${esc(instant(f.appliedAtMs))} → ${esc(instant(f.revertedAtMs))}`;
    return (
      `<tr><td><strong>${esc(f.name)}</strong><div class="muted small">${esc(f.kind)}</div></td><td class="when">${esc(timeSpan(f.plannedStartMs, f.plannedEndMs))}</td><td class="when">${when}</td>` +
      `<td>${keyValues(f.requested)}</td><td>${keyValues(f.achieved)}</td><td><span class="badge ${cls}">${effect}</span><div class="small">${esc(f.evidence)}</div></td>` +
      `<td class="num">${esc(duration(f.mttdMs))}${f.detectedBy === null ? '' : `<div class="muted small">${esc(f.detectedBy)}</div>`}</td><td class="num">${esc(duration(f.mttrMs))}</td></tr>`
    );
  });
  return table(['Fault', 'Planned', 'Applied → reverted', 'Requested', 'Achieved', 'Effect and evidence', 'MTTD', 'MTTR'], rows, 'faults');
}

export function alertsTable(s: ScenarioReport): string {
  if (s.alerts.length === 0) return '';
  const rows = s.alerts.map((a) => {
    const firing = a.firing.length === 0 ? '<span class="muted">never fired</span>' : a.firing.map((f) => esc(timeSpan(f.from, f.to))).join('<br>');
    return (
      `<tr><td><strong>${esc(a.name)}</strong><div class="muted small">${esc(a.severity)}</div></td><td>${esc(a.slo)} <span class="muted">(${esc(a.source)})</span></td><td class="num">${esc(num(a.burnRate))}×</td>` +
      `<td>${esc(duration(a.longWindowMs))} / ${esc(duration(a.shortWindowMs))}</td><td>${esc(duration(a.forMs))} / ${esc(duration(a.keepFiringForMs))}</td><td>${firing}${a.error === undefined ? '' : `<div class="error small">${esc(a.error)}</div>`}</td></tr>`
    );
  });
  return table(['Alert', 'SLO', 'Burn rate', 'Windows (long / short)', 'for / keep firing', 'Firing'], rows, 'alerts');
}

const PHASE_ORDER = ['steady', 'chaos', 'recover', 'all'];

export function slisTable(s: ScenarioReport): string {
  if (s.slis.length === 0) return '<p class="muted">No SLIs.</p>';
  const groups = new Map<string, { slo: string; phase: string; objective: number; client?: ScenarioReport['slis'][number]; server?: ScenarioReport['slis'][number] }>();
  for (const sli of s.slis) {
    const key = `${sli.slo}\u0000${sli.phase}`;
    const group = groups.get(key) ?? { slo: sli.slo, phase: sli.phase, objective: sli.objective };
    group[sli.source] = sli;
    groups.set(key, group);
  }
  // SLOs in the report's order, phases in timeline order with the whole run last.
  const sloOrder = [...new Set(s.slis.map((x) => x.slo))];
  const sorted = [...groups.values()].sort((a, b) => sloOrder.indexOf(a.slo) - sloOrder.indexOf(b.slo) || PHASE_ORDER.indexOf(a.phase) - PHASE_ORDER.indexOf(b.phase));
  const cells = (sli: ScenarioReport['slis'][number] | undefined): string => {
    if (sli === undefined) return '<td class="num muted">—</td><td class="num muted">—</td><td class="num muted">—</td>';
    const below = sli.sli !== null && sli.sli < sli.objective;
    const value = `${esc(percent(sli.sli))}${below ? ' <span class="flag">below</span>' : ''}`;
    return `<td class="num${below ? ' bad' : ''}">${value}</td><td class="num">${esc(num(sli.bad, 0))} / ${esc(num(sli.total, 0))}</td><td class="num">${esc(sli.burn === null ? '—' : `${num(sli.burn)}×`)}</td>`;
  };
  const rows = sorted.map((g) => `<tr${g.phase === 'all' ? ' class="total"' : ''}><td>${esc(g.slo)}</td><td>${esc(g.phase)}</td><td class="num">${esc(percent(g.objective))}</td>${cells(g.client)}${cells(g.server)}</tr>`);
  return `<div class="table-wrap"><table class="slis"><thead><tr><th scope="col" rowspan="2">SLO</th><th scope="col" rowspan="2">Phase</th><th scope="col" rowspan="2">Objective</th><th scope="colgroup" colspan="3">Client (as load saw it)</th><th scope="colgroup" colspan="3">Server (its own metrics)</th></tr><tr><th scope="col">SLI</th><th scope="col">Bad / total</th><th scope="col">Burn</th><th scope="col">SLI</th><th scope="col">Bad / total</th><th scope="col">Burn</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table></div>`;
}

export function findingsList(s: ScenarioReport): string {
  if (s.findings.length === 0) return '<p class="muted">No findings.</p>';
  return `<ul class="findings">${s.findings.map((f) => `<li>${esc(f)}</li>`).join('')}</ul>`;
}

export function prometheusTable(s: ScenarioReport): string {
  if (s.prometheus === undefined || s.prometheus.length === 0) return '';
  const spans = (list: readonly { from: number; to: number | null }[]) => (list.length === 0 ? '<span class="muted">never</span>' : list.map((f) => esc(timeSpan(f.from, f.to))).join('<br>'));
  const rows = s.prometheus.map(
    (p) =>
      `<tr><td><strong>${esc(p.alert)}</strong></td><td>${spans(p.firing)}</td><td>${spans(p.own)}</td><td class="num">${esc(delta(p.fireDeltaMs))}</td><td class="num">${esc(delta(p.resolveDeltaMs))}</td><td>${p.error === undefined ? '' : `<span class="error">${esc(p.error)}</span>`}</td></tr>`,
  );
  return table(['Alert', 'Prometheus fired', 'faultline fired', 'Fire Δ', 'Resolve Δ', 'Error'], rows, 'prometheus');
}

export function durabilityBlock(s: ScenarioReport): string {
  const d = s.durability;
  if (d === undefined) return '';
  const stat = (label: string, value: number, bad = false) => `<div class="stat${bad && value > 0 ? ' bad' : ''}"><div class="stat-value">${esc(num(value, 0))}</div><div class="stat-label">${esc(label)}</div></div>`;
  const failed = Object.entries(d.failedWrites);
  return (
    `<div class="stats">${stat('writes attempted', d.attempted)}${stat('acknowledged', d.acknowledged)}${stat('read back', d.verified)}${stat('lost', d.lost, true)}${stat('mismatched', d.mismatched, true)}</div>` +
    (failed.length === 0 ? '' : `<p class="small">Failed writes (not acknowledged, so not owed): ${failed.map(([code, n]) => `<code>${esc(code)}</code> ${esc(num(n, 0))}`).join(', ')}</p>`) +
    (d.examples.length === 0 ? '' : `<p class="small">Examples of lost or mismatched keys:</p><ul class="small">${d.examples.map((e) => `<li><code>${esc(e)}</code></li>`).join('')}</ul>`)
  );
}

export function eventsTable(s: ScenarioReport): string {
  if (s.events.length === 0) return '';
  const rows = s.events.map((e) => `<tr><td class="num">${esc(instant(e.t))}</td><td><code>${esc(e.type)}</code></td><td>${esc(e.text)}</td></tr>`);
  return `<details class="events"><summary>Events (${s.events.length})</summary>${table(['Time', 'Type', 'Event'], rows, 'compact')}</details>`;
}
