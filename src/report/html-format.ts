/**
 * Number and time formatting for the HTML report. Everything here is locale-free (toFixed, no
 * Intl, no Date): the same report must render the same bytes on every machine.
 */

const DASH = '—';

/** A timeline instant in seconds, e.g. 15001.4 → "15.0 s". */
export function instant(ms: number | null): string {
  return ms === null ? DASH : `${(ms / 1000).toFixed(1)} s`;
}

/** A span of the timeline, e.g. "10.0–30.0 s"; an open end reads "10.0 s–end". */
export function timeSpan(from: number, to: number | null): string {
  return to === null ? `${(from / 1000).toFixed(1)} s–end` : `${(from / 1000).toFixed(1)}–${(to / 1000).toFixed(1)} s`;
}

/** A short duration: "191 ms", "1.16 s", "30 s" (whole seconds), "20.5 s", "4 min 05 s". */
export function duration(ms: number | null): string {
  if (ms === null) return DASH;
  const abs = Math.abs(ms);
  const sign = ms < 0 ? '−' : '';
  if (abs < 1000) return `${sign}${Math.round(abs)} ms`;
  if (abs < 60_000 && abs % 1000 === 0) return `${sign}${abs / 1000} s`;
  if (abs < 10_000) return `${sign}${(abs / 1000).toFixed(2)} s`;
  if (abs < 60_000) return `${sign}${(abs / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(abs / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${sign}${hours} h ${String(minutes).padStart(2, '0')} min`;
  return `${sign}${minutes} min ${String(seconds).padStart(2, '0')} s`;
}

/** A signed difference in ms, e.g. "+1 ms", "−1000 ms". */
export function delta(ms: number | null): string {
  if (ms === null) return DASH;
  return `${ms > 0 ? '+' : ms < 0 ? '−' : '±'}${Math.round(Math.abs(ms))} ms`;
}

/** A ratio as a percentage: 0.9897959 → "98.98%". */
export function percent(ratio: number | null, digits = 2): string {
  return ratio === null ? DASH : `${(ratio * 100).toFixed(digits)}%`;
}

/** A plain number with at most `digits` decimals, trailing zeros dropped: 14.4, 0.87, 3608. */
export function num(value: number | null, digits = 2): string {
  if (value === null) return DASH;
  if (!Number.isFinite(value)) return String(value);
  const fixed = value.toFixed(digits);
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/** A resilience score out of 100. */
export function score(value: number | null): string {
  return value === null ? DASH : num(value, 1);
}

/** An ISO-8601 instant as "2026-11-25 20:16:19 UTC"; anything else is shown as written. */
export function wallClock(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(iso);
  return match === null ? iso : `${match[1] ?? ''} ${match[2] ?? ''} UTC`;
}

/** Compact JSON for evidence: one line, numbers as the report holds them. */
export function compactJson(value: unknown): string {
  return JSON.stringify(value) ?? 'undefined';
}

/** "1 scenario", "2 scenarios". */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
