import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMap, isScalar, parseAllDocuments, visit } from 'yaml';
import { ExitCode } from '../../../src/exit-codes.js';
import { parseShard } from '../../../src/run/shard.js';
import { ROOT } from '../../helpers/processes.js';
import { faultlineCommands, rejection, tokenize } from './cli-lines.js';
import { fencedBlocks } from './fenced-blocks.js';

/**
 * Keeps the CI recipes of docs/ci.md copy-paste safe: every ```yaml block parses (no error, no
 * warning, a mapping at the top), every `faultline …` line — in YAML strings, shell blocks and
 * inline code — is accepted by the real CLI parser (flags, choices, required arguments; dry
 * run, nothing is executed) with a well-formed `--shard`, and the exit-code table is
 * src/exit-codes.ts.
 */

const DOC = 'docs/ci.md';
const markdown = readFileSync(path.join(ROOT, DOC), 'utf8');
const blocks = fencedBlocks(markdown);
const yamlBlocks = blocks.filter((b) => b.lang === 'yaml');

/** Every string scalar of a YAML text (run: and script: lines among them). */
function yamlStrings(text: string): string[] {
  const strings: string[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (!('contents' in doc)) continue;
    visit(doc, {
      Scalar(_, node) {
        if (typeof node.value === 'string') strings.push(node.value);
      },
    });
  }
  return strings;
}

/** Inline code outside the fences that is a faultline command line (with arguments: `faultline merge` alone names the command). */
function inlineCommands(): string[] {
  let prose = markdown;
  for (const block of blocks) prose = prose.replace(block.text, '');
  return [...prose.matchAll(/`(faultline [^`]+)`/g)].map((m) => (m[1] ?? '').replace(/\s*\n\s*/g, ' '));
}

const commands = [
  ...yamlBlocks.flatMap((b) => yamlStrings(b.text).flatMap((s) => faultlineCommands(s).map((argv) => ({ where: `${DOC}:${b.line} (yaml)`, argv })))),
  ...blocks.filter((b) => b.lang === 'sh').flatMap((b) => faultlineCommands(b.text).map((argv) => ({ where: `${DOC}:${b.line} (sh)`, argv }))),
  ...inlineCommands().flatMap((line) => faultlineCommands(line).filter((argv) => argv.length > 1).map((argv) => ({ where: `${DOC} (inline)`, argv }))),
];

describe(DOC, () => {
  it('has the recipes: GitHub Actions, GitLab CI and shell', () => {
    expect(yamlBlocks.length).toBeGreaterThanOrEqual(4);
    expect(blocks.filter((b) => b.lang === 'sh').length).toBeGreaterThanOrEqual(2);
    for (const fragment of ['--shard ${{ matrix.shard }}/3', 'faultline merge', '--fail-on-regression', 'GITHUB_STEP_SUMMARY', 'mikepenz/action-junit-report', 'actions/upload-artifact', 'junit: ', 'parallel: 3', 'CI_NODE_INDEX/$CI_NODE_TOTAL', 'matrix:']) {
      expect(markdown, fragment).toContain(fragment);
    }
  });

  it.each(yamlBlocks.map((b) => [b.line, b] as const))('the yaml block at line %i parses, without warnings, to a mapping', (_, block) => {
    const docs = parseAllDocuments(block.text);
    expect(Array.isArray(docs) ? docs.length : 0).toBe(1);
    const [doc] = docs as Exclude<typeof docs, { empty: true }>;
    expect(doc?.errors.map((e) => e.message) ?? ['no document']).toEqual([]);
    expect(doc?.warnings.map((e) => e.message)).toEqual([]);
    expect(isMap(doc?.contents)).toBe(true);
  });

  it('shows enough faultline command lines to check (not vacuous)', () => {
    expect(commands.length).toBeGreaterThanOrEqual(15);
    expect(new Set(commands.map((c) => c.argv[0]))).toEqual(new Set(['run', 'merge', 'compare', 'validate', 'report']));
  });

  it.each(commands.map((c) => [c.where, c.argv.join(' '), c.argv] as const))('%s: faultline %s is accepted by the CLI parser', async (_, __, argv) => {
    expect(await rejection(argv)).toBeNull();
    const shard = argv.indexOf('--shard');
    if (shard !== -1) expect(() => parseShard(argv[shard + 1] ?? '')).not.toThrow();
  });

  it.each([
    [['run', '--shards', '1/2']],
    [['compare', 'base']],
    [['merge', 'a', 'b']],
    [['compare', 'a', 'b', '--format', 'html']],
    [['deploy']],
  ])('rejects what the CLI does not have: faultline %j (the check is not vacuous)', async (argv) => {
    expect(await rejection(argv)).not.toBeNull();
  });

  it('the exit-code table lists exactly src/exit-codes.ts', () => {
    const section = markdown.slice(markdown.indexOf('## Exit codes'));
    const codes = [...section.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
    expect(codes.sort((a, b) => a - b)).toEqual(Object.values(ExitCode).sort((a, b) => a - b));
  });
});

describe('the command-line extraction', () => {
  it.each([
    ['npx faultline run --shard "$CI_NODE_INDEX/$CI_NODE_TOTAL" --out "a b"', [['run', '--shard', '1/1', '--out', 'a b']]],
    ["FOO=1 npx faultline compare a b --fail-on-regression || status=$? # a comment", [['compare', 'a', 'b', '--fail-on-regression']]],
    ['faultline schema --kind scenario > scenario.schema.json', [['schema', '--kind', 'scenario']]],
    ['cd x && faultline validate \\\n  scenarios', [['validate', 'scenarios']]],
    ['echo faultline run', []],
    ["tag=$(gh release view --json tagName --jq .tagName) || { echo 'no'; exit 0; }", []],
  ] as const)('%s', (text, expected) => {
    expect(faultlineCommands(text)).toEqual(expected);
  });

  it('keeps quoted operators in their word', () => {
    expect(tokenize("a 'b && c' \"d;e\"").map((t) => t.value)).toEqual(['a', 'b && c', 'd;e']);
  });

  it('reads YAML strings as YAML, so a quoted script line is one command', () => {
    const [doc] = parseAllDocuments("script:\n  - 'npx faultline run --out \"x: y\"'\n") as Exclude<ReturnType<typeof parseAllDocuments>, { empty: true }>;
    const item = (doc?.contents as any)?.items?.[0]?.value?.items?.[0];
    expect(isScalar(item) ? faultlineCommands(String(item.value)) : null).toEqual([['run', '--out', 'x: y']]);
  });
});
