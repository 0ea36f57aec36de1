import { errors } from './api-error.js';

/**
 * JSON decoding with the leniency of Go's encoding/json, which Toxiproxy clients rely on:
 * only the first JSON value is read (trailing bytes are ignored), object keys match
 * case-insensitively, unknown keys are ignored, `null` leaves a field at its default, and an
 * integer field refuses a number with a fraction.
 */

/** Parses the first JSON value of `text`; an empty body is Go's `EOF`. */
export function parseFirstValue(text: string): unknown {
  const start = text.search(/\S/);
  if (start === -1) throw errors.badBody('EOF');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Maybe a valid value followed by trailing bytes: find where the first value ends.
  }
  const end = endOfValue(text, start);
  try {
    return JSON.parse(text.slice(start, end)) as unknown;
  } catch (error) {
    throw errors.badBody((error as Error).message);
  }
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
    if (typeof value !== 'object' || Array.isArray(value)) {
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
    if (typeof value !== 'number') throw this.#typeError(field, value, goType);
    if (goType === 'int64' && !Number.isInteger(value)) {
      throw errors.badBody(`json: cannot unmarshal number ${value} into Go struct field ${this.what}.${field} of type int64`);
    }
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
