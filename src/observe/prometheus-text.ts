/**
 * A strict parser of the Prometheus text exposition format 0.0.4 (what prom-client emits).
 * It accepts what the reference parsers accept (prometheus/common `expfmt`, Prometheus's own
 * scraper) and reports, with line and column, what they reject or would have to guess at:
 * unknown escapes, duplicate label names, two values for one series, a TYPE line after the
 * family's samples, a histogram bucket without `le`. It is deliberately lenient only where the
 * meaning is unambiguous: CRLF line ends, blanks at the start and end of a line, a trailing
 * comma in a label set, a family split into several groups (merged, as both reference parsers
 * do). The last line must end with a newline, so a body cut off mid-line never parses.
 * OpenMetrics and UTF-8 (quoted) metric names are out of scope and are reported as errors.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface PromSample {
  /** The series name as written, e.g. `http_request_duration_seconds_bucket`. */
  name: string;
  /** Labels as written, `le` and `quantile` included (their text is kept, e.g. `le="0.2"`). */
  labels: Record<string, string>;
  value: number;
  /** The optional timestamp, ms since the Unix epoch. */
  timestampMs?: number;
}

export interface MetricFamily {
  name: string;
  /** `untyped` also when the family has no TYPE line. */
  type: MetricType;
  help?: string;
  samples: PromSample[];
}

export type PromTextIssueCode =
  /** A token is missing or malformed (name, label set, value position, stray text). */
  | 'syntax'
  /** A backslash sequence other than those the format defines. */
  | 'bad-escape'
  /** A sample value that is not a float, NaN, +Inf or -Inf, or is out of range. */
  | 'bad-value'
  /** A timestamp that is not an integer number of ms. */
  | 'bad-timestamp'
  /** A malformed HELP or TYPE line, or an unknown type. */
  | 'bad-metadata'
  /** A second HELP or TYPE line for a name, or a TYPE line after the family's samples. */
  | 'duplicate-metadata'
  /** The same label name twice in one label set, or the reserved `__name__`. */
  | 'bad-label'
  /** A second value for a series (same name and labels). */
  | 'duplicate-series'
  /** A histogram or summary sample that does not fit its family (no `le`, no `quantile`, …). */
  | 'bad-family-sample'
  /** The text does not end with a newline: it may have been cut off. */
  | 'no-final-newline';

export interface PromTextIssue {
  code: PromTextIssueCode;
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units of the line. */
  column: number;
  message: string;
}

export type PromTextParse = { ok: true; families: MetricFamily[] } | { ok: false; issues: PromTextIssue[] };

/** Parsing stops after this many issues: a body that is not the format at all says so soon enough. */
const MAX_ISSUES = 50;
const TYPES: ReadonlySet<string> = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITY = /^([+-]?)(?:inf|infinity)$/i;
const INTEGER = /^[+-]?\d+$/;

export function formatPromTextIssue(issue: PromTextIssue): string {
  return `line ${issue.line}:${issue.column}: ${issue.message}`;
}

interface FamilyState {
  family: MetricFamily;
  typed: boolean;
  /** Series key → the line that first gave it a value. */
  series: Map<string, number>;
}

/** Thrown inside one line's parse and caught at the line boundary: one issue per bad line. */
class LineIssue extends Error {
  constructor(
    readonly code: PromTextIssueCode,
    readonly index: number,
    message: string,
  ) {
    super(message);
  }
}

export function parsePrometheusText(text: string): PromTextParse {
  const families: MetricFamily[] = [];
  const byName = new Map<string, FamilyState>();
  const issues: PromTextIssue[] = [];

  const family = (name: string): FamilyState => {
    let state = byName.get(name);
    if (state === undefined) {
      state = { family: { name, type: 'untyped', samples: [] }, typed: false, series: new Map() };
      byName.set(name, state);
      families.push(state.family);
    }
    return state;
  };

  const parseComment = (line: string, from: number): void => {
    let i = skipBlanks(line, from);
    const keywordEnd = tokenEnd(line, i);
    const keyword = line.slice(i, keywordEnd);
    if (keyword !== 'HELP' && keyword !== 'TYPE') return; // an ordinary comment
    i = skipBlanks(line, keywordEnd);
    const nameEnd = metricNameEnd(line, i);
    if (nameEnd === i) throw new LineIssue('bad-metadata', i, `expected a metric name after "# ${keyword}"`);
    if (nameEnd < line.length && !isBlank(line.charCodeAt(nameEnd))) {
      throw new LineIssue('bad-metadata', nameEnd, `unexpected ${describe(line, nameEnd)} in the metric name of a ${keyword} line`);
    }
    const name = line.slice(i, nameEnd);
    i = skipBlanks(line, nameEnd);
    const state = family(name);
    if (keyword === 'HELP') {
      if (state.family.help !== undefined) throw new LineIssue('duplicate-metadata', from - 1, `a second HELP line for "${name}"`);
      state.family.help = unescapeHelp(line, i);
      return;
    }
    const type = line.slice(i).trimEnd();
    if (!TYPES.has(type)) {
      throw new LineIssue('bad-metadata', i, type === '' ? `TYPE line for "${name}" without a type` : `unknown metric type "${type}"; expected counter, gauge, histogram, summary or untyped`);
    }
    if (state.typed) throw new LineIssue('duplicate-metadata', from - 1, `a second TYPE line for "${name}"`);
    if (state.family.samples.length > 0) throw new LineIssue('duplicate-metadata', from - 1, `TYPE line for "${name}" after its samples; it must come first`);
    state.typed = true;
    state.family.type = type as MetricType;
  };

  const parseSample = (line: string, from: number, lineNo: number): void => {
    const nameEnd = metricNameEnd(line, from);
    if (nameEnd === from) throw new LineIssue('syntax', from, `expected a metric name, "#" or a blank line, found ${describe(line, from)}`);
    const name = line.slice(from, nameEnd);
    let i = skipBlanks(line, nameEnd);
    const pairs: [string, string][] = [];
    if (line.charCodeAt(i) === 0x7b /* { */) i = parseLabels(line, i + 1, pairs);
    else if (i === nameEnd && i < line.length) throw new LineIssue('syntax', i, `unexpected ${describe(line, i)} after the metric name`);
    i = skipBlanks(line, i);
    const valueEnd = tokenEnd(line, i);
    if (valueEnd === i) throw new LineIssue('syntax', i, `expected a value after "${name}"`);
    const value = parseFloatToken(line.slice(i, valueEnd), i);
    i = skipBlanks(line, valueEnd);
    let timestampMs: number | undefined;
    if (i < line.length) {
      const tsEnd = tokenEnd(line, i);
      const token = line.slice(i, tsEnd);
      timestampMs = INTEGER.test(token) ? Number(token) : Number.NaN;
      if (!Number.isSafeInteger(timestampMs)) throw new LineIssue('bad-timestamp', i, `expected a timestamp in integer ms, got "${token}"`);
      i = skipBlanks(line, tsEnd);
      if (i < line.length) throw new LineIssue('syntax', i, `unexpected ${describe(line, i)} after the timestamp`);
    }

    const labels = Object.fromEntries(pairs);
    const state = familyOf(name);
    checkFamilyShape(state.family, name, labels, from);
    const key = seriesKey(name, pairs);
    const first = state.series.get(key);
    if (first !== undefined) throw new LineIssue('duplicate-series', from, `a second value for ${name}${formatLabels(pairs)} (first on line ${first})`);
    state.series.set(key, lineNo);
    state.family.samples.push(timestampMs === undefined ? { name, labels, value } : { name, labels, value, timestampMs });
  };

  /** The family a series name belongs to: its own, or a histogram's/summary's by suffix. */
  const familyOf = (name: string): FamilyState => {
    const own = byName.get(name);
    if (own !== undefined) return own;
    for (const suffix of ['_bucket', '_sum', '_count']) {
      if (!name.endsWith(suffix) || name.length === suffix.length) continue;
      const base = byName.get(name.slice(0, -suffix.length));
      if (base?.family.type === 'histogram' || (suffix !== '_bucket' && base?.family.type === 'summary')) return base;
    }
    return family(name);
  };

  let start = 0;
  let lineNo = 0;
  while (start < text.length && issues.length < MAX_ISSUES) {
    lineNo++;
    let end = text.indexOf('\n', start);
    const terminated = end !== -1;
    if (!terminated) end = text.length;
    const line = text.charCodeAt(end - 1) === 0x0d && end > start ? text.slice(start, end - 1) : text.slice(start, end);
    start = end + 1;
    if (!terminated) issues.push({ code: 'no-final-newline', line: lineNo, column: line.length + 1, message: 'the text does not end with a newline (cut off?)' });
    const i = skipBlanks(line, 0);
    if (i === line.length) continue;
    try {
      if (line.charCodeAt(i) === 0x23 /* # */) parseComment(line, i + 1);
      else parseSample(line, i, lineNo);
    } catch (error) {
      if (!(error instanceof LineIssue)) throw error;
      issues.push({ code: error.code, line: lineNo, column: error.index + 1, message: error.message });
    }
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, families };
}

/** Reads `name="value", …}` from just after the `{`; returns the index after the `}`. */
function parseLabels(line: string, from: number, pairs: [string, string][]): number {
  let i = from;
  for (;;) {
    i = skipBlanks(line, i);
    if (line.charCodeAt(i) === 0x7d /* } */) return i + 1;
    if (i >= line.length) throw new LineIssue('syntax', i, 'missing "}" at the end of the label set');
    const nameEnd = labelNameEnd(line, i);
    if (nameEnd === i) throw new LineIssue('syntax', i, `expected a label name, found ${describe(line, i)}`);
    const label = line.slice(i, nameEnd);
    if (label === '__name__') throw new LineIssue('bad-label', i, 'the label name "__name__" is reserved');
    if (pairs.some(([seen]) => seen === label)) throw new LineIssue('bad-label', i, `label "${label}" appears twice`);
    i = skipBlanks(line, nameEnd);
    if (line.charCodeAt(i) !== 0x3d /* = */) throw new LineIssue('syntax', i, `expected "=" after label "${label}", found ${describe(line, i)}`);
    i = skipBlanks(line, i + 1);
    if (line.charCodeAt(i) !== 0x22 /* " */) throw new LineIssue('syntax', i, `expected '"' to start the value of label "${label}", found ${describe(line, i)}`);
    const [value, after] = readLabelValue(line, i + 1);
    pairs.push([label, value]);
    i = skipBlanks(line, after);
    const next = line.charCodeAt(i);
    if (next === 0x2c /* , */) i++;
    else if (next !== 0x7d /* } */) throw new LineIssue('syntax', i, i >= line.length ? 'missing "}" at the end of the label set' : `expected "," or "}" after a label value, found ${describe(line, i)}`);
  }
}

/** Reads a label value from just after its opening quote; returns it and the index after the closing quote. */
function readLabelValue(line: string, from: number): [string, number] {
  let value = '';
  let chunk = from;
  for (let i = from; i < line.length; i++) {
    const ch = line.charCodeAt(i);
    if (ch === 0x22 /* " */) return [value + line.slice(chunk, i), i + 1];
    if (ch !== 0x5c /* \ */) continue;
    const next = line[i + 1];
    if (next === undefined) break;
    if (next !== '\\' && next !== '"' && next !== 'n') {
      throw new LineIssue('bad-escape', i, `invalid escape "\\${next}" in a label value; only \\\\, \\" and \\n are allowed`);
    }
    value += line.slice(chunk, i) + (next === 'n' ? '\n' : next);
    i++;
    chunk = i + 1;
  }
  throw new LineIssue('syntax', line.length, 'unclosed label value (missing \'"\')');
}

function unescapeHelp(line: string, from: number): string {
  let help = '';
  let chunk = from;
  for (let i = from; i < line.length; i++) {
    if (line.charCodeAt(i) !== 0x5c /* \ */) continue;
    const next = line[i + 1];
    if (next !== '\\' && next !== 'n') {
      throw new LineIssue('bad-escape', i, next === undefined ? 'a HELP text ends with a lone "\\"' : `invalid escape "\\${next}" in HELP text; only \\\\ and \\n are allowed`);
    }
    help += line.slice(chunk, i) + (next === 'n' ? '\n' : next);
    i++;
    chunk = i + 1;
  }
  return help + line.slice(chunk);
}

/** Go's strconv.ParseFloat as Prometheus uses it: decimal, NaN and ±Inf in any case; no hex, no `_`. */
function parseFloatToken(token: string, index: number): number {
  if (DECIMAL.test(token)) {
    const value = Number(token);
    if (!Number.isFinite(value)) throw new LineIssue('bad-value', index, `value "${token}" is out of range`);
    return value;
  }
  if (token.toLowerCase() === 'nan') return Number.NaN;
  const inf = INFINITY.exec(token);
  if (inf !== null) return inf[1] === '-' ? -Infinity : Infinity;
  throw new LineIssue('bad-value', index, `expected a number, NaN, +Inf or -Inf, got "${token}"`);
}

function checkFamilyShape(family: MetricFamily, name: string, labels: Record<string, string>, at: number): void {
  const check = (label: 'le' | 'quantile', what: string): void => {
    const text = labels[label];
    if (text === undefined) throw new LineIssue('bad-family-sample', at, `${what} "${name}" needs a "${label}" label`);
    try {
      parseFloatToken(text, 0);
    } catch {
      throw new LineIssue('bad-family-sample', at, `${what} "${name}" has ${label}="${text}", which is not a number`);
    }
  };
  if (family.type === 'histogram') {
    if (name === family.name) throw new LineIssue('bad-family-sample', at, `histogram "${name}" has no series of that name; expected ${name}_bucket, ${name}_sum or ${name}_count`);
    if (name.endsWith('_bucket')) check('le', 'histogram bucket');
  } else if (family.type === 'summary' && name === family.name) {
    check('quantile', 'summary quantile');
  }
}

function seriesKey(name: string, pairs: [string, string][]): string {
  const sorted = pairs.length < 2 ? pairs : [...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${name}\u0000${sorted.map(([k, v]) => `${k}\u0000${v}`).join('\u0000')}`;
}

function formatLabels(pairs: [string, string][]): string {
  return pairs.length === 0 ? '' : `{${pairs.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
}

function describe(line: string, i: number): string {
  return i >= line.length ? 'the end of the line' : JSON.stringify(line[i]);
}

function isBlank(ch: number): boolean {
  return ch === 0x20 || ch === 0x09;
}

function skipBlanks(line: string, from: number): number {
  let i = from;
  while (i < line.length && isBlank(line.charCodeAt(i))) i++;
  return i;
}

/** The end of a token that runs to the next blank or the end of the line. */
function tokenEnd(line: string, from: number): number {
  let i = from;
  while (i < line.length && !isBlank(line.charCodeAt(i))) i++;
  return i;
}

function isLetterOrUnderscore(ch: number): boolean {
  return (ch >= 0x61 && ch <= 0x7a) || (ch >= 0x41 && ch <= 0x5a) || ch === 0x5f;
}

/** [a-zA-Z_:][a-zA-Z0-9_:]* */
function metricNameEnd(line: string, from: number): number {
  let i = from;
  for (; i < line.length; i++) {
    const ch = line.charCodeAt(i);
    if (!(isLetterOrUnderscore(ch) || ch === 0x3a || (i > from && ch >= 0x30 && ch <= 0x39))) break;
  }
  return i;
}

/** [a-zA-Z_][a-zA-Z0-9_]* */
function labelNameEnd(line: string, from: number): number {
  let i = from;
  for (; i < line.length; i++) {
    const ch = line.charCodeAt(i);
    if (!(isLetterOrUnderscore(ch) || (i > from && ch >= 0x30 && ch <= 0x39))) break;
  }
  return i;
}
