/**
 * Scales and ticks for the report's SVG charts. Coordinates are rounded to 0.1 unit so the
 * markup is short and the same numbers always print the same way.
 */

/** A coordinate for an SVG attribute: 0.1 precision, no "-0". */
export function c(value: number): string {
  const rounded = Math.round(value * 10) / 10;
  return rounded === 0 ? '0' : String(rounded);
}

export interface LinearScale {
  (value: number): number;
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
}

/** Maps [d0, d1] onto [r0, r1], clamped: a value outside the domain sits on its edge. */
export function linear(domain: readonly [number, number], range: readonly [number, number]): LinearScale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 === 0 ? 1 : d1 - d0;
  const scale = (value: number): number => {
    const clamped = Math.min(Math.max(value, Math.min(d0, d1)), Math.max(d0, d1));
    return r0 + ((clamped - d0) / span) * (r1 - r0);
  };
  return Object.assign(scale, { domain, range });
}

/** The 1-2-5 step that cuts [0, max] into about `count` intervals. */
export function niceStep(max: number, count: number): number {
  if (!(max > 0) || !Number.isFinite(max)) return 1;
  const raw = max / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const residual = raw / magnitude;
  const factor = residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 2.5 ? 2.5 : residual <= 5 ? 5 : 10;
  return factor * magnitude;
}

/** A y axis from 0: its top (a multiple of the step, at least `max`), its ticks and step. */
export function niceAxis(max: number, count = 3): { top: number; step: number; ticks: number[] } {
  const step = niceStep(max, count);
  const top = Math.max(step, Math.ceil(max / step - 1e-9) * step);
  const ticks: number[] = [];
  for (let k = 0; k * step <= top + step * 1e-9; k++) ticks.push(roundTo(k * step, step));
  return { top, step, ticks };
}

/** Tick label for `value` on an axis of `step`: as many decimals as the step needs, k/M beyond 10 000. */
export function tickLabel(value: number, step: number): string {
  if (Math.abs(value) >= 1e6 && step >= 1e5) return `${trim((value / 1e6).toFixed(decimals(step / 1e6)))}M`;
  if (Math.abs(value) >= 1e4 && step >= 1e3) return `${trim((value / 1e3).toFixed(decimals(step / 1e3)))}k`;
  return trim(value.toFixed(decimals(step)));
}

/**
 * The width of 11-unit system-font text, estimated (the renderer has no font metrics): enough
 * to keep labels and legend entries from overlapping, generous rather than tight.
 */
export function textWidth(text: string): number {
  let width = 0;
  for (const ch of text) {
    if (/[il.,:;|!'()[\] ]/.test(ch)) width += 3.4;
    else if (/[mwMW@%]/.test(ch)) width += 9.4;
    else if (/[<>=≤≥×±+−~·]/.test(ch)) width += 7.2;
    else if (/[A-Z]/.test(ch)) width += 7.6;
    else width += 6.3;
  }
  return width;
}

const TIME_STEPS_S = [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];

/** Ticks of a time axis in ms: a round number of seconds (or minutes) apart, about `count` of them. */
export function timeTicks(fromMs: number, toMs: number, count: number): { ticks: number[]; stepMs: number } {
  const spanS = Math.max(1, (toMs - fromMs) / 1000);
  const stepS = TIME_STEPS_S.find((s) => spanS / s <= count) ?? Math.ceil(spanS / count / 3600) * 3600;
  const stepMs = stepS * 1000;
  const ticks: number[] = [];
  for (let t = Math.ceil(fromMs / stepMs) * stepMs; t <= toMs + 1e-6; t += stepMs) ticks.push(t);
  return { ticks, stepMs };
}

/** A time-axis label: "25 s" below two minutes' steps, "m:ss" from there. */
export function timeLabel(ms: number, stepMs: number): string {
  const s = Math.round(ms / 1000);
  if (stepMs < 60_000) return `${s} s`;
  const sign = s < 0 ? '−' : '';
  const abs = Math.abs(s);
  return `${sign}${Math.floor(abs / 60)}:${String(abs % 60).padStart(2, '0')}`;
}

/** The fewest decimals (up to 6) that write multiples of `step` exactly: 2.5 → 1, 0.05 → 2. */
function decimals(step: number): number {
  for (let d = 0; d < 6; d++) {
    const scaled = step * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-9 * Math.max(1, scaled)) return d;
  }
  return 6;
}

function roundTo(value: number, step: number): number {
  const d = decimals(step);
  return Number(value.toFixed(d));
}

function trim(fixed: string): string {
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}
