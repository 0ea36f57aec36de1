import { ApiError, errors } from './api-error.js';
import type { GoObject } from './lenient-json.js';
import type { Connection } from './connection.js';
import type { Direction, ToxicConfig } from './link.js';
import { TOXIC_TYPES, type Attributes } from './toxics/index.js';

/** One toxic on a proxy, as the API shows it. */
export interface ToxicEntry {
  config: ToxicConfig;
  direction: Direction;
  /** The stream as the client sent it (Toxiproxy echoes it unchanged). */
  stream: string;
}

/** Toxiproxy's JSON for a toxic, fields in its order: attributes, name, type, stream, toxicity. */
export function toxicJson(entry: ToxicEntry): Record<string, unknown> {
  const { config } = entry;
  const attributes: Record<string, number> = {};
  for (const key of config.type.attributes) attributes[key] = config.attributes[key] ?? 0;
  return { attributes, name: config.name, type: config.type.type, stream: entry.stream, toxicity: float32Json(config.toxicity) };
}

/** The shortest decimal that is the same float32, as Go prints a float32. */
function float32Json(value: number): number {
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}

function readAttributes(type: string, body: GoObject | undefined, into: Attributes): Attributes {
  const def = TOXIC_TYPES.get(type);
  if (def === undefined || body === undefined) return into;
  for (const key of def.attributes) {
    const value = body.number(key, 'int64');
    if (value !== undefined) into[key] = value;
  }
  return into;
}

/**
 * The toxics of one proxy, upstream then downstream, each in insertion order; changes reach
 * every live connection of the toxic's direction at once.
 */
export class ToxicSet {
  #entries: ToxicEntry[] = [];

  constructor(private readonly connections: () => Iterable<Connection>) {}

  list(): ToxicEntry[] {
    return [...this.#entries.filter((e) => e.direction === 'upstream'), ...this.#entries.filter((e) => e.direction === 'downstream')];
  }

  configs(direction: Direction): ToxicConfig[] {
    return this.#entries.filter((e) => e.direction === direction).map((e) => e.config);
  }

  get(name: string): ToxicEntry {
    const entry = this.#entries.find((e) => e.config.name === name);
    if (entry === undefined) throw errors.toxicNotFound();
    return entry;
  }

  /** Adds a toxic, checking in Toxiproxy's order: stream, default name, type, unique name, attributes. */
  add(body: GoObject): ToxicEntry {
    // Decode every top-level field first: a wrong type anywhere is a 400 before any other check.
    const rawStream = body.raw('stream');
    if (rawStream !== undefined && rawStream !== null && typeof rawStream !== 'string') body.string('stream');
    const typeName = body.string('type') ?? '';
    const givenName = body.string('name');
    const toxicity = body.number('toxicity', 'float32') ?? 1;
    const stream = (rawStream as string | null | undefined) ?? 'downstream';
    const lower = stream.toLowerCase();
    if (lower !== 'upstream' && lower !== 'downstream') throw errors.invalidStream();
    const direction: Direction = lower;
    // Go's client sends "name": "" for an unnamed toxic; the server names it <type>_<stream>.
    const name = givenName === undefined || givenName === '' ? `${typeName}_${stream}` : givenName;
    const type = TOXIC_TYPES.get(typeName);
    if (type === undefined) throw errors.invalidToxicType();
    if (this.#entries.some((e) => e.config.name === name)) throw errors.toxicExists();
    const attributes = readAttributes(typeName, body.object('attributes', `toxics.${type.type}`), {});
    const invalid = type.invalid?.(attributes);
    if (invalid !== undefined) throw new ApiError(400, invalid);
    const entry: ToxicEntry = { config: { name, type, toxicity, attributes }, direction, stream };
    this.#entries.push(entry);
    for (const connection of this.connections()) connection.links.get(direction)?.addToxic(entry.config);
    return entry;
  }

  /** Merges attributes in place (absent keys keep their value); toxicity changes only when sent. */
  update(name: string, body: GoObject): ToxicEntry {
    const entry = this.get(name);
    const { config } = entry;
    const merged = readAttributes(config.type.type, body.object('attributes', `toxics.${config.type.type}`), { ...config.attributes });
    const toxicity = body.number('toxicity', 'float32') ?? config.toxicity;
    const invalid = config.type.invalid?.(merged);
    if (invalid !== undefined) throw new ApiError(400, invalid);
    config.attributes = merged;
    config.toxicity = toxicity;
    for (const connection of this.connections()) {
      void connection.links.get(entry.direction)?.updateToxic(config).catch(() => connection.close());
    }
    return entry;
  }

  /**
   * Removes a toxic. The API answers at once; on each link the toxic hands on what it holds,
   * its queue is flushed without delay, and a timeout toxic closes the connection.
   */
  remove(name: string): void {
    const entry = this.get(name);
    this.#entries = this.#entries.filter((e) => e !== entry);
    for (const connection of this.connections()) {
      const link = connection.links.get(entry.direction);
      if (link === undefined) continue;
      // A timeout toxic dropped data, so the stream is corrupt: close without flushing.
      if (entry.config.type.closesOnRemove === true) connection.close();
      else void link.removeToxic(entry.config).catch(() => connection.close());
    }
  }

  removeAll(): void {
    for (const entry of this.list()) this.remove(entry.config.name);
  }
}
