import type { Matcher } from '../scenario/selector.js';

/**
 * The few pieces of PromQL text the rule exporter writes: string literals, selectors, numbers
 * and durations. Each returns text that Prometheus 2.42+ parses back to exactly the value given.
 */

/**
 * A PromQL double-quoted string literal. PromQL unquotes with Go's escape rules, so `\` and `"`
 * are escaped, and so is every control character (a raw newline ends the literal for the lexer).
 */
export function promString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) as number;
    if (ch === '\\' || ch === '"') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** `name{a="x",b=~"y"}`, or just `name` without matchers. Metric and label names are already valid (the selector parser checks them). */
export function promSelector(metric: string, matchers: readonly Matcher[]): string {
  if (matchers.length === 0) return metric;
  return `${metric}{${matchers.map(({ label, op, value }) => `${label}${op}${promString(value)}`).join(',')}}`;
}

/**
 * A number as PromQL reads it, rounded to 12 significant digits so that float noise from
 * arithmetic (14.4 × 0.01 = 0.14400000000000002) does not reach the rule file.
 */
export function promNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  return String(roundDigits(value));
}

/** `value` rounded to 12 significant digits. */
export function roundDigits(value: number): number {
  return value === 0 ? 0 : Number(value.toPrecision(12));
}

const UNITS = [
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
] as const;

/**
 * ms as a Prometheus duration: `30s`, `1m30s`, `500ms`, `1s500ms`, `0s`. Prometheus counts
 * whole milliseconds, so a fraction is rounded up (after dropping float noise below 1 µs).
 */
export function promDuration(ms: number): string {
  if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`not a duration in ms: ${ms}`);
  let rest = wholeMs(ms);
  if (rest === 0) return '0s';
  let out = '';
  for (const [unit, size] of UNITS) {
    const whole = Math.floor(rest / size);
    if (whole > 0) out += `${whole}${unit}`;
    rest -= whole * size;
  }
  return rest > 0 ? `${out}${rest}ms` : out;
}

/** ms rounded up to a whole millisecond, ignoring float noise (4320.000000000004 → 4320). */
export function wholeMs(ms: number): number {
  return Math.ceil(Number(ms.toFixed(3)));
}

/**
 * Text for a Prometheus label value or annotation, which Prometheus expands as a Go template:
 * `{{` would start an action, so it is written as an action that prints `{{`.
 */
export function templateLiteral(text: string): string {
  return text.replaceAll('{{', '{{ "{{" }}');
}
