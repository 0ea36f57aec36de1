/**
 * The units of the scenario language. Durations are strings with a unit (`250ms`, `30s`,
 * `2m`, `1h`, or combined `1m30s`), rates are per second or minute (`50/s`, `600/m`), sizes
 * are bytes with a decimal or binary unit (`64MB`, `512KiB`), percentages are `99.5%` or a
 * ratio `0.995`. Everything resolves to a base unit: ms, per-second, bytes, ratio. A count of
 * CPU threads may be per core (`2/core`); the resolver multiplies it by the machine's cores.
 * A parser returns the value, or a message saying what was expected.
 */

export type Parsed<T> = { ok: true; value: T } | { ok: false; expected: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const no = (expected: string): Parsed<never> => ({ ok: false, expected });

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const DURATION_RANK: Record<string, number> = { h: 0, m: 1, s: 2, ms: 3 };
const DURATION = /^(?:(\d+(?:\.\d+)?)(ms|s|m|h))+$/;
/** The same language as a JSON Schema pattern: units largest first, each at most once. */
export const DURATION_PATTERN = '^\\s*(?=\\d)(\\d+(\\.\\d+)?h)?(\\d+(\\.\\d+)?m(?!s))?(\\d+(\\.\\d+)?s)?(\\d+(\\.\\d+)?ms)?\\s*$';
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

/** `250ms`, `30s`, `2m`, `1h`, `1m30s` → ms. `0s` is allowed; bare numbers are not (which unit?). */
export function parseDuration(input: unknown): Parsed<number> {
  const expected = 'a duration like "250ms", "30s", "2m" or "1m30s"';
  if (typeof input !== 'string') return no(expected);
  const text = input.trim();
  if (!DURATION.test(text)) return no(expected);
  let ms = 0;
  let rank = -1;
  for (const [, amount, unit] of text.matchAll(DURATION_PART)) {
    const next = DURATION_RANK[unit as string] as number;
    if (next <= rank) return no(`${expected} (largest unit first, each at most once)`);
    rank = next;
    ms += Number(amount) * (DURATION_UNITS[unit as string] as number);
  }
  return Number.isFinite(ms) ? ok(Math.round(ms * 1000) / 1000) : no(expected);
}

/** `50/s`, `600/m`, `3000/h` → per second. */
export function parseRate(input: unknown): Parsed<number> {
  const expected = 'a rate like "50/s" or "600/m"';
  if (typeof input !== 'string') return no(expected);
  const match = /^(\d+(?:\.\d+)?)\s*\/\s*(s|m|h)$/.exec(input.trim());
  if (match === null) return no(expected);
  const perUnit = { s: 1, m: 60, h: 3600 }[match[2] as 's' | 'm' | 'h'];
  return ok(Number(match[1]) / perUnit);
}

const SIZE_UNITS: Record<string, number> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
};

/**
 * `4/core` → 4: threads per CPU core, for a `cpu.workers` that fits any machine. Any number
 * before `/core` parses (even `-1` or `1.5`), so that the field can say what is wrong with it.
 */
export function parsePerCore(input: unknown): Parsed<number> {
  const expected = 'a count per CPU core like "2/core"';
  if (typeof input !== 'string') return no(expected);
  const match = /^(-?\d+(?:\.\d+)?)\s*\/\s*core$/.exec(input.trim());
  const perCore = Number(match?.[1]);
  return match !== null && Number.isFinite(perCore) ? ok(perCore) : no(expected);
}

/** `64MB` (10^6), `512KiB` (2^10), `100B` → bytes (rounded down to whole bytes). */
export function parseSize(input: unknown): Parsed<number> {
  const expected = 'a size like "64MB", "512KiB" or "100B"';
  if (typeof input !== 'string') return no(expected);
  const match = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)$/.exec(input.trim());
  if (match === null) return no(expected);
  return ok(Math.floor(Number(match[1]) * (SIZE_UNITS[match[2] as string] as number)));
}

/** `99.5%` or `0.995` → 0.995. Must lie in [0, 1]. */
export function parsePercent(input: unknown): Parsed<number> {
  const expected = 'a percentage like "99.5%" or a ratio from 0 to 1 like 0.995';
  let ratio: number;
  if (typeof input === 'number') ratio = input;
  else if (typeof input === 'string' && /^\s*\d+(?:\.\d+)?\s*$/.test(input)) ratio = Number(input);
  else if (typeof input === 'string' && /^\d+(?:\.\d+)?%$/.test(input.trim())) ratio = Number(input.trim().slice(0, -1)) / 100;
  else return no(expected);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) return no(expected);
  return ok(Math.round(ratio * 1e12) / 1e12);
}

/** Formats ms back into the language, for messages: 90000 → "1m30s". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const) {
    const whole = Math.floor(rest / size);
    if (whole > 0) {
      parts.push(`${whole}${unit}`);
      rest -= whole * size;
    }
  }
  if (rest > 0) parts.push(`${Math.round(rest * 1000) / 1000}ms`);
  return parts.join('');
}

/** `32MB/s`, `512KiB/s` → bytes per second. */
export function parseSizeRate(input: unknown): Parsed<number> {
  const expected = 'a size per second like "32MB/s" or "512KiB/s"';
  if (typeof input !== 'string') return no(expected);
  const match = /^(.+?)\s*\/\s*s$/.exec(input.trim());
  if (match === null) return no(expected);
  const size = parseSize(match[1]);
  return size.ok ? size : no(expected);
}

/** Bytes as a whole number or a size string: `1024`, `64KB`. */
export function parseBytes(input: unknown): Parsed<number> {
  if (typeof input === 'number' && Number.isInteger(input) && input >= 0) return ok(input);
  if (typeof input === 'string' && /^\s*\d+\s*$/.test(input)) return ok(Number(input));
  const size = parseSize(input);
  return size.ok ? size : no('a size like "64KB" or a whole number of bytes');
}
