import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as api from '../../../src/index.js';
import { ROOT } from '../../helpers/processes.js';
import { fencedBlocks } from './fenced-blocks.js';

/**
 * Keeps docs/api.md true to the code:
 *
 * - a code block whose first line names a file (`// test/chaos.test.ts`, `# scenarios/x.yaml`)
 *   is that file of test/fixtures/library-api/, byte for byte, and every fixture is shown. The
 *   fixtures are type-checked with the project, and test/e2e/library-api.test.ts runs the vitest
 *   example in a project of its own;
 * - the functions of the signature blocks are exported by src/index.ts;
 * - every field of RunOptions and RunResult (src/api/run-types.ts) is in the page.
 */

const DOC = 'docs/api.md';
const FIXTURES = 'test/fixtures/library-api';
const markdown = readFileSync(path.join(ROOT, DOC), 'utf8');
const blocks = fencedBlocks(markdown);
const FILE_LINE = /^(?:\/\/|#) ((?:[\w.-]+\/)*[\w.-]+\.(?:ts|yaml))$/;

describe(DOC, () => {
  const shown = blocks.filter((b) => FILE_LINE.test(b.text.split('\n')[0] ?? ''));

  it('shows every file of test/fixtures/library-api/, and nothing else under a file name', () => {
    const names = shown.map((b) => path.basename(FILE_LINE.exec(b.text.split('\n')[0] ?? '')?.[1] ?? ''));
    expect(names.sort()).toEqual(readdirSync(path.join(ROOT, FIXTURES)).sort());
  });

  it.each(shown.map((b) => [FILE_LINE.exec(b.text.split('\n')[0] ?? '')?.[1] ?? '', b] as const))('the block of %s is its fixture, byte for byte', (file, block) => {
    expect(block.text, `${DOC}:${block.line}`).toBe(readFileSync(path.join(ROOT, FIXTURES, path.basename(file)), 'utf8'));
  });

  it('every function of a signature block is exported by the package', () => {
    const signatures = blocks.filter((b) => b.lang === 'ts' && b.text.startsWith('function '));
    const names = signatures.flatMap((b) => [...b.text.matchAll(/^function (\w+)\(/gm)].map((m) => m[1] ?? ''));
    expect(names.length).toBeGreaterThanOrEqual(4);
    for (const name of names) expect(typeof (api as Record<string, unknown>)[name], name).toBe('function');
  });

  it.each(['RunOptions', 'RunResult'])('names every field of %s', (name) => {
    const source = readFileSync(path.join(ROOT, 'src/api/run-types.ts'), 'utf8');
    const body = new RegExp(`export interface ${name} \\{\\n([\\s\\S]*?)\\n\\}`).exec(source)?.[1] ?? '';
    const fields = [...body.matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1] ?? '');
    expect(fields.length).toBeGreaterThan(5);
    for (const field of fields) expect(markdown, field).toContain(`\`${field}\``);
  });

  it('every name the examples import from faultline is a value the package exports', () => {
    const imports = blocks.flatMap((b) => [...b.text.matchAll(/^import \{([^}]+)\} from 'faultline';$/gm)].flatMap((m) => (m[1] ?? '').split(',').map((s) => s.trim())));
    expect(imports.length).toBeGreaterThanOrEqual(6);
    for (const name of imports) expect(Object.keys(api), name).toContain(name);
  });
});
