import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { validateDocuments, type DocumentText } from '../../../src/scenario/load.js';
import { ScenarioError, formatIssues } from '../../../src/scenario/scenario-error.js';
import type { LoadedSuite } from '../../../src/scenario/types.js';

/**
 * The loader's contract, checked on text nobody would write on purpose: whatever the bytes,
 * loading a suite returns a suite or throws a ScenarioError whose every issue is well formed
 * (a code, a file, a position inside that file, a message). Nothing else is thrown and
 * nothing hangs. Inputs: arbitrary strings, YAML-ish token soup, random documents
 * serialised by the `yaml` package, structural edits of the bundled files and textual
 * mutations of them (lines deleted, duplicated, swapped, re-indented, characters changed,
 * keys inserted, truncation).
 *
 * Seeded, so a failure reproduces; fast-check prints the shrunk counterexample.
 */

const SEED = 20261125;
/** Generous: each property takes well under a few seconds; a hang fails here, not in CI's wall clock. */
const TIMEOUT = 60_000;
const ENV: Readonly<Record<string, string | undefined>> = Object.freeze({ AGENT_BUG: '', RATE: '50/s', HOST: '127.0.0.1' });

const SCENARIO_DIR = fileURLToPath(new URL('../../../scenarios/', import.meta.url));
const doc = (name: string, text: string): DocumentText => ({ path: `${SCENARIO_DIR}${name}`, file: `scenarios/${name}`, text });
const SUITE = doc('faultline.yaml', readFileSync(`${SCENARIO_DIR}faultline.yaml`, 'utf8'));
const SCENARIOS: readonly DocumentText[] = readdirSync(SCENARIO_DIR)
  .filter((name) => /\.ya?ml$/.test(name) && name !== 'faultline.yaml')
  .sort()
  .map((name) => doc(name, readFileSync(`${SCENARIO_DIR}${name}`, 'utf8')));
const BUNDLED: readonly DocumentText[] = [SUITE, ...SCENARIOS];

/** loadSuite's semantics on texts in memory: the loaded suite, or a ScenarioError with every issue. */
function load(suite: DocumentText, scenarios: readonly DocumentText[]): LoadedSuite {
  const result = validateDocuments(suite, scenarios, ENV);
  const issues = result.files.flatMap((f) => f.issues);
  if (issues.length > 0) throw new ScenarioError(issues, result.sources);
  if (result.loaded === undefined) throw new Error('no issues, yet nothing loaded');
  return result.loaded;
}

type Outcome = { ok: true; loaded: LoadedSuite } | { ok: false; error: ScenarioError };

/** Runs the loader; anything thrown that is not a ScenarioError fails the property as is. */
function attempt(suite: DocumentText, scenarios: readonly DocumentText[]): Outcome {
  try {
    return { ok: true, loaded: load(suite, scenarios) };
  } catch (error) {
    if (error instanceof ScenarioError) return { ok: false, error };
    throw error;
  }
}

/** The outcome is a suite or a ScenarioError with well-formed issues pointing into the documents. */
function checkOutcome(suite: DocumentText, scenarios: readonly DocumentText[]): Outcome {
  const outcome = attempt(suite, scenarios);
  if (outcome.ok) {
    expect(outcome.loaded.scenarios).toHaveLength(scenarios.length);
    expect(typeof outcome.loaded.suite).toBe('object');
    return outcome;
  }
  const { error } = outcome;
  expect(error.code).toBe('FAULTLINE_SCENARIO_INVALID');
  expect(error.issues.length).toBeGreaterThan(0);
  const texts = new Map([suite, ...scenarios].map((d) => [d.file, d.text]));
  for (const issue of error.issues) {
    const where = JSON.stringify(issue);
    expect(typeof issue.code, where).toBe('string');
    expect(issue.code, where).toMatch(/^[A-Z_]+$/);
    expect(texts.has(issue.file), where).toBe(true);
    const lines = (texts.get(issue.file) as string).split('\n');
    expect(Number.isInteger(issue.line), where).toBe(true);
    expect(Number.isInteger(issue.column), where).toBe(true);
    expect(issue.line, where).toBeGreaterThanOrEqual(1);
    expect(issue.line, where).toBeLessThanOrEqual(lines.length + 1);
    expect(issue.column, where).toBeGreaterThanOrEqual(1);
    expect(typeof issue.path, where).toBe('string');
    expect(typeof issue.message, where).toBe('string');
    expect(issue.message.trim().length, where).toBeGreaterThan(0);
    if (issue.hint !== undefined) expect(typeof issue.hint, where).toBe('string');
  }
  // The terminal form, code frames included, never throws either.
  expect(formatIssues(error.issues, error.sources).length).toBeGreaterThan(0);
  return outcome;
}

/** A scenario document on its own with the bundled suite, and as a suite document. */
function checkText(text: string): void {
  checkOutcome(SUITE, [doc('fuzz.yaml', text)]);
  checkOutcome(doc('faultline.yaml', text), []);
}

// ---------------------------------------------------------------------------------------------
// Inputs

/** YAML's punctuation, structure and faultline's own words, to get past the parser sometimes. */
const YAML_TOKENS = [
  ...[':', ': ', '-', '- ', ' ', '  ', '\n', '\n  ', '\n    - ', '\t', '\r\n', '{', '}', '[', ']', ',', '#', '# c\n', '&a ', '*a', '!', '!!str ', '!!int ', '!!binary ', '!!map ', '|', '|-\n  ', '>', '>-\n  ', '"', "'", '\\', '%YAML 1.2\n', '---\n', '...\n', '? ', '<<: ', '@', '`', '~', 'null', 'true', '0x1F', '.inf', '-.nan', '1e309', '0', '-1'],
  ...['name', 'faults', 'network', 'cpu', 'heap', 'process', 'duration', 'at', 'steady', 'chaos', 'recover', 'expect', 'health', 'slo', 'alerts', 'abort', 'version', 'target', 'proxies', 'services', 'load', 'slos', 'request', 'url'],
  ...['10s', '500ms', '-5s', '50/s', '99%', '16MB/s', 'upstream', 'latency', 'kill', 'x.start', '${port:agent}', '${proxy:upstream}', '${env:NOPE}', '${env:RATE}', '${tmp:x}', '$${', '${', 'é', '✓', '\u0000', '\uFEFF', '\u2028'],
] as const;
const yamlish = fc.string({ unit: fc.constantFrom(...YAML_TOKENS), maxLength: 60 });

/** Pieces of valid and invalid values for structural edits of the bundled documents. */
const atom = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<unknown>('0s', '1ms', '10s', '999h', '1m30s', '-5s', '5', '0.5s', '100%', '0%', '150%', '50/s', '0/s', '16MB/s', '0MB', '256MB') },
  {
    weight: 3,
    arbitrary: fc.constantFrom<unknown>(
      'upstream',
      'nope',
      'agent',
      'target',
      'steady',
      'chaos',
      'recover',
      'kill-agent.start',
      'slow-upstream.end',
      'burn-cpu.start',
      'UP',
      'DOWN',
      'availability',
      'latency',
      'BudgetBurnFast',
      'ClientBudgetBurnFast',
      'in-process',
      'stressor',
      'terminate',
      'pause',
      'kill',
      'dropped',
      'healthDown',
      'server',
      'client',
      'page',
      'http_requests_total{status_code=~"5.."}',
      'm{a=~"("}',
      'http://127.0.0.1:${port:agent}/x',
      'http://example.com/',
      '127.0.0.1:${port:upstream}',
      '${proxy:nope}',
      '${port:nope}',
      '${env:NOPE}',
      '${tmp:x}',
      '${bad}',
      '',
    ),
  },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(true, false, null, 0, -1, 1, 1.5, 2 ** 32, 1e308, [], {}) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path to a value in a plain document, the root excluded. */
function pathsOf(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((item, i) => [[...at, i], ...pathsOf(item, [...at, i])]);
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => [[...at, k], ...pathsOf(v, [...at, k])]);
  return [];
}

/** Values of the same kind as the one they replace, so that edits often get past the schema to the cross-field checks. */
const PLAUSIBLE: readonly [RegExp | 'number' | 'boolean', readonly unknown[]][] = [
  [/^\d[\d.]*(ms|s|m|h)$/, ['0s', '0ms', '1ms', '250ms', '1s', '5s', '10s', '15s', '30s', '1m', '1m30s', '2h', '999h', '0.5s', '100000h']],
  [/%$/, ['0%', '1%', '50%', '99%', '99.9%', '100%', '100.5%']],
  [/B\/s$/, ['0MB/s', '1KB/s', '16MB/s', '1GB/s']],
  [/\/(s|m|h)$/, ['0/s', '1/s', '50/s', '1000000/s', '60/m', '1/h']],
  [/^\d+(B|KB|MB|GB|KiB|MiB|GiB)$/, ['0B', '1B', '1KB', '16MB', '256MB', '1GiB']],
  ['number', [0, 1, -1, 0.5, 2, 4, 14.4, 100, 256, 257, 1e6, 2 ** 32]],
  ['boolean', [true, false]],
  [
    /^/,
    ['upstream', 'agent', 'target', 'nope', 'steady', 'chaos', 'recover', 'kill-agent', 'kill-agent.start', 'kill-agent.end', 'slow-upstream.start', 'burn-cpu.end', 'grow-heap.start', 'terminate-agent.end', 'UP', 'DOWN', 'availability', 'latency', 'BudgetBurnFast', 'LatencyBurnFast', 'ClientBudgetBurnFast', 'in-process', 'stressor', 'auto', 'kill', 'pause', 'terminate', 'latency', 'bandwidth', 'timeout', 'down', 'reset_peer', 'dropped', 'timeout', 'healthDown', 'server', 'client', 'page', 'node', 'SIGKILL', 'GET', 'http://127.0.0.1:${port:agent}/health', 'http://${proxy:upstream}', '127.0.0.1:${port:nope}'],
  ],
];

function plausible(original: unknown, pick: number): unknown {
  for (const [kind, pool] of PLAUSIBLE) {
    const fits = kind === 'number' || kind === 'boolean' ? typeof original === kind : typeof original === 'string' && kind.test(original);
    if (fits) return pool[pick % pool.length];
  }
  return original;
}

type Edit = { op: 'plausible' | 'set' | 'delete' | 'add' | 'duplicate'; pick: number; key: string; value: unknown };

function applyEdit(root: Json, edit: Edit): void {
  const paths = pathsOf(root);
  if (paths.length === 0) return;
  const path = paths[edit.pick % paths.length] as (string | number)[];
  let parent: any = root;
  for (const segment of path.slice(0, -1)) parent = parent[segment];
  const last = path[path.length - 1] as string | number;
  switch (edit.op) {
    case 'plausible':
      parent[last] = plausible(parent[last], Math.floor(edit.pick / paths.length));
      break;
    case 'set':
      parent[last] = edit.value;
      break;
    case 'delete':
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
      break;
    case 'duplicate':
      // A list item twice (two faults with one name, overlapping faults, ...), or a key's value under another key.
      if (Array.isArray(parent)) parent.splice(last as number, 0, structuredClone(parent[last as number]));
      else parent[edit.key] = structuredClone(parent[last]);
      break;
    case 'add': {
      const target = parent[last];
      if (Array.isArray(target)) target.push(edit.value);
      else if (typeof target === 'object' && target !== null) target[edit.key] = edit.value;
      else parent[last] = { [edit.key]: edit.value };
      break;
    }
  }
}

const KEYS = ['name', 'at', 'duration', 'network', 'cpu', 'heap', 'process', 'proxy', 'toxic', 'latency', 'jitter', 'action', 'restart', 'service', 'workers', 'load', 'mode', 'rate', 'max', 'release', 'from', 'to', 'within', 'after', 'slo', 'phase', 'alert', 'fires', 'resolves', 'never', 'stable', 'window', 'when', 'for', 'kind', 'objective', 'server', 'client', 'url', 'steady', 'chaos', 'recover', 'latnecy', 'bogus', '__proto__', 'constructor', '$schema'];
const edit: fc.Arbitrary<Edit> = fc.record({
  op: fc.constantFrom<Edit['op']>('plausible', 'plausible', 'plausible', 'plausible', 'set', 'delete', 'add', 'duplicate'),
  pick: fc.nat(),
  key: fc.constantFrom(...KEYS),
  value: atom,
});

/** A line-level or character-level change to a text; positions are taken modulo the text. */
type Mutation =
  | { op: 'delete' | 'duplicate'; line: number }
  | { op: 'swap'; line: number; other: number }
  | { op: 'char'; line: number; at: number; ch: string }
  | { op: 'insertKey'; line: number; indent: number; key: string; value: string }
  | { op: 'indent'; line: number; by: number; tab: boolean }
  | { op: 'truncate'; at: number };

const CHARS = fc.constantFrom(' ', ':', '-', '{', '}', '[', ']', ',', '#', '"', "'", '&', '*', '!', '|', '>', '%', '@', '`', '\t', '\n', '$', '0', '9', 'a', 'Z', '.', '/', 'é', '\u0000');
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constantFrom<'delete' | 'duplicate'>('delete', 'duplicate'), line: fc.nat() }),
  fc.record({ op: fc.constant<'swap'>('swap'), line: fc.nat(), other: fc.nat() }),
  fc.record({ op: fc.constant<'char'>('char'), line: fc.nat(), at: fc.nat(), ch: fc.oneof(CHARS, fc.string({ minLength: 0, maxLength: 1 })) }),
  fc.record({
    op: fc.constant<'insertKey'>('insertKey'),
    line: fc.nat(),
    indent: fc.integer({ min: 0, max: 8 }),
    key: fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 })),
    value: fc.oneof(fc.constantFrom('', '10s', '[]', '{}', 'x', '- a', '"${port:agent}"', '&x 1', '*x', '|'), fc.string({ maxLength: 10 })),
  }),
  fc.record({ op: fc.constant<'indent'>('indent'), line: fc.nat(), by: fc.integer({ min: -4, max: 4 }), tab: fc.boolean() }),
  fc.record({ op: fc.constant<'truncate'>('truncate'), at: fc.nat() }),
);

function mutate(text: string, m: Mutation): string {
  if (m.op === 'truncate') return text.slice(0, m.at % (text.length + 1));
  const lines = text.split('\n');
  const i = m.line % lines.length;
  const line = lines[i] as string;
  switch (m.op) {
    case 'delete':
      lines.splice(i, 1);
      break;
    case 'duplicate':
      lines.splice(i, 0, line);
      break;
    case 'swap': {
      const j = m.other % lines.length;
      [lines[i], lines[j]] = [lines[j] as string, line];
      break;
    }
    case 'char': {
      const at = m.at % (line.length + 1);
      lines[i] = line.slice(0, at) + m.ch + line.slice(at + 1);
      break;
    }
    case 'insertKey':
      lines.splice(i, 0, `${' '.repeat(m.indent)}${m.key}: ${m.value}`);
      break;
    case 'indent':
      lines[i] = m.by >= 0 ? (m.tab ? '\t' : ' '.repeat(m.by)) + line : line.replace(new RegExp(`^ {0,${-m.by}}`), '');
      break;
  }
  return lines.join('\n');
}

const bundledIndex = fc.integer({ min: 0, max: BUNDLED.length - 1 });

/** Mutated texts of one bundled document, checked as the suite (with every scenario) or as a scenario (with the suite). */
function checkMutatedDocument(index: number, text: string): void {
  if (index === 0) checkOutcome(doc('faultline.yaml', text), SCENARIOS);
  else checkOutcome(SUITE, [doc((BUNDLED[index] as DocumentText).file.replace('scenarios/', ''), text)]);
}

// ---------------------------------------------------------------------------------------------

describe('the loader on arbitrary input: a suite or a ScenarioError, nothing else', () => {
  it('loads the bundled suite without any issue (the baseline every mutation starts from)', () => {
    const outcome = checkOutcome(SUITE, SCENARIOS);
    expect(outcome.ok ? [] : outcome.error.issues).toEqual([]);
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(5);
  });

  it('survives documents that attack the parser: alias bombs, cycles, deep nesting, huge scalars', () => {
    const laughs = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`)].join('\n');
    const inputs = [
      '',
      '\n\n',
      '# only a comment\n',
      '---\n---\n',
      '~',
      'null',
      '[]',
      '{}',
      '- a\n- b',
      'just a string',
      '123',
      laughs,
      'a: &a\n  b: *a\n',
      '*undefined_alias',
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
      `${'{a: '.repeat(3000)}1${'}'.repeat(3000)}`,
      `${'- '.repeat(3000)}x`,
      Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i)}k:`).join('\n'),
      `name: ${'x'.repeat(200_000)}`,
      `description: "${'\\u00e9'.repeat(20_000)}"`,
      'name: a\nname: b\n',
      '__proto__: { name: x }\nname: y\n',
      'constructor: 1\nname: y\n',
      '? [complex, key]\n: value\n',
      '!!binary aGVsbG8=',
      '%YAML 1.1\n---\nname: old\n',
      'name: x\r\nsteady: 1s\r\n',
      'name: x\rsteady: 1s\r',
      '\uFEFFname: bom\n',
      'name: x\n\u0000\n',
      'name: "unterminated',
      'faults:\n\t- name: tab',
    ];
    for (const text of inputs) checkText(text);
  }, TIMEOUT);

  // Regression (src/scenario/source.ts, SourceFile#position): positions come from yaml's
  // LineCounter, which learns line starts from newline tokens only. After a syntax error the
  // lexer can swallow several lines into one scalar token, and every later issue lands on a
  // too-small line with a column past its end (here "tags", then on line 8, was reported at 5:201,
  // and the code frame shows the wrong line). Counting lines in the text itself fixes it;
  // with that change, "column <= length of its line + 1" also holds for every input the
  // properties below generate (checkOutcome could then assert it).
  it('positions every issue inside the text, even after a syntax error', () => {
    const original = (SCENARIOS.find((d) => d.file === 'scenarios/cpu-saturation.yaml') as DocumentText).text;
    const text = ` : \n${original}`;
    const outcome = attempt(SUITE, [doc('cpu-saturation.yaml', text)]);
    const issues = outcome.ok ? [] : outcome.error.issues;
    expect(issues.length).toBeGreaterThan(0);
    const lines = text.split('\n');
    for (const issue of issues) expect(issue.column, JSON.stringify(issue)).toBeLessThanOrEqual((lines[issue.line - 1] ?? '').length + 1);
    expect(issues.find((i) => i.message.includes('"tags"'))).toMatchObject({ line: lines.findIndex((l) => l.startsWith('tags:')) + 1, column: 1 });
  });

  it('arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 200 }), fc.string({ maxLength: 200 })), (text) => {
        checkText(text);
      }),
      { seed: SEED, numRuns: 150 },
    );
  }, TIMEOUT);

  it('YAML-ish token soup', () => {
    fc.assert(
      fc.property(yamlish, (text) => {
        checkText(text);
      }),
      { seed: SEED, numRuns: 200 },
    );
  }, TIMEOUT);

  it('random documents serialised by the yaml package', () => {
    const value = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.anything({ maxDepth: 3, withNullPrototype: true, withObjectString: true }), fc.dictionary(fc.constantFrom(...KEYS), atom, { maxKeys: 8 }));
    fc.assert(
      fc.property(value, (v) => {
        const text: unknown = stringify(v);
        checkText(typeof text === 'string' ? text : '');
      }),
      { seed: SEED, numRuns: 200 },
    );
  }, TIMEOUT);

  it('structural edits of the bundled documents (values replaced, keys deleted or added)', () => {
    const parsed = BUNDLED.map((d) => parse(d.text) as Json);
    fc.assert(
      fc.property(bundledIndex, fc.array(edit, { minLength: 1, maxLength: 4 }), (index, edits) => {
        const root = structuredClone(parsed[index]) as Json;
        for (const e of edits) applyEdit(root, e);
        checkMutatedDocument(index, stringify(root));
      }),
      { seed: SEED, numRuns: 250 },
    );
  }, TIMEOUT);

  it('textual mutations of the bundled files (lines deleted, duplicated, swapped, re-indented; characters changed; keys inserted; truncation)', () => {
    fc.assert(
      fc.property(bundledIndex, fc.array(mutation, { minLength: 1, maxLength: 5 }), (index, mutations) => {
        const text = mutations.reduce(mutate, (BUNDLED[index] as DocumentText).text);
        checkMutatedDocument(index, text);
      }),
      { seed: SEED, numRuns: 350 },
    );
  }, TIMEOUT);
});
