import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadSuite } from '../../../src/scenario/load.js';
import { renderRules } from '../../../src/slo/rules.js';
import { CLI_MAIN, ROOT } from '../../helpers/processes.js';

/** `faultline rules` as a user runs it (the built CLI): exit codes, stdout, the written file. */

const faultline = (cwd: string, ...args: string[]) => execa('node', [CLI_MAIN, ...args], { cwd, reject: false, timeout: 30_000 });

let work: string;
let expected: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'faultline-rules-'));
  expected = renderRules((await loadSuite(path.join(ROOT, 'scenarios/faultline.yaml'))).suite);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('faultline rules', () => {
  it('prints the rule file of scenarios/ by default: exit 0, YAML with the exported groups', async () => {
    const result = await faultline(ROOT, 'rules');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe(expected.trimEnd());
    const groups = (parse(result.stdout) as { groups: { name: string }[] }).groups;
    expect(groups.map((g) => g.name)).toEqual(['faultline/agent-runtime/availability', 'faultline/agent-runtime/latency']);
  });

  it('takes the suite file itself', async () => {
    const result = await faultline(work, 'rules', path.join(ROOT, 'scenarios/faultline.yaml'));
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe(expected.trimEnd());
  });

  it('--out writes the file (and nothing else) and says so', async () => {
    const out = path.join(work, 'out', 'slo-rules.yml');
    await mkdir(path.dirname(out), { recursive: true });
    const result = await faultline(ROOT, 'rules', 'scenarios', '--out', out);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe(`wrote ${out}`);
    expect(await readFile(out, 'utf8')).toBe(expected);
    expect(await readdir(path.dirname(out))).toEqual(['slo-rules.yml']);
  });

  it('bad input: exit 2, the problem at file:line:column, no stack trace, nothing written', async () => {
    const dir = path.join(work, 'broken');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'faultline.yaml'), ['version: 1', 'target:', '  command: node server.js', 'slos:', '  availability:', '    kind: availability', '    objective: 99', ''].join('\n'));
    const out = path.join(work, 'broken-rules.yml');
    const result = await faultline(work, 'rules', 'broken', '--out', out);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^broken\/faultline\.yaml:7:16 +slos\.availability\.objective: .*\[BAD_PERCENT\]$/m);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
    await expect(readFile(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a path that does not exist, or an --out that cannot be written: exit 2 with a hint', async () => {
    const missing = await faultline(work, 'rules', 'nowhere');
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('error: cannot read "nowhere"');
    const unwritable = await faultline(ROOT, 'rules', '--out', path.join(work, 'no-such-dir', 'x.yml'));
    expect(unwritable.exitCode).toBe(2);
    expect(unwritable.stderr).toMatch(/error: cannot write the rules to ".*x\.yml": ENOENT\nhint: /);
  });

  it('--help shows the usage with an example; an unknown option is exit 2', async () => {
    const help = await faultline(ROOT, 'rules', '--help');
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('faultline rules [suite]');
    expect(help.stdout).toContain('--out');
    expect(help.stdout).toContain('faultline rules scenarios --out slo-rules.yml');
    const bad = await faultline(ROOT, 'rules', '--outt', 'x.yml');
    expect(bad.exitCode).toBe(2);
    const top = await faultline(ROOT, '--help');
    expect(top.stdout).toMatch(/faultline rules \[suite\]/);
  });
});
