import { esc } from './html-escape.js';
import { duration, timeSpan } from './html-format.js';
import type { ScenarioReport } from './model.js';
import { c, linear, textWidth, timeLabel, timeTicks } from './svg-scale.js';
import { FRAME } from './svg-timeline.js';

/**
 * The error-budget level strip: per SLO and source, green / yellow / red / unknown over the
 * timeline, on the same x frame as the timeline chart so the two line up on the page.
 *
 * A level span lists evaluation ticks (`from` and `to` are the first and last tick at that
 * level), and a tick judges the window that ends at it. So a span is drawn from one tick
 * before `from` to `to`, and consecutive spans tile the timeline without gaps.
 */

const ROW = 28;
const LEVELS = ['green', 'yellow', 'red', 'unknown'] as const;
const MEANING: Record<(typeof LEVELS)[number], string> = { green: 'burn < 0.1×', yellow: '0.1× ≤ burn < 1×', red: 'burn ≥ 1×', unknown: 'too few events' };

export function levelStrip(scenario: ScenarioReport, t1: number): string {
  const rows = scenario.levels;
  if (rows.length === 0) return '';
  const xs = linear([0, t1], [FRAME.x0, FRAME.x1]);
  const legendY = 12;
  const top = legendY + 10;
  const bottom = top + rows.length * ROW;
  const out: string[] = [`<svg class="chart levels" data-chart="levels" viewBox="0 0 ${FRAME.width} ${bottom + 20}" role="img" aria-label="${esc(`Error budget levels of ${scenario.name}`)}">`];
  out.push(`<title>${esc(`Error budget levels of ${scenario.name}`)}</title>`);
  let x: number = FRAME.x0;
  for (const level of LEVELS) {
    const label = `${level} (${MEANING[level]})`;
    out.push(`<rect class="lv-${level}" x="${c(x)}" y="${legendY - 8}" width="12" height="9"/><text class="legend-text" x="${c(x + 16)}" y="${legendY}">${esc(label)}</text>`);
    x += 16 + textWidth(label) + 22;
  }
  const time = timeTicks(0, t1, 12);
  rows.forEach((row, i) => {
    const y = top + i * ROW;
    out.push(`<text class="ptitle" x="${FRAME.x0}" y="${c(y + 11)}">${esc(`${row.slo} · ${row.source} · ${duration(row.windowMs)} window`)}</text>`);
    out.push(`<rect class="plot" x="${FRAME.x0}" y="${c(y + 15)}" width="${FRAME.x1 - FRAME.x0}" height="10"/>`);
    const tick = tickOf(row.spans);
    for (const span of row.spans) {
      const a = xs(span.from - tick);
      const b = xs(span.to);
      if (b <= a) continue;
      out.push(`<rect class="lv-${span.level}" x="${c(a)}" y="${c(y + 15)}" width="${c(b - a)}" height="10"><title>${esc(`${span.level} ${timeSpan(span.from - tick, span.to)}`)}</title></rect>`);
    }
  });
  for (const t of time.ticks) {
    out.push(`<line class="axis-tick" x1="${c(xs(t))}" x2="${c(xs(t))}" y1="${bottom}" y2="${bottom + 3}"/>`);
    out.push(`<text class="tick" x="${c(xs(t))}" y="${bottom + 14}" text-anchor="middle">${esc(timeLabel(t, time.stepMs))}</text>`);
  }
  out.push('</svg>');
  return out.join('\n');
}

/** The evaluation interval: the smallest gap from one span's last tick to the next one's first (1 s without two spans). */
function tickOf(spans: readonly { from: number; to: number }[]): number {
  let tick = Infinity;
  for (let i = 1; i < spans.length; i++) {
    const gap = (spans[i]?.from ?? 0) - (spans[i - 1]?.to ?? 0);
    if (gap > 0) tick = Math.min(tick, gap);
  }
  return Number.isFinite(tick) ? tick : 1000;
}
