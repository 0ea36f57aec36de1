import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/model.js';
import { CLI_MAIN, pollUntil, ROOT } from '../helpers/processes.js';
import { marked, readRecording, withoutGenerationStamp } from '../helpers/run-cli.js';

/**
 * `faultline run` as a user runs it, on short scenarios against the real harness agent:
 * faults on time, recordings on disk, and nothing left behind — after a normal end, a Ctrl-C,
 * a SIGKILL of the runner, or a target that cannot start.
 */

let work: string;
const runs: ResultPromise[] = [];
const servers: ResultPromise[] = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'faultline-run-'));
});
afterEach(async () => {
  for (const run of runs.splice(0)) {
    run.kill('SIGKILL');
    await run;
  }
  for (const server of servers.splice(0)) {
    server.kill('SIGTERM');
    await server;
  }
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The bundled suite file, pointed at the repository, with a marker in every process's environment. */
function suiteText(marker: string, extra = ''): string {
  const bundled = readFileSync(path.join(ROOT, 'scenarios/faultline.yaml'), 'utf8');
  return `${bundled.replaceAll('cwd: ..', `cwd: ${ROOT}`).replace('    AGENT_LOG_LEVEL: warn', `    AGENT_LOG_LEVEL: warn\n    FAULTLINE_TEST_MARK: ${marker}`).replace('      UPSTREAM_PORT: ${port:upstream}', `      UPSTREAM_PORT: \${port:upstream}\n      FAULTLINE_TEST_MARK: ${marker}`)}${extra}`;
}

async function suiteDir(name: string, scenarios: Record<string, string>, extra = ''): Promise<{ dir: string; marker: string }> {
  const dir = path.join(work, name);
  const marker = randomUUID();
  await rm(dir, { recursive: true, force: true });
  await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
  await writeFile(path.join(dir, 'faultline.yaml'), suiteText(marker, extra));
  for (const [file, text] of Object.entries(scenarios)) await writeFile(path.join(dir, file), text);
  return { dir, marker };
}

function faultline(args: string[], options: { env?: Record<string, string> } = {}): ResultPromise {
  const run = execa('node', [CLI_MAIN, ...args], { cwd: work, reject: false, all: true, env: { CI: '1', AGENT_BUG: '', ...options.env }, timeout: 180_000 });
  runs.push(run);
  return run;
}

/** Resolves when the run prints a line matching `pattern`. */
function lineMatching(run: ResultPromise, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    run.all?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split('\n').find((l) => pattern.test(l));
      if (line !== undefined) resolve(line);
    });
    void run.then(() => reject(new Error(`the run ended before printing ${String(pattern)}:\n${buffer}`)));
  });
}


// One expectation that holds on a healthy agent, so the run's verdict (and exit code) is a pass.
const LATENCY = ['name: latency', 'steady: 3s', 'faults:', '  - name: slow', '    duration: 4s', '    network: { proxy: upstream, toxic: latency, latency: 300ms }', 'recover: 3s', 'expect:', '  slo:', '    - { slo: availability, phase: steady }', ''].join('\n');

describe('faultline run', () => {
  it('runs a latency scenario: the fault on time and effective, health transitions recorded, nothing left running', async () => {
    const { dir, marker } = await suiteDir('latency', { 'latency.yaml': LATENCY });
    const out = path.join(work, 'out-latency');
    const result = await faultline(['run', dir, '--out', out]);
    expect(result.exitCode, String(result.all)).toBe(0);
    const recording = await readRecording(out, 'latency');
    const verdicts = JSON.parse(await readFile(path.join(out, 'latency', 'verdicts.json'), 'utf8')) as { verdict: string; assertions: { id: string; verdict: string }[] };
    expect(verdicts.verdict).toBe('pass');
    expect(verdicts.assertions).toEqual([expect.objectContaining({ id: 'slo[0]', verdict: 'pass' })]);
    expect(String(result.all)).toMatch(/PASS: all 1 expectations held/);
    // The run's reports: every format, rendered from report.json; `faultline report` reproduces
    // JUnit and Markdown byte for byte, and HTML but for its generation stamp.
    const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as Report;
    expect(report.run.verdict).toBe('pass');
    expect(report.summary.assertions).toEqual({ total: 1, passed: 1, failed: 0, inconclusive: 0 });
    expect(report.scenarios[0]?.files.recording).toBe('latency/recording.json');
    expect(report.scenarios[0]?.series.rps.filter((n) => n !== null).length).toBeGreaterThanOrEqual(9);
    const formats = ['junit.xml', 'summary.md', 'report.html'] as const;
    const first = Object.fromEntries(await Promise.all(formats.map(async (f) => [f, await readFile(path.join(out, f), 'utf8')] as const)));
    const again = path.join(work, 'out-latency-again');
    const rerender = await faultline(['report', path.join(out, 'report.json'), '--out', again]);
    expect(rerender.exitCode, String(rerender.all)).toBe(0);
    for (const f of ['junit.xml', 'summary.md'] as const) expect(await readFile(path.join(again, f), 'utf8'), f).toBe(first[f]);
    expect(withoutGenerationStamp(await readFile(path.join(again, 'report.html'), 'utf8'))).toBe(withoutGenerationStamp(first['report.html'] ?? ''));
    expect(recording.status).toBe('completed');
    const [fault] = recording.faults;
    expect(fault?.effect, fault?.evidence).toBe('effective');
    expect(Math.abs((fault?.appliedAt ?? 0) - (fault?.plannedStart ?? 0))).toBeLessThanOrEqual(50);
    expect(Math.abs((fault?.revertedAt ?? 0) - (fault?.plannedEnd ?? 0))).toBeLessThanOrEqual(50);
    const transitions = recording.events.filter((e) => e.type === 'health').map((e) => (e.type === 'health' ? e.to : ''));
    expect(transitions.slice(0, 3)).toEqual(['UP', 'DOWN', 'UP']);
    expect(recording.load.reduce((n, s) => n + s.sent, 0)).toBeGreaterThan(400);
    expect(marked(marker)).toEqual([]);
  });

  it('Ctrl-C during a network fault against a separate Toxiproxy: exit 130, recording interrupted, no proxy or process left', async () => {
    const server = execa('node', [CLI_MAIN, 'toxiproxy', '--port', '0'], { reject: false, buffer: false, stdout: 'pipe' });
    servers.push(server);
    const listening = await new Promise<{ url: string }>((resolve) => server.stdout?.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString()) as { url: string })));
    const { dir, marker } = await suiteDir('interrupt', { 'latency.yaml': LATENCY.replace('duration: 4s', 'duration: 60s') }, `toxiproxy:\n  url: ${listening.url}\n`);
    const out = path.join(work, 'out-interrupt');
    const run = faultline(['run', dir, '--out', out]);
    await lineMatching(run, /faults: slow/);
    run.kill('SIGINT');
    const result = await run;
    expect(result.exitCode, String(result.all)).toBe(130);
    const recording = await readRecording(out, 'latency');
    expect(recording.status).toBe('interrupted');
    expect(recording.faults[0]?.revertedAt).not.toBeNull();
    // The report is still filed, as interrupted.
    const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as Report;
    expect(report.run.interrupted).toBe(true);
    expect(report.run.verdict).not.toBe('pass');
    const proxies = (await (await fetch(`${listening.url}/proxies`)).json()) as Record<string, unknown>;
    expect(Object.keys(proxies)).toEqual([]);
    expect(marked(marker)).toEqual([]);
  });

  it('a SIGKILLed runner leaves nothing running, and the next run sweeps its stale proxies', async () => {
    const server = execa('node', [CLI_MAIN, 'toxiproxy', '--port', '0'], { reject: false, buffer: false, stdout: 'pipe' });
    servers.push(server);
    const listening = await new Promise<{ url: string }>((resolve) => server.stdout?.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString()) as { url: string })));
    const { dir, marker } = await suiteDir('sigkill', { 'latency.yaml': LATENCY.replace('duration: 4s', 'duration: 60s') }, `toxiproxy:\n  url: ${listening.url}\n`);
    const run = faultline(['run', dir, '--out', path.join(work, 'out-sigkill')]);
    await lineMatching(run, /faults: slow/);
    run.kill('SIGKILL');
    await run;
    await pollUntil(() => (marked(marker).length === 0 ? true : undefined), 'every process of the killed run to be gone', 5_000);
    const left = (await (await fetch(`${listening.url}/proxies`)).json()) as Record<string, unknown>;
    expect(Object.keys(left)).toHaveLength(1);

    await writeFile(path.join(dir, 'latency.yaml'), LATENCY);
    const again = await faultline(['run', dir, '--out', path.join(work, 'out-sweep')]);
    expect(again.exitCode, String(again.all)).toBe(0);
    const recording = await readRecording(path.join(work, 'out-sweep'), 'latency');
    expect(recording.events.some((e) => e.type === 'note' && /removed 1 stale prox/.test(e.message))).toBe(true);
  });

  it.each([
    ['cpu', 'cpu: { workers: 2, load: 100% }'],
    ['heap', 'heap: { rate: 50MB/s, max: 200MB }'],
    ['pause', 'process: { action: pause, service: upstream }'],
    ['stressor', 'cpu: { workers: 1, load: 100%, mode: stressor }'],
  ])('Ctrl-C during a %s fault: exit 130, the fault reverted in the recording, nothing left running', async (kind, spec) => {
    const { dir, marker } = await suiteDir(`interrupt-${kind}`, { 's.yaml': ['name: s', 'steady: 2s', 'faults:', '  - name: f', '    duration: 60s', `    ${spec}`, 'recover: 2s', ''].join('\n') });
    const out = path.join(work, `out-interrupt-${kind}`);
    const run = faultline(['run', dir, '--out', out]);
    await lineMatching(run, /faults: f/);
    run.kill('SIGINT');
    const result = await run;
    expect(result.exitCode, String(result.all)).toBe(130);
    const recording = await readRecording(out, 's');
    expect(recording.status).toBe('interrupted');
    expect(recording.faults[0]?.appliedAt).not.toBeNull();
    expect(recording.faults[0]?.revertedAt).not.toBeNull();
    expect(marked(marker)).toEqual([]);
  });

  it('a runner SIGKILLed during a cpu and a heap fault leaves no process alive 5 s later', async () => {
    const scenario = ['name: s', 'steady: 1s', 'faults:', '  - name: burn', '    duration: 60s', '    cpu: { workers: 1, load: 100% }', '  - name: grow', '    duration: 60s', '    heap: { rate: 20MB/s, max: 100MB }', 'recover: 1s', ''].join('\n');
    const { dir, marker } = await suiteDir('sigkill-inproc', { 's.yaml': scenario });
    const run = faultline(['run', dir, '--out', path.join(work, 'out-sigkill-inproc')]);
    await lineMatching(run, /faults: burn, grow/);
    expect(marked(marker).length).toBeGreaterThan(0);
    run.kill('SIGKILL');
    await run;
    await pollUntil(() => (marked(marker).length === 0 ? true : undefined), 'every process of the killed run to be gone', 5_000);
  });

  it.each([
    ['never-ready', { ready: '  ready: { tcp: "127.0.0.1:1", timeout: 1s }' }, /was not ready within 1000 ms/],
    ['exits-early', {}, /exited before it was ready \(code 3/],
    ['port-taken', {}, /something already answers at http:\/\/127\.0\.0\.1:\d+\/ .*before it was started/],
  ])('a broken target (%s) ends the run with exit 3, the cause, and nothing left running', async (fixture, options: { ready?: string }, cause) => {
    const marker = randomUUID();
    const dir = path.join(work, `broken-${fixture}`);
    await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
    const blocker = fixture === 'port-taken' ? execa('node', [path.join(ROOT, 'test/fixtures/targets/ignores-sigterm.mjs')], { reject: false, buffer: false, stdout: 'pipe', env: { PORT: '0' } }) : undefined;
    if (blocker !== undefined) servers.push(blocker);
    const takenPort = blocker === undefined ? undefined : await new Promise<number>((resolve) => blocker.stdout?.once('data', (chunk: Buffer) => resolve((JSON.parse(chunk.toString()) as { port: number }).port)));
    await writeFile(
      path.join(dir, 'faultline.yaml'),
      [
        'target:',
        `  command: [node, ${path.join(ROOT, 'test/fixtures/targets', `${fixture}.mjs`)}]`,
        '  env:',
        `    PORT: "${takenPort ?? '${port:app}'}"`,
        `    FAULTLINE_TEST_MARK: ${marker}`,
        options.ready ?? `  ready: { http: "http://127.0.0.1:${takenPort ?? '${port:app}'}/", timeout: 10s }`,
        '',
      ].join('\n'),
    );
    await writeFile(path.join(dir, 's.yaml'), 'name: s\nsteady: 1s\nrecover: 1s\n');
    const result = await faultline(['run', dir, '--out', path.join(work, `out-${fixture}`)]);
    expect(result.exitCode, String(result.all)).toBe(3);
    expect(String(result.all)).toMatch(cause);
    expect(String(result.all)).not.toMatch(/\n\s+at /);
    expect(marked(marker)).toEqual([]);
  });
});
