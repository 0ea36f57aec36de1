import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Faultline from '../../src/index.js';
import { pollUntil, ROOT } from '../helpers/processes.js';
import { childrenOf, markedSuiteText, marked, readRecording } from '../helpers/run-cli.js';

/**
 * The library API as a user's code calls it, from the built package (dist/): the vitest example
 * of docs/api.md run as is in a project of its own (test/unit/docs/api-doc.test.ts keeps the doc
 * and test/fixtures/library-api/ identical), an abort through `signal`, and the errors `run()`
 * throws, each leaving nothing running.
 */

const FIXTURES = path.join(ROOT, 'test/fixtures/library-api');
// One expectation that holds on a healthy agent, like test/e2e/run-cli.test.ts's LATENCY.
const LATENCY = ['name: latency', 'steady: 3s', 'faults:', '  - name: slow', '    duration: 4s', '    network: { proxy: upstream, toxic: latency, latency: 300ms }', 'recover: 3s', 'expect:', '  slo:', '    - { slo: availability, phase: steady }', ''].join('\n');
const REPORT_FILES = ['report.json', 'junit.xml', 'summary.md', 'report.html'];

let work: string;
let api: typeof Faultline;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'faultline-api-'));
  api = (await import(pathToFileURL(path.join(ROOT, 'dist/src/index.js')).href)) as typeof Faultline;
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function suiteDir(name: string, scenarios: Record<string, string>): Promise<{ dir: string; marker: string }> {
  const dir = path.join(work, name);
  const marker = randomUUID();
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'faultline.yaml'), markedSuiteText(marker));
  for (const [file, text] of Object.entries(scenarios)) await writeFile(path.join(dir, file), text);
  return { dir, marker };
}

/** Every child of this test process gone (the watchdog and the embedded Toxiproxy included), and no process of the suite alive. */
async function nothingLeft(marker: string): Promise<void> {
  expect(marked(marker)).toEqual([]);
  await pollUntil(() => (childrenOf(process.pid).length === 0 ? true : undefined), 'every child of the test process to exit', 10_000);
}

const env = { ...process.env, AGENT_BUG: '' };

describe('the library API', () => {
  it('runs the vitest example of docs/api.md in a project of its own: the test passes, every report is filed, nothing is left running', { timeout: 300_000 }, async () => {
    const project = path.join(work, 'project');
    const marker = randomUUID();
    await mkdir(path.join(project, 'scenarios'), { recursive: true });
    await mkdir(path.join(project, 'test'), { recursive: true });
    await mkdir(path.join(project, 'node_modules'), { recursive: true });
    // `faultline` resolves as an installed package would: through package.json's exports to dist/.
    await symlink(ROOT, path.join(project, 'node_modules', 'faultline'), 'dir');
    await symlink(path.join(ROOT, 'node_modules', 'vitest'), path.join(project, 'node_modules', 'vitest'), 'dir');
    await writeFile(path.join(project, 'package.json'), `${JSON.stringify({ name: 'chaos-example', private: true, type: 'module' })}\n`);
    await writeFile(path.join(project, 'scenarios', 'faultline.yaml'), markedSuiteText(marker));
    await copyFile(path.join(FIXTURES, 'slow-upstream.yaml'), path.join(project, 'scenarios', 'slow-upstream.yaml'));
    await copyFile(path.join(FIXTURES, 'chaos.test.ts'), path.join(project, 'test', 'chaos.test.ts'));

    // A vitest of its own, without this one's worker variables.
    const childEnv = Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('VITEST') && key !== 'TEST'));
    const result = await execa('node', [path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=default', '--reporter=json', '--outputFile.json=vitest.json'], {
      cwd: project,
      env: { ...childEnv, CI: '1' },
      extendEnv: false,
      reject: false,
      all: true,
      timeout: 280_000,
    });
    expect(result.exitCode, String(result.all)).toBe(0);
    const vitest = JSON.parse(await readFile(path.join(project, 'vitest.json'), 'utf8'));
    expect([vitest.numPassedTests, vitest.numFailedTests], String(result.all)).toEqual([1, 0]);

    // Filed as `faultline run` files it: listed in reports/index.json, every format beside report.json.
    const index = JSON.parse(await readFile(path.join(project, 'reports', 'index.json'), 'utf8')) as { runs: { report: string; verdict: string }[] };
    expect(index.runs).toHaveLength(1);
    expect(index.runs[0]?.verdict).toBe('pass');
    const reportFile = path.join(project, 'reports', index.runs[0]?.report ?? '');
    for (const file of REPORT_FILES) expect(existsSync(path.join(path.dirname(reportFile), file)), file).toBe(true);
    const report = JSON.parse(await readFile(reportFile, 'utf8')) as Faultline.Report;
    expect(report.scenarios.map((s) => [s.name, s.verdict])).toEqual([['slow-upstream', 'pass']]);
    expect(marked(marker)).toEqual([]);
  });

  it('an aborted signal stops the run mid-fault: verdict not pass, exit code 130, the report filed as interrupted, no handler installed, nothing left running', async () => {
    const { dir, marker } = await suiteDir('abort', { 'latency.yaml': LATENCY.replace('duration: 4s', 'duration: 60s') });
    const out = path.join(work, 'out-abort');
    const controller = new AbortController();
    const events: string[] = [];
    const listeners = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const result = await api.run({
      paths: [dir],
      out,
      env,
      signal: controller.signal,
      onProgress: (event) => {
        events.push(event.type);
        if (event.type === 'progress' && event.progress.faults.includes('slow')) controller.abort();
      },
    });
    expect(result.verdict).not.toBe('pass');
    expect(result.exitCode).toBe(api.ExitCode.INTERRUPTED);
    expect(result.interrupted).toBe(true);
    expect(result.report.run.interrupted).toBe(true);
    expect(result.reportDir).toBe(out);
    expect(result.files).toEqual(REPORT_FILES.map((f) => path.join(out, f)));
    for (const file of result.files) expect(existsSync(file), file).toBe(true);
    expect(JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(result.report)));
    const recording = await readRecording(out, 'latency');
    expect(recording.status).toBe('interrupted');
    expect(recording.faults[0]?.revertedAt).not.toBeNull();
    expect(events[0]).toBe('run-start');
    expect(events.at(-1)).toBe('run-end');
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(listeners);
    await nothingLeft(marker);
  });

  it('a signal aborted before the run starts no scenario and files an interrupted report; a throwing onProgress does not break the run', async () => {
    const { dir, marker } = await suiteDir('pre-aborted', { 'latency.yaml': LATENCY });
    const result = await api.run({
      paths: [dir],
      out: path.join(work, 'out-pre-aborted'),
      env,
      signal: AbortSignal.abort(),
      onProgress: () => {
        throw new Error('a listener bug');
      },
    });
    expect([result.verdict, result.exitCode, result.interrupted]).toEqual(['inconclusive', 130, true]);
    expect(result.report.scenarios).toEqual([]);
    for (const file of result.files) expect(existsSync(file), file).toBe(true);
    await nothingLeft(marker);
  });

  it.each([
    ['a missing path', { paths: ['no-such-folder'] }, 'FAULTLINE_USAGE'],
    ['a bad --grep', { grep: '(' }, 'FAULTLINE_USAGE'],
    ['a bad shard', { shard: '5/4' }, 'FAULTLINE_USAGE'],
    ['a bad shard object', { shard: { index: 0, total: 2 } }, 'FAULTLINE_USAGE'],
    ['a bad release name', { release: '../up' }, 'FAULTLINE_USAGE'],
    ['no matching scenario', { grep: 'nothing-matches' }, 'FAULTLINE_USAGE'],
    ['an invalid scenario file', { paths: ['../bad-input-invalid/bad.yaml'] }, 'FAULTLINE_SCENARIO_INVALID'],
  ] as const)('%s throws a FaultlineError with code %s and starts nothing', async (_, options, code) => {
    const { dir, marker } = await suiteDir('bad-input', { 'latency.yaml': LATENCY });
    await suiteDir('bad-input-invalid', { 'bad.yaml': 'name: bad\nsteady: fast\n' });
    const error: unknown = await api.run({ paths: [dir], out: path.join(work, 'out-bad-input'), env, cwd: dir, ...options }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(api.FaultlineError.is(error), String(error)).toBe(true);
    expect((error as Faultline.FaultlineError).code).toBe(code);
    expect(existsSync(path.join(work, 'out-bad-input', 'report.json'))).toBe(false);
    await nothingLeft(marker);
  });

  it('a target that cannot start throws FAULTLINE_INFRASTRUCTURE after its cleanup, with nothing left running', async () => {
    const marker = randomUUID();
    const dir = path.join(work, 'exits-early');
    await mkdir(dir, { recursive: true });
    await writeFile(
      path.join(dir, 'faultline.yaml'),
      ['target:', `  command: [node, ${path.join(ROOT, 'test/fixtures/targets/exits-early.mjs')}]`, '  env:', '    PORT: "${port:app}"', `    FAULTLINE_TEST_MARK: ${marker}`, '  ready: { http: "http://127.0.0.1:${port:app}/", timeout: 10s }', ''].join('\n'),
    );
    await writeFile(path.join(dir, 's.yaml'), 'name: s\nsteady: 1s\nrecover: 1s\n');
    const error: unknown = await api.run({ paths: [dir], out: path.join(work, 'out-exits-early'), env }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(api.FaultlineError.is(error), String(error)).toBe(true);
    expect((error as Faultline.FaultlineError).code).toBe('FAULTLINE_INFRASTRUCTURE');
    expect(api.exitCodeFor(error)).toBe(api.ExitCode.INFRASTRUCTURE);
    await nothingLeft(marker);
  });
});
