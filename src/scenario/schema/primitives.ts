import { z } from 'zod';
import { DURATION_PATTERN, parseBytes, parseDuration, parsePercent, parsePerCore, parseRate, parseSize, parseSizeRate, type Parsed } from '../units.js';
import { didYouMean } from '../suggest.js';
import { coded, unknownKeysMessage } from './issue-text.js';

/**
 * The building blocks of the scenario schemas. Every unit-bearing value is a string with a
 * unit in the YAML (and a `pattern` in the JSON Schema, for editors) and a number in base
 * units after parsing: ms, bytes, bytes/s, per second, ratio.
 */

/** An object that refuses unknown keys, naming the allowed ones (for "did you mean"). */
export function strict<Shape extends z.ZodRawShape>(shape: Shape, description?: string) {
  const schema = z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') return unknownKeysMessage(Object.keys(shape));
      if (issue.code === 'invalid_type') return coded('WRONG_TYPE', `expected a mapping (key: value), got ${describe(issue.input)}`);
      return undefined;
    },
  });
  return description === undefined ? schema : schema.describe(description);
}

/** What a YAML value looks like, for messages: "a number (5)", "a list". */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  if (typeof value === 'number') return `a number (${value})`;
  if (typeof value === 'boolean') return `a boolean (${value})`;
  return typeof value;
}

function unit(code: string, parse: (input: unknown) => Parsed<number>, hintFor: (input: unknown) => string | undefined) {
  return (input: unknown, ctx: z.RefinementCtx): number => {
    const parsed = parse(input);
    if (parsed.ok) return parsed.value;
    ctx.addIssue({ code: 'custom', message: coded(code, `expected ${parsed.expected}, got ${describe(input)}`, hintFor(input)) });
    return z.NEVER;
  };
}


/** A duration: "250ms", "30s", "2m", "1m30s" → ms. */
export function duration(options: { description?: string; min?: number; positive?: boolean } = {}) {
  const parse = unit('BAD_DURATION', parseDuration, (input) => {
    if (typeof input === 'number') return `durations carry a unit: write "${input}ms" or "${input}s"`;
    if (typeof input === 'string' && input.trim().startsWith('-')) return 'durations cannot be negative';
    return undefined;
  });
  return z
    .unknown()
    .meta(unitJson({ type: 'string', pattern: DURATION_PATTERN, examples: ['250ms', '30s', '2m'] }, options.description))
    .transform((input, ctx) => {
      if (typeof input === 'string' && input.trim().startsWith('-')) {
        ctx.addIssue({ code: 'custom', message: coded('NEGATIVE_DURATION', `durations cannot be negative, got "${input}"`, 'offsets and lengths count forward from a phase start') });
        return z.NEVER;
      }
      const ms = parse(input, ctx);
      if (options.positive === true && ms === 0) {
        ctx.addIssue({ code: 'custom', message: coded('ZERO_DURATION', 'this duration must be longer than 0', 'give it a length like "1s"') });
        return z.NEVER;
      }
      return ms;
    });
}

/**
 * A unit value's JSON Schema: its own forms, or a whole-string `${env:...}` placeholder (the
 * loader expands those before checking, so editors should not flag them).
 */
function unitJson(json: Record<string, unknown>, description: string | undefined): Record<string, unknown> {
  const { examples, anyOf, ...own } = json;
  const forms = Array.isArray(anyOf) ? (anyOf as unknown[]) : [own];
  return { anyOf: [...forms, ENV_ONLY], ...(examples === undefined ? {} : { examples }), ...(description === undefined ? {} : { description }) };
}

const ENV_ONLY = { type: 'string', pattern: '^\\$\\{env:[^}]+\\}$' };

function unitSchema(code: string, parse: (input: unknown) => Parsed<number>, json: Record<string, unknown>, description?: string) {
  const convert = unit(code, parse, () => undefined);
  return z
    .unknown()
    .meta(unitJson(json, description))
    .transform((input, ctx) => convert(input, ctx));
}

/** "50/s", "600/m" → per second. */
export const rate = (description?: string) => unitSchema('BAD_RATE', parseRate, { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*/\\s*(s|m|h)\\s*$', examples: ['50/s'] }, description);

/** "64MB", "512KiB" → bytes. */
export const size = (description?: string) => unitSchema('BAD_SIZE', parseSize, { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*(B|KB|MB|GB|KiB|MiB|GiB)\\s*$', examples: ['64MB'] }, description);

/** "32MB/s" → bytes per second. */
export const sizeRate = (description?: string) =>
  unitSchema('BAD_SIZE_RATE', parseSizeRate, { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*(B|KB|MB|GB|KiB|MiB|GiB)\\s*/\\s*s\\s*$', examples: ['32MB/s'] }, description);

/** A whole number of bytes or a size string. */
export const bytes = (description?: string) =>
  unitSchema('BAD_SIZE', parseBytes, { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*(B|KB|MB|GB|KiB|MiB|GiB)\\s*$' }] }, description);

/** "99.5%" or 0.995 → 0.995. */
export const percent = (description?: string) =>
  unitSchema('BAD_PERCENT', parsePercent, { anyOf: [{ type: 'number', minimum: 0, maximum: 1 }, { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?%\\s*$' }] }, description);

interface NumericOptions {
  integer: boolean;
  min: number;
  max: number;
  range: string;
}

type Checked = { ok: true; value: number } | { ok: false; code: string; message: string };

/** A number field's value: a number, or a string holding only one (from `${env:...}`). */
function checkNumeric(input: unknown, options: NumericOptions): Checked {
  const value = typeof input === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(input) ? Number(input) : input;
  if (typeof value !== 'number' || !Number.isFinite(value)) return { ok: false, code: 'WRONG_TYPE', message: `expected ${options.integer ? 'a whole number' : 'a number'}, got ${describe(input)}` };
  if (options.integer && !Number.isInteger(value)) return { ok: false, code: 'NOT_INTEGER', message: `expected a whole number, got ${value}` };
  if (value < options.min || value > options.max) return { ok: false, code: 'OUT_OF_RANGE', message: `expected ${options.range}, got ${value}` };
  return { ok: true, value };
}

function fail(ctx: z.RefinementCtx, code: string, message: string, hint?: string): never {
  ctx.addIssue({ code: 'custom', message: coded(code, message, hint) });
  return z.NEVER;
}

/**
 * A number; a string holding only a number is accepted too, so a whole value can come from
 * the environment (`seed: ${env:SEED:-7}`).
 */
function numeric(options: NumericOptions & { description: string }) {
  const json = { type: options.integer ? 'integer' : 'number', minimum: options.min, maximum: options.max };
  return z
    .unknown()
    .meta(unitJson(json, options.description))
    .transform((input, ctx) => {
      const checked = checkNumeric(input, options);
      return checked.ok ? checked.value : fail(ctx, checked.code, checked.message);
    });
}

/** A positive whole number. */
export const count = (description: string, max = 1_000_000) => numeric({ integer: true, min: 1, max, description, range: `a whole number from 1 to ${max}` });

/** Threads per CPU core, as written (`2/core`); the resolver multiplies it by the machine's cores. */
export interface PerCore {
  perCore: number;
}

/**
 * A count, or a count per CPU core (`2/core`) so that one scenario loads any machine alike.
 * Any whole N ≥ 1 per core is accepted: the resolver caps N × cores at `max`, as a machine
 * with more cores than that could not run more threads anyway.
 */
export function countPerCore(description: string, max: number) {
  const whole = { integer: true, min: 1, max, range: `a whole number from 1 to ${max}` };
  const json = { anyOf: [{ type: 'integer', minimum: 1, maximum: max }, { type: 'string', pattern: '^\\s*0*[1-9]\\d*\\s*/\\s*core\\s*$' }], examples: [4, '2/core'] };
  return z
    .unknown()
    .meta(unitJson(json, description))
    .transform((input, ctx): number | PerCore => {
      if (typeof input === 'string' && input.includes('/')) {
        const parsed = parsePerCore(input);
        if (!parsed.ok) return fail(ctx, 'BAD_PER_CORE', `expected ${parsed.expected}, got ${describe(input)}`, perCoreHint(input));
        const n = parsed.value;
        if (!Number.isInteger(n)) return fail(ctx, 'NOT_INTEGER', `expected a whole number of threads per core, got ${describe(input)}`, roundPerCoreHint(n));
        if (n < 1) return fail(ctx, 'OUT_OF_RANGE', `expected at least 1 thread per core, got ${describe(input)}`);
        return { perCore: n };
      }
      const checked = checkNumeric(input, whole);
      if (checked.ok) return checked.value;
      if (checked.code === 'WRONG_TYPE') return fail(ctx, checked.code, `expected a whole number or a count per core like "2/core", got ${describe(input)}`);
      return fail(ctx, checked.code, checked.message);
    });
}

/** `4/cores`, `4/CPU` → write "4/core". */
function perCoreHint(input: string): string | undefined {
  const [amount = '', unit = ''] = input.split('/').map((part) => part.trim());
  return /^\d+$/.test(amount) && /^(cores?|cpus?)$/i.test(unit) ? `write "${amount}/core"` : undefined;
}

/** `1.5/core` → round it: "1/core" or "2/core". */
function roundPerCoreHint(n: number): string | undefined {
  const candidates = [...new Set([Math.floor(n), Math.ceil(n)])].filter((c) => c >= 1);
  return candidates.length === 0 ? undefined : `round it: ${candidates.map((c) => `"${c}/core"`).join(' or ')}`;
}

/** A whole number from 0. */
export const atLeastZero = (description: string, max = 1_000_000_000) => numeric({ integer: true, min: 0, max, description, range: `a whole number from 0 to ${max}` });

const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** A seed: a whole number from 0 to 2^32 − 1. */
export const seed = (description: string) => numeric({ integer: true, min: 0, max: 4_294_967_295, description, range: 'a seed from 0 to 4294967295' });

/** A name other fields refer to: letters, digits, `_`, `-`, `.`. */
export const name = (description: string) =>
  z
    .string({ error: (issue) => coded('WRONG_TYPE', `expected a name, got ${describe(issue.input)}`) })
    .regex(NAME_PATTERN, { error: coded('BAD_NAME', 'names use letters, digits, "_", "-" and ".", and start with a letter or "_"') })
    .max(100, { error: coded('BAD_NAME', 'names are at most 100 characters') })
    .describe(description);

/** A non-empty string; may hold placeholders where the language allows them. */
export const text = (description: string) =>
  z
    .string({ error: (issue) => coded('WRONG_TYPE', `expected a string, got ${describe(issue.input)}`) })
    .min(1, { error: coded('EMPTY', 'expected a non-empty string') })
    .describe(description);

/** An enum with a message listing the choices. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T, description: string) {
  return z
    .enum(values, {
      error: (issue) => coded('BAD_VALUE', `expected one of ${values.map((v) => `"${v}"`).join(', ')}, got ${describe(issue.input)}`, didYouMeanHint(issue.input, values)),
    })
    .describe(description);
}

export function didYouMeanHint(input: unknown, values: readonly string[]): string | undefined {
  if (typeof input !== 'string') return undefined;
  const match = didYouMean(input, values);
  return match === undefined ? undefined : `did you mean "${match}"?`;
}

/** The error of a discriminated union: names the discriminator's value, not the whole mapping. */
export function discriminatorError(key: string, values: readonly string[], hint?: string) {
  return (issue: { input?: unknown }) => {
    if (typeof issue.input !== 'object' || issue.input === null || Array.isArray(issue.input)) {
      return coded('WRONG_TYPE', `expected a mapping with ${key}: ${values.map((v) => `"${v}"`).join(' | ')}, got ${describe(issue.input)}`, `e.g. { ${key}: ${values[0] ?? ''}, ... }`);
    }
    const value = typeof issue.input === 'object' && issue.input !== null ? (issue.input as Record<string, unknown>)[key] : issue.input;
    return coded('BAD_VALUE', `${key} must be one of ${values.map((v) => `"${v}"`).join(', ')}, got ${describe(value)}`, didYouMeanHint(value, values) ?? hint);
  };
}

export const bool = (description: string) =>
  z
    .unknown()
    .meta(unitJson({ type: 'boolean' }, description))
    .transform((input, ctx) => {
      if (typeof input === 'boolean') return input;
      if (input === 'true' || input === 'false') return input === 'true';
      ctx.addIssue({ code: 'custom', message: coded('WRONG_TYPE', `expected true or false, got ${describe(input)}`) });
      return z.NEVER;
    });

export const number = (description: string, min: number, max: number) => numeric({ integer: false, min, max, description, range: `a number from ${min} to ${max}` });

/** Environment variables: values may be written as numbers or booleans; they become strings. */
export const envMap = (description: string) =>
  z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: coded('BAD_ENV_NAME', 'environment variable names use letters, digits and "_", not starting with a digit') }),
      z.union([z.string(), z.number(), z.boolean()], { error: (issue) => coded('WRONG_TYPE', `expected a string, number or boolean, got ${describe(issue.input)}`) }).transform(String),
      { error: (issue) => coded('WRONG_TYPE', `expected a mapping of NAME: value, got ${describe(issue.input)}`) },
    )
    .describe(description);

/** A list of strings, or one string. */
export const listOf = <T extends z.ZodType>(item: T, description: string) =>
  z.array(item, { error: (issue) => coded('WRONG_TYPE', `expected a list, got ${describe(issue.input)}`) }).describe(description);
