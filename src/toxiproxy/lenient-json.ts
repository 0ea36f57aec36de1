import { errors } from './api-error.js';

/**
 * JSON decoding with the leniency of Go's encoding/json, which Toxiproxy clients rely on:
 * only the first JSON value is read (trailing bytes are ignored), object keys match
 * case-insensitively, unknown keys are ignored, `null` leaves a field at its default, and an
 * integer field refuses a number with a fraction.
 */

/**
 * A number written with a fraction or an exponent. JSON.parse would turn `1e3` into 1000 and
 * `1.0` into 1, losing what Go needs to refuse them for an integer field, so such literals are
 * kept as written until a field reader decides.
 */
export class NumberLiteral {
  constructor(readonly text: string) {}
  get value(): number {
    return Number(this.text);
  }
}

const LITERAL_MARK = '\u0000num:';

/** Parses the first JSON value of `text`; an empty body is Go's `EOF`. */
export function parseFirstValue(text: string): unknown {
  const start = text.search(/\S/);
  if (start === -1) throw errors.badBody('EOF');
  let source = text.slice(start);
  try {
    JSON.parse(source);
  } catch {
    // Maybe a valid value followed by trailing bytes: keep only the first value.
    source = source.slice(0, endOfValue(source, 0));
  }
  let value: unknown;
  try {
    value = JSON.parse(markNonIntegers(source), (_key, v: unknown) =>
      typeof v === 'string' && v.startsWith(LITERAL_MARK) ? new NumberLiteral(v.slice(LITERAL_MARK.length)) : v,
    );
  } catch (error) {
    throw errors.badBody((error as Error).message);
  }
  return value;
}

/** Rewrites number literals with `.`, `e` or `E` (outside strings) as marked strings. */
function markNonIntegers(json: string): string {
  let out = '';
  let i = 0;
  while (i < json.length) {
    const ch = json[i] as string;
    if (ch === '"') {
      let j = i + 1;
      while (j < json.length && json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      out += json.slice(i, j + 1);
      i = j + 1;
    } else if (ch === '-' || (ch >= '0' && ch <= '9')) {
      const match = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(json.slice(i, i + 64));
      const literal = match?.[0] ?? ch;
      out += /[.eE]/.test(literal) ? JSON.stringify(`${LITERAL_MARK}${literal}`) : literal;
      i += literal.length;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

function endOfValue(text: string, start: number): number {
  const open = text[start];
  if (open === '{' || open === '[') {
    let depth = 0;
    let inString = false;
    for (let i = start; i < text.length; i++) {
      const ch = text[i];
      if (inString) {
        if (ch === '\\') i++;
        else if (ch === '"') inString = false;
      } else if (ch === '"') inString = true;
      else if (ch === '{' || ch === '[') depth++;
      else if (ch === '}' || ch === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return text.length;
  }
  if (open === '"') {
    for (let i = start + 1; i < text.length; i++) {
      if (text[i] === '\\') i++;
      else if (text[i] === '"') return i + 1;
    }
    return text.length;
  }
  const match = /^[^\s,\]}]+/.exec(text.slice(start));
  return start + (match?.[0].length ?? 1);
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof NumberLiteral) return 'number';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? 'object' : typeof value;
}

/** A JSON object whose fields are read the way Go reads them into a struct. */
export class GoObject {
  constructor(
    private readonly value: Record<string, unknown>,
    private readonly what: string,
  ) {}

  static from(value: unknown, what: string): GoObject {
    if (value === null) return new GoObject({}, what);
    if (typeof value !== 'object' || Array.isArray(value) || value instanceof NumberLiteral) {
      throw errors.badBody(`json: cannot unmarshal ${jsonType(value)} into Go value of type ${what}`);
    }
    return new GoObject(value as Record<string, unknown>, what);
  }

  /** The raw value of `field` (exact key first, then case-insensitive), or undefined. */
  raw(field: string): unknown {
    if (Object.hasOwn(this.value, field)) return this.value[field];
    const lower = field.toLowerCase();
    const key = Object.keys(this.value).find((k) => k.toLowerCase() === lower);
    return key === undefined ? undefined : this.value[key];
  }

  has(field: string): boolean {
    return this.raw(field) !== undefined && this.raw(field) !== null;
  }

  string(field: string): string | undefined {
    const value = this.raw(field);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw this.#typeError(field, value, 'string');
    return value;
  }

  boolean(field: string): boolean | undefined {
    const value = this.raw(field);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') throw this.#typeError(field, value, 'bool');
    return value;
  }

  number(field: string, goType: 'float32' | 'int64'): number | undefined {
    const value = this.raw(field);
    if (value === undefined || value === null) return undefined;
    if (value instanceof NumberLiteral) {
      if (goType === 'int64') {
        throw errors.badBody(`json: cannot unmarshal number ${value.text} into Go struct field ${this.what}.${field} of type int64`);
      }
      return Math.fround(value.value);
    }
    if (typeof value !== 'number') throw this.#typeError(field, value, goType);
    return goType === 'float32' ? Math.fround(value) : value;
  }

  object(field: string, what: string): GoObject | undefined {
    const value = this.raw(field);
    if (value === undefined || value === null) return undefined;
    return GoObject.from(value, what);
  }

  #typeError(field: string, value: unknown, goType: string): Error {
    return errors.badBody(`json: cannot unmarshal ${jsonType(value)} into Go struct field ${this.what}.${field} of type ${goType}`);
  }
}
