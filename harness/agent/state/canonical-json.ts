import { createHash } from 'node:crypto';

/**
 * Canonical JSON (after RFC 8785): object keys sorted by UTF-16 code unit, no whitespace, numbers as JSON.stringify
 * writes them. Two values that are deep-equal serialise to the same bytes, so the hash of a
 * snapshot does not depend on the order a client wrote its keys in.
 */
export function canonicalJson(value: unknown): string {
  return write(value, new Set());
}

function write(value: unknown, seen: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot hash a non-finite number (${value})`);
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new TypeError(`cannot hash a value of type ${typeof value}`);
  }
  if (seen.has(value)) throw new TypeError('cannot hash a cyclic value');
  seen.add(value);
  let out: string;
  if (Array.isArray(value)) {
    out = `[${value.map((item: unknown) => write(item, seen)).join(',')}]`;
  } else {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort();
    out = `{${keys.map((k) => `${JSON.stringify(k)}:${write(record[k], seen)}`).join(',')}}`;
  }
  seen.delete(value);
  return out;
}

/** sha256 over canonical JSON, hex. */
export function hashOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
