import { esc } from './html-escape.js';
import { timeSpan } from './html-format.js';
import type { ReportFault, ScenarioReport } from './model.js';
import { c, linear, niceAxis, textWidth, tickLabel, timeLabel, timeTicks, type LinearScale } from './svg-scale.js';
import { timelinePanels, type Band, type Panel } from './svg-panels.js';

/**
 * The per-scenario timeline: stacked panels on one x axis (seconds of the scenario's timeline),
 * the phases and fault windows drawn across all of them. Plain SVG markup built as strings:
 * colours are CSS classes resolved by the page's custom properties, so light, dark and print
 * styles restyle the chart without re-rendering it.
 */

/** The frame every timeline-aligned chart shares, so their x axes line up on the page. */
export const FRAME = { width: 1000, x0: 58, x1: 986 } as const;
const WIDTH = FRAME.width;
const X0 = FRAME.x0;
const X1 = FRAME.x1;
const LANE = 18;
const HEAD = 18;
const GAP = 14;

/** What the page's hover script needs to read values under the cursor (no drawing data). */
export interface TimelineData {
  x0: number;
  x1: number;
  t0: number;
  t1: number;
  step: number;
  t: number[];
  /** Per panel: its title, its vertical extent (for the panel under the cursor), decimals and suffix, and its lines' values by bucket. */
  panels: { title: string; y0: number; y1: number; d: number; u: string; rows: { l: string; k: string; v: (number | null)[] }[] }[];
  health: [number, string][];
  phases: [number, number, string][];
  faults: [number, number, string][];
}

export interface Timeline {
  svg: string;
  data: TimelineData;
  /** Panels left out because their data is all null. */
  missing: string[];
}

interface Placed extends Panel {
  top: number;
  y: LinearScale | null;
  axis: { top: number; step: number; ticks: number[] } | null;
}

interface FaultSpan {
  fault: ReportFault;
  from: number;
  to: number;
  applied: boolean;
  label: string;
  lane: number;
  /** x of the label and its anchor. */
  labelX: number;
  anchor: 'start' | 'end';
}

export function timelineChart(scenario: ScenarioReport): Timeline {
  const { series } = scenario;
  const step = series.stepMs > 0 ? series.stepMs : 1000;
  const lastBucket = series.t[series.t.length - 1];
  const t0 = 0;
  const t1 = Math.max(scenario.timelineMs, lastBucket === undefined ? 0 : lastBucket + step, 1000);
  const xs = linear([t0, t1], [X0, X1]);
  const { panels, missing } = timelinePanels(scenario);

  const phases = scenario.phases.map((p) => ({ name: p.name, from: p.startMs ?? p.plannedStartMs, to: p.endMs ?? p.plannedEndMs }));
  const faults = placeFaults(scenario.faults, xs, t1);
  const lanes = faults.reduce((n, f) => Math.max(n, f.lane + 1), 0);

  let y = 6 + LANE + 4 + lanes * LANE + (lanes > 0 ? 4 : 0);
  const placed: Placed[] = panels.map((panel) => {
    const top = y + HEAD;
    y = top + panel.height + GAP;
    if (panel.bands !== undefined) return { ...panel, top, y: null, axis: null };
    const max = Math.max(panel.minTop ?? 0, panel.threshold === undefined ? 0 : panel.threshold.value * 1.2, ...panel.lines.flatMap((l) => l.values.filter((v): v is number => v !== null && Number.isFinite(v))));
    const axis = niceAxis(max, panel.height >= 80 ? 4 : panel.height >= 50 ? 3 : 2);
    return { ...panel, top, axis, y: linear([0, axis.top], [top + panel.height, top]) };
  });
  const plotTop = 6;
  const plotBottom = y - GAP;
  const height = plotBottom + 24;
  const time = timeTicks(t0, t1, 12);
  const xAt = (panel: Panel, k: number): number => xs((series.t[k] ?? k * step) + (panel.at === 'middle' ? step / 2 : step));

  const out: string[] = [];
  out.push(`<svg class="chart" data-chart="timeline" viewBox="0 0 ${WIDTH} ${c(height)}" role="img" aria-label="${esc(`Timeline of ${scenario.name}`)}">`);
  out.push(`<title>${esc(`Timeline of ${scenario.name}: health, load, latency, burn rates and resources, with fault windows shaded`)}</title>`);

  // Phases on top: a band per phase, named when there is room.
  for (const p of phases) {
    const a = xs(p.from);
    const b = xs(p.to);
    out.push(`<rect class="phase ph-${esc(p.name)}" x="${c(a)}" y="6" width="${c(Math.max(0, b - a))}" height="${LANE}"/>`);
    if (b - a > textWidth(p.name) + 8) out.push(`<text class="phase-label" x="${c((a + b) / 2)}" y="${6 + 13}" text-anchor="middle">${esc(p.name)}</text>`);
  }

  // Plot backgrounds, then the fault windows over them (under grid and data).
  for (const p of placed) out.push(`<rect class="plot" x="${X0}" y="${c(p.top)}" width="${X1 - X0}" height="${p.height}"/>`);
  for (const f of faults) out.push(faultWindow(f, xs, placed));

  // Grid: time ticks through every panel, value ticks per panel, phase boundaries through all.
  // One path for the whole grid: a few hundred lines as separate elements would weigh more than the data.
  const grid: string[] = [];
  for (const p of placed) {
    for (const t of time.ticks) grid.push(`M${c(xs(t))},${c(p.top)}V${c(p.top + p.height)}`);
    if (p.axis !== null && p.y !== null) for (const v of p.axis.ticks.slice(1)) grid.push(`M${X0},${c(p.y(v))}H${X1}`);
  }
  if (grid.length > 0) out.push(`<path class="grid" d="${grid.join('')}"/>`);
  for (const [i, p] of phases.entries()) {
    const edges = i === phases.length - 1 ? [p.from, p.to] : [p.from];
    for (const e of edges) if (e > t0 && e < t1) out.push(`<line class="phase-line" x1="${c(xs(e))}" x2="${c(xs(e))}" y1="${plotTop}" y2="${c(plotBottom)}"/>`);
  }

  for (const p of placed) out.push(p.bands !== undefined ? bandMarks(p, p.bands, xs, t1) : lineMarks(p, xs, t1, (k) => xAt(p, k)));
  for (const p of placed) out.push(panelText(p));
  for (const t of time.ticks) out.push(`<text class="tick" x="${c(xs(t))}" y="${c(plotBottom + 15)}" text-anchor="middle">${esc(timeLabel(t, time.stepMs))}</text>`);
  out.push(`<line class="crosshair" x1="${X0}" x2="${X0}" y1="${plotTop}" y2="${c(plotBottom)}"/>`);
  out.push('</svg>');

  const data: TimelineData = {
    x0: X0,
    x1: X1,
    t0,
    t1,
    step,
    t: series.t,
    panels: placed.map((p) => ({ title: p.title, y0: p.top - HEAD, y1: p.top + p.height + GAP / 2, d: p.digits, u: p.suffix, rows: p.lines.map((l) => ({ l: l.label, k: l.colour, v: [...l.values] })) })),
    health: scenario.healthChanges.map((h): [number, string] => [h.t, h.state]),
    phases: phases.map((p): [number, number, string] => [p.from, p.to, p.name]),
    faults: faults.map((f): [number, number, string] => [f.from, f.to, f.fault.name]),
  };
  return { svg: out.join('\n'), data, missing };
}

/** Each fault's window (applied → reverted, else as planned) and a label lane where labels do not overlap. */
function placeFaults(faults: readonly ReportFault[], xs: LinearScale, t1: number): FaultSpan[] {
  const laneEnds: number[] = [];
  return faults.map((fault) => {
    const applied = fault.appliedAtMs !== null;
    const from = fault.appliedAtMs ?? fault.plannedStartMs;
    const to = applied ? (fault.revertedAtMs ?? t1) : fault.plannedEndMs;
    const label = applied ? fault.name : `${fault.name} (planned, not applied)`;
    const width = textWidth(label) + 10;
    const start = xs(from);
    const fits = start + width <= X1;
    const left = fits ? start : X1 - width;
    let lane = laneEnds.findIndex((end) => end + 6 <= left);
    if (lane === -1) lane = laneEnds.length;
    laneEnds[lane] = Math.max(left + width, xs(to));
    return { fault, from, to, applied, label, lane, labelX: fits ? start + 4 : X1 - 4, anchor: fits ? 'start' : 'end' };
  });
}

function faultWindow(f: FaultSpan, xs: LinearScale, panels: readonly Placed[]): string {
  let a = xs(f.from);
  let b = xs(f.to);
  if (b - a < 2) {
    const mid = (a + b) / 2;
    a = mid - 1;
    b = mid + 1;
  }
  const laneY = 6 + LANE + 4 + f.lane * LANE;
  const when = f.applied ? `applied ${timeSpan(f.from, f.fault.revertedAtMs)}` : `planned ${timeSpan(f.from, f.to)}, never applied`;
  const parts = [
    `<g class="fault-window${f.applied ? '' : ' planned'}" data-fault-window="${esc(f.fault.name)}">`,
    `<title>${esc(`${f.fault.name} (${f.fault.kind}): ${when}; ${f.fault.effect}`)}</title>`,
    `<rect class="fault-tag" x="${c(a)}" y="${c(laneY + 2)}" width="${c(b - a)}" height="${LANE - 4}"/>`,
    `<text class="fault-label" x="${c(f.labelX)}" y="${c(laneY + 13)}" text-anchor="${f.anchor}">${esc(f.label)}</text>`,
  ];
  for (const p of panels) parts.push(`<rect class="fault-shade" x="${c(a)}" y="${c(p.top)}" width="${c(b - a)}" height="${p.height}"/>`);
  parts.push('</g>');
  return parts.join('');
}

const HEALTH_CLASS: Record<Band['state'], string> = { UP: 'h-up', DOWN: 'h-down', UNREACHABLE: 'h-unreachable' };

function bandMarks(p: Placed, bands: readonly Band[], xs: LinearScale, t1: number): string {
  const out: string[] = [];
  for (const band of bands) {
    const to = band.to ?? t1;
    const a = xs(band.from);
    const b = xs(to);
    if (b - a <= 0) continue;
    out.push(`<rect class="${HEALTH_CLASS[band.state]}" x="${c(a)}" y="${c(p.top)}" width="${c(b - a)}" height="${p.height}"><title>${esc(`${band.state} ${timeSpan(band.from, band.to)}`)}</title></rect>`);
    if (b - a > textWidth(band.state) + 8) out.push(`<text class="band-label" x="${c((a + b) / 2)}" y="${c(p.top + p.height / 2 + 4)}" text-anchor="middle">${band.state}</text>`);
  }
  return out.join('\n');
}

function lineMarks(p: Placed, xs: LinearScale, t1: number, xAt: (k: number) => number): string {
  const y = p.y;
  if (y === null) return '';
  const base = p.top + p.height;
  const out: string[] = [];
  for (const span of p.firing ?? []) {
    const a = xs(span.from);
    const b = Math.max(a + 1, xs(span.to ?? t1));
    out.push(`<rect class="firing" x="${c(a)}" y="${c(p.top)}" width="${c(b - a)}" height="${p.height}"><title>${esc(`firing ${timeSpan(span.from, span.to)}`)}</title></rect>`);
    out.push(`<rect class="firing-bar" x="${c(a)}" y="${c(p.top)}" width="${c(b - a)}" height="3"/>`);
  }
  for (const line of p.lines) {
    const runs = segments(line.values);
    const cls = `k-${line.colour}`;
    if (line.area === true) {
      for (const run of runs) {
        if (run.length < 2) continue;
        const points = run.map((k) => `${c(xAt(k))},${c(y(line.values[k] ?? 0))}`).join('L');
        out.push(`<path class="area ${cls}" d="M${c(xAt(run[0] ?? 0))},${c(base)}L${points}L${c(xAt(run[run.length - 1] ?? 0))},${c(base)}Z"/>`);
      }
    }
    const d = runs
      .filter((run) => run.length > 1)
      .map((run) => `M${run.map((k) => `${c(xAt(k))},${c(y(line.values[k] ?? 0))}`).join('L')}`)
      .join('');
    if (d !== '') out.push(`<path class="line ${cls}${line.secondary === true ? ' secondary' : ''}" d="${d}"/>`);
    for (const run of runs) if (run.length === 1) out.push(`<circle class="dot ${cls}" cx="${c(xAt(run[0] ?? 0))}" cy="${c(y(line.values[run[0] ?? 0] ?? 0))}" r="1.8"/>`);
  }
  if (p.threshold !== undefined) {
    const ty = y(p.threshold.value);
    out.push(`<line class="threshold" x1="${X0}" x2="${X1}" y1="${c(ty)}" y2="${c(ty)}"/>`);
    out.push(`<text class="threshold-label" x="${X1 - 4}" y="${c(ty - 3)}" text-anchor="end">${esc(p.threshold.label)}</text>`);
  }
  return out.join('\n');
}

/** Runs of consecutive indexes with a finite value. */
function segments(values: readonly (number | null)[]): number[][] {
  const runs: number[][] = [];
  let run: number[] = [];
  values.forEach((v, k) => {
    if (v !== null && Number.isFinite(v)) run.push(k);
    else if (run.length > 0) {
      runs.push(run);
      run = [];
    }
  });
  if (run.length > 0) runs.push(run);
  return runs;
}

function panelText(p: Placed): string {
  const out: string[] = [];
  const titleY = p.top - 5;
  out.push(`<text class="ptitle" x="${X0}" y="${c(titleY)}">${esc(p.title)}</text>`);
  let x = X0 + textWidth(p.title) * 1.08 + 18;
  const item = (swatch: string, label: string, cls: string): void => {
    const pad = swatch === '' ? 0 : 19;
    const width = pad + textWidth(label) + 14;
    if (x + width > X1) return;
    out.push(`<g class="legend${cls === '' ? '' : ` ${cls}`}">${swatch.replaceAll('{x}', c(x)).replaceAll('{x2}', c(x + 14)).replaceAll('{y}', c(titleY - 4))}<text x="${c(x + pad)}" y="${c(titleY)}">${esc(label)}</text></g>`);
    x += width;
  };
  if (p.bands !== undefined) {
    for (const state of ['UP', 'DOWN', 'UNREACHABLE'] as const) item(`<rect class="${HEALTH_CLASS[state]}" x="{x}" y="${c(titleY - 8)}" width="14" height="9"/>`, state, '');
  }
  for (const line of p.lines) item(`<line class="line${line.secondary === true ? ' secondary' : ''}" x1="{x}" x2="{x2}" y1="{y}" y2="{y}"/>`, line.label, `k-${line.colour}`);
  if (p.threshold !== undefined) item('<line class="threshold" x1="{x}" x2="{x2}" y1="{y}" y2="{y}"/>', `threshold ${p.threshold.label}`, '');
  if (p.firing !== undefined && p.firing.length > 0) item(`<rect class="firing-swatch" x="{x}" y="${c(titleY - 8)}" width="14" height="9"/>`, 'firing', '');
  if (p.firing !== undefined && p.firing.length === 0) item('', 'never fired', 'quiet');
  if (p.axis !== null && p.y !== null) {
    for (const v of p.axis.ticks) out.push(`<text class="tick" x="${X0 - 6}" y="${c(p.y(v) + 3.5)}" text-anchor="end">${esc(tickLabel(v, p.axis.step) + (p.axisSuffix ?? ''))}</text>`);
  }
  return out.join('\n');
}
