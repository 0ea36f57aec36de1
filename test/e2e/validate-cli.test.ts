import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_MAIN, ROOT } from '../helpers/processes.js';

/** `faultline validate` and `faultline schema` as a user runs them: exit codes and parsed output. */

const faultline = (cwd: string, ...args: string[]) => execa('node', [CLI_MAIN, ...args], { cwd, reject: false, timeout: 30_000, env: { AGENT_BUG: '' } });

interface JsonReport {
  ok: boolean;
  problems: number;
  files: { file: string; kind: 'suite' | 'scenario'; ok: boolean; issues: { code: string; file: string; line: number; column: number; path: string; message: string }[] }[];
}

let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'faultline-validate-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('faultline validate', () => {
  it('accepts the bundled suite: exit 0, ok per file', async () => {
    const result = await faultline(ROOT, 'validate', 'scenarios/');
    expect(result.exitCode, result.stderr).toBe(0);
    const files = (await readdir(path.join(ROOT, 'scenarios'))).filter((f) => f.endsWith('.yaml'));
    for (const file of files) expect(result.stdout).toContain(`ok    scenarios/${file}`);
    expect(result.stdout).toContain(`${files.length} files valid`);
  });

  it('defaults to scenarios/ in the working directory', async () => {
    const result = await faultline(ROOT, 'validate');
    expect(result.exitCode, result.stderr).toBe(0);
  });

  it('--json on the bundled suite reports every file ok', async () => {
    const result = await faultline(ROOT, 'validate', 'scenarios', '--json');
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout) as JsonReport;
    expect(report.ok).toBe(true);
    expect(report.problems).toBe(0);
    expect(report.files.filter((f) => f.kind === 'suite')).toHaveLength(1);
    expect(report.files.length).toBeGreaterThanOrEqual(6);
  });

  it('reports every problem of a broken folder at once: exit 2, positions, no stack trace, nothing written', async () => {
    const dir = path.join(work, 'broken');
    await cp(path.join(ROOT, 'scenarios'), dir, { recursive: true });
    await writeFile(
      path.join(dir, 'network-latency.yaml'),
      ['name: network-latency', 'steady: 10', 'faults:', '  - name: slow', '    duration: 30s', '    network: { proxy: upstrem, toxic: latency, latncy: 500ms }', ''].join('\n'),
    );
    await writeFile(path.join(dir, 'cpu-saturation.yaml'), 'name: cpu\nfaults:\n  - name: burn\n    duration: 5s\n    cpu: { workers: 2 }\n    heap: { rate: 1MB/s, max: 8MB }\n');
    const before = await readdir(dir);

    const json = await faultline(work, 'validate', 'broken', '--json');
    expect(json.exitCode).toBe(2);
    const report = JSON.parse(json.stdout) as JsonReport;
    const issues = report.files.flatMap((f) => f.issues.map((i) => [path.basename(i.file), i.code, i.line, i.column]));
    expect(issues).toEqual([
      ['cpu-saturation.yaml', 'FAULT_KIND', 3, 5],
      ['network-latency.yaml', 'BAD_DURATION', 2, 9],
      ['network-latency.yaml', 'MISSING_KEY', 6, 5],
      ['network-latency.yaml', 'UNKNOWN_KEY', 6, 48],
    ]);

    const text = await faultline(work, 'validate', 'broken');
    expect(text.exitCode).toBe(2);
    expect(text.stderr).toContain('broken/network-latency.yaml:6:48  faults[0].network.latncy: unknown key "latncy" [UNKNOWN_KEY]');
    expect(text.stderr).toContain('hint: did you mean "latency"?');
    expect(text.stderr).toMatch(/^> 6 \| {5}network:/m);
    expect(text.stderr).toMatch(/^error: 4 problems in the scenario files$/m);
    expect(text.stderr).not.toMatch(/\n\s+at /);
    expect(text.stdout).toContain('ok    broken/faultline.yaml');
    expect(await readdir(dir)).toEqual(before);
  });

  it('a path that does not exist is a usage error (exit 2) with a hint', async () => {
    const result = await faultline(work, 'validate', 'nowhere/');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^error: cannot read "nowhere\/": no such file or folder$/m);
    expect(result.stderr).toMatch(/^hint: /m);
  });

  it('a folder without a suite file is a usage error', async () => {
    const dir = path.join(work, 'no-suite');
    await cp(path.join(ROOT, 'scenarios', 'heap-growth.yaml'), path.join(dir, 'heap-growth.yaml'), { recursive: true });
    const result = await faultline(work, 'validate', 'no-suite');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/no suite file \(faultline\.yaml\)/);
  });
});

describe('faultline schema', () => {
  it('--out writes the three schemas, identical to the committed ones', async () => {
    const out = path.join(work, 'schema-out');
    const result = await faultline(work, 'schema', '--out', out);
    expect(result.exitCode, result.stderr).toBe(0);
    for (const file of ['suite.schema.json', 'scenario.schema.json', 'report.schema.json']) {
      expect(await readFile(path.join(out, file), 'utf8')).toBe(await readFile(path.join(ROOT, 'schema', file), 'utf8'));
    }
    expect((await readdir(out)).sort()).toEqual(['report.schema.json', 'scenario.schema.json', 'suite.schema.json']);
  });

  it('prints one schema with --kind', async () => {
    const result = await faultline(work, 'schema', '--kind', 'scenario');
    expect(result.exitCode).toBe(0);
    const schema = JSON.parse(result.stdout) as { title: string; properties: Record<string, unknown> };
    expect(schema.title).toBe('faultline scenario file');
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['name', 'faults', 'expect', 'steady', 'recover']));
  });

  it('a bad --kind is a usage error', async () => {
    const result = await faultline(work, 'schema', '--kind', 'everything');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^error: .*Invalid values/m);
  });
});
