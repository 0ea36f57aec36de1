import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateDocuments, type DocumentText } from '../../../src/scenario/load.js';
import type { ScenarioIssue } from '../../../src/scenario/source.js';
import { ROOT } from '../../helpers/processes.js';

/**
 * Keeps docs/scenarios.md honest about the scenario language:
 *
 * - every field name of the suite and scenario JSON Schemas (generated from the zod schemas,
 *   and drift-tested against them in test/unit/scenario/json-schema.test.ts) is documented in
 *   a table row, and every allowed word (`toxic: latency`, `when: healthDown`, …) is mentioned;
 * - every ```yaml block says what it is on its first line: `# file: <path>` for a complete
 *   file, which must load with the real loader (with the issue codes of a `# expect:` second
 *   line, else none), or `# fragment` for a piece of one.
 *
 * A scenario block loads with the suite block of its folder; in `scenarios/` (the walkthrough)
 * with the bundled suite file from disk and the bundled scenarios beside it.
 */

const DOC = 'docs/scenarios.md';
const markdown = readFileSync(path.join(ROOT, DOC), 'utf8');
const lines = markdown.split('\n');

interface Block {
  /** 1-based line of the first line inside the fence. */
  line: number;
  lang: string;
  text: string;
}

/** Fenced code blocks (``` or ~~~, possibly indented inside a list), and the lines outside them. */
function parseMarkdown(all: readonly string[]): { blocks: Block[]; prose: string[] } {
  const blocks: Block[] = [];
  const prose: string[] = [];
  let open: { fence: string; indent: number; lang: string; line: number; body: string[] } | undefined;
  all.forEach((raw, index) => {
    if (open === undefined) {
      const start = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(raw);
      if (start === null) prose.push(raw);
      else open = { fence: start[2] as string, indent: (start[1] as string).length, lang: start[3] as string, line: index + 2, body: [] };
      return;
    }
    if (raw.trim().startsWith(open.fence) && raw.trim().replace(/[`~]/g, '') === '') {
      blocks.push({ line: open.line, lang: open.lang, text: `${open.body.join('\n')}\n` });
      open = undefined;
      return;
    }
    const indent = open.indent;
    open.body.push(raw.slice(Math.min(indent, raw.length - raw.trimStart().length)));
  });
  if (open !== undefined) throw new Error(`${DOC}:${open.line - 1}: a code fence is never closed`);
  return { blocks, prose };
}

/** The contents of `inline code` spans on a line. */
function inlineCode(line: string): string[] {
  return [...line.matchAll(/(`+)(.+?)\1/g)].map((m) => m[2] as string);
}

/** The words inside code spans: `restart.when` gives restart and when; `${port:NAME}` gives $, port, NAME. */
function codeWords(spans: readonly string[]): Set<string> {
  return new Set(spans.flatMap((span) => span.split(/[^A-Za-z0-9_$-]+/)).filter((word) => word !== ''));
}

type JsonNode = Record<string, unknown>;

function children(node: JsonNode): unknown[] {
  return ['items', 'additionalProperties', 'anyOf', 'oneOf', 'allOf'].flatMap((key) => {
    const child = node[key];
    return Array.isArray(child) ? (child as unknown[]) : child === undefined ? [] : [child];
  });
}

/** Every property name, at any depth: mappings, list items, records, unions. */
function propertyNames(node: unknown, into = new Set<string>()): Set<string> {
  if (typeof node !== 'object' || node === null) return into;
  const object = node as JsonNode;
  const properties = object['properties'] as Record<string, unknown> | undefined;
  for (const [name, child] of Object.entries(properties ?? {})) {
    into.add(name);
    propertyNames(child, into);
  }
  for (const child of children(object)) propertyNames(child, into);
  return into;
}

/** Every allowed word: string `enum` members and `const`s, at any depth. */
function allowedWords(node: unknown, into = new Set<string>()): Set<string> {
  if (typeof node !== 'object' || node === null) return into;
  const object = node as JsonNode;
  for (const value of [...((object['enum'] as unknown[] | undefined) ?? []), object['const']]) if (typeof value === 'string') into.add(value);
  for (const child of Object.values((object['properties'] as Record<string, unknown> | undefined) ?? {})) allowedWords(child, into);
  for (const child of children(object)) allowedWords(child, into);
  return into;
}

const schema = (file: string): unknown => JSON.parse(readFileSync(path.join(ROOT, 'schema', file), 'utf8'));
const SCHEMAS = [
  { file: 'suite.schema.json', json: schema('suite.schema.json') },
  { file: 'scenario.schema.json', json: schema('scenario.schema.json') },
];

const { blocks, prose } = parseMarkdown(lines);
/** The first two cells of every table row: the field column (second in the toxic and abort tables). */
const fieldCells = prose.filter((line) => line.trimStart().startsWith('|')).map((line) => line.trim().split(/(?<!\\)\|/).slice(1, 3).join('|'));
const tableWords = codeWords(fieldCells.flatMap(inlineCode));
const proseWords = codeWords(prose.flatMap(inlineCode));

describe(`${DOC} documents every field`, () => {
  it.each(SCHEMAS)('every property of $file is named in the first two cells of a table row', ({ file, json }) => {
    const names = [...propertyNames(json)];
    // A broken walk would make the check below vacuous.
    expect(names.length, `property names found in ${file}`).toBeGreaterThan(40);
    const missing = names.filter((name) => !tableWords.has(name)).sort();
    expect(missing, `fields of ${file} that no table row of ${DOC} names in \`code\` in its first two cells`).toEqual([]);
  });

  it.each(SCHEMAS)('every allowed word of $file is mentioned in `code`', ({ file, json }) => {
    const words = [...allowedWords(json)];
    expect(words.length, `allowed words found in ${file}`).toBeGreaterThan(15);
    const missing = words.filter((word) => !proseWords.has(word)).sort();
    expect(missing, `allowed values in ${file} that ${DOC} never mentions in \`code\``).toEqual([]);
  });
});

interface FileBlock {
  block: Block;
  /** As written after `# file:`, relative to the repository root. */
  file: string;
  expected: string[];
}

const SUITE_NAMES = new Set(['faultline.yaml', 'faultline.yml']);
const yamlBlocks = blocks.filter((b) => b.lang === 'yaml' || b.lang === 'yml');
const fileBlocks: FileBlock[] = yamlBlocks.flatMap((block) => {
  const [first = '', second = ''] = block.text.split('\n');
  const file = /^# file: (\S+)\s*$/.exec(first)?.[1];
  if (file === undefined) return [];
  const expected = /^# expect: ([A-Z_ ]+)$/.exec(second)?.[1]?.trim().split(/\s+/) ?? [];
  return [{ block, file, expected }];
});

const doc = (file: string, text: string): DocumentText => ({ path: path.join(ROOT, file), file, text });
const suiteBlock = (dir: string) => fileBlocks.find((f) => path.posix.dirname(f.file) === dir && SUITE_NAMES.has(path.posix.basename(f.file)));
const ENV = {};
const OPTIONS = { cores: 2 };

/** The suite a scenario block loads with, and the scenario files already beside it on disk. */
function suiteFor(dir: string, except: string): { suite: DocumentText; beside: DocumentText[]; fromDisk: boolean } {
  const written = suiteBlock(dir);
  if (written !== undefined) return { suite: doc(written.file, written.block.text), beside: [], fromDisk: false };
  const onDisk = path.join(ROOT, dir, 'faultline.yaml');
  if (!existsSync(onDisk)) throw new Error(`no suite for ${dir}/: add a \`# file: ${dir}/faultline.yaml\` block to ${DOC}`);
  const beside = readdirSync(path.join(ROOT, dir))
    .filter((name) => /\.ya?ml$/.test(name) && !SUITE_NAMES.has(name) && name !== except)
    .sort()
    .map((name) => doc(`${dir}/${name}`, readFileSync(path.join(ROOT, dir, name), 'utf8')));
  return { suite: doc(`${dir}/faultline.yaml`, readFileSync(onDisk, 'utf8')), beside, fromDisk: true };
}

const shown = (block: Block, issues: readonly ScenarioIssue[]) =>
  issues.map((i) => `${i.code} at ${DOC}:${block.line + i.line - 1}:${i.column} (${i.file}:${i.line}) ${i.path}: ${i.message}${i.hint === undefined ? '' : ` (hint: ${i.hint})`}`);

describe(`${DOC} examples`, () => {
  it('every yaml block starts with `# file: <path>` or `# fragment`', () => {
    const unmarked = yamlBlocks.filter((b) => !/^# (file: \S+|fragment\b)/.test(b.text)).map((b) => `${DOC}:${b.line}: ${b.text.split('\n')[0] ?? ''}`);
    expect(unmarked).toEqual([]);
  });

  it('has complete files to check: suites, scenarios, and the walkthrough scenario beside the bundled suite', () => {
    const files = fileBlocks.map((f) => f.file);
    const suites = files.filter((f) => SUITE_NAMES.has(path.posix.basename(f)));
    // A folder's scenarios load with its one suite block; a scenario file may show up twice (a broken and a fixed version).
    expect(new Set(suites.map((f) => path.posix.dirname(f))).size, 'one suite block per folder').toBe(suites.length);
    expect(suites.length).toBeGreaterThanOrEqual(3);
    expect(files.filter((f) => !SUITE_NAMES.has(path.posix.basename(f))).length).toBeGreaterThanOrEqual(8);
    expect(fileBlocks.some((f) => f.file.startsWith('scenarios/') && f.expected.length === 0 && !SUITE_NAMES.has(path.posix.basename(f.file)))).toBe(true);
    for (const f of fileBlocks) expect(f.file, 'a relative path of a .yaml file').toMatch(/^(?!\/)(?!.*\.\.)[\w./-]+\.ya?ml$/);
  });

  it.each(fileBlocks.map((f) => [`${DOC}:${f.block.line} ${f.file}`, f] as const))('%s loads', (_name, { block, file, expected }) => {
    const dir = path.posix.dirname(file);
    const isSuite = SUITE_NAMES.has(path.posix.basename(file));
    const context = isSuite ? { suite: doc(file, block.text), beside: [], fromDisk: false } : suiteFor(dir, path.posix.basename(file));
    const result = validateDocuments(context.suite, isSuite ? [] : [...context.beside, doc(file, block.text)], ENV, OPTIONS);
    const own = result.files.filter((f) => f.file === file).flatMap((f) => f.issues);
    const others = result.files.filter((f) => f.file !== file).flatMap((f) => f.issues);
    expect(others.map((i) => `${i.code} ${i.file}:${i.line}:${i.column} ${i.message}`), `the files ${file} loads with`).toEqual([]);
    if (expected.length === 0) {
      expect(shown(block, own)).toEqual([]);
      if (!isSuite) expect(result.loaded?.scenarios.some((s) => s.file === path.join(ROOT, file))).toBe(true);
    } else {
      expect(own.map((i) => i.code).sort(), shown(block, own).join('\n')).toEqual([...expected].sort());
    }
  });
});
