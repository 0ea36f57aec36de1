import { describe, expect, it } from 'vitest';
import { validateDocuments, type DocumentText } from '../../../src/scenario/load.js';
import type { ScenarioIssue } from '../../../src/scenario/source.js';

/**
 * External targets (`target: { external: true }`): a system already running that faultline
 * reaches only by its URLs. What needs a process faultline started is refused where it is
 * written, as [code, line, column, path]; what an external target can take loads. Texts are
 * one string per line, so line N is the Nth argument of `lines(...)`.
 */

const lines = (...rows: string[]): string => `${rows.join('\n')}\n`;
const ENV: Readonly<Record<string, string | undefined>> = { HOME: '/tmp' };
const doc = (file: string, text: string): DocumentText => ({ path: `/virtual/compose/${file}`, file, text });

/** The shape of the compose suite: Toxiproxy and Prometheus by URL, the agent by its URLs. */
const EXTERNAL_SUITE = lines(
  'name: compose', // 1
  'allowRemote: true',
  'toxiproxy: { url: "http://127.0.0.1:8474" }',
  'prometheus: { url: "http://127.0.0.1:9090" }',
  'proxies:', // 5
  '  upstream: { upstream: "upstream:8080", listen: "0.0.0.0:8666" }',
  'target:',
  '  external: true',
  '  health: { url: "http://127.0.0.1:8080/health" }',
  '  metrics: { url: "http://127.0.0.1:8080/metrics" }', // 10
  'load:',
  '  request: { url: "http://127.0.0.1:8080/v1/actions" }',
  'slos:',
  '  availability: { kind: availability, objective: 99% }',
);

type Row = [code: string, line: number, column: number, path: string];

const byPosition = (a: ScenarioIssue, b: ScenarioIssue) => a.line - b.line || a.column - b.column || a.code.localeCompare(b.code);

function issuesOf(suite: string, scenarios: string[] = []): { suite: ScenarioIssue[]; scenarios: ScenarioIssue[]; loaded: boolean } {
  const result = validateDocuments(doc('faultline.yaml', suite), scenarios.map((text, i) => doc(`s${i}.yaml`, text)), ENV);
  const of = (kind: string) => result.files.filter((f) => f.kind === kind).flatMap((f) => f.issues).sort(byPosition);
  return { suite: of('suite'), scenarios: of('scenario'), loaded: result.loaded !== undefined };
}

const rows = (issues: ScenarioIssue[]): Row[] => issues.map((i) => [i.code, i.line, i.column, i.path]);

describe('an external target that loads', () => {
  it('resolves with no process: no command, runtime other, ready by its health URL', () => {
    const result = validateDocuments(doc('faultline.yaml', EXTERNAL_SUITE), [], ENV);
    expect(result.files.flatMap((f) => f.issues)).toEqual([]);
    const target = result.loaded?.suite.target;
    expect(target).toMatchObject({ external: true, command: [], env: {}, runtime: 'other', restart: { when: 'never' } });
    expect(target?.ready).toMatchObject({ kind: 'http', value: 'http://127.0.0.1:8080/health', status: 200 });
  });

  it('takes ready by http or tcp with its own timeout, and `external` from the environment', () => {
    for (const ready of ['{ http: "http://127.0.0.1:8080/ready", status: 204, timeout: 90s }', '{ tcp: "127.0.0.1:8080" }']) {
      const text = EXTERNAL_SUITE.replace('  external: true', `  external: \${env:EXTERNAL:-true}\n  ready: ${ready}`);
      const result = validateDocuments(doc('faultline.yaml', text), [], ENV);
      expect(result.files.flatMap((f) => f.issues)).toEqual([]);
      expect(result.loaded?.suite.target.external).toBe(true);
    }
    const http = validateDocuments(doc('faultline.yaml', EXTERNAL_SUITE.replace('  external: true', '  external: true\n  ready: { http: "http://127.0.0.1:8080/ready", status: 204, timeout: 90s }')), [], ENV);
    expect(http.loaded?.suite.target.ready).toEqual({ kind: 'http', value: 'http://127.0.0.1:8080/ready', status: 204, timeoutMs: 90_000 });
  });

  it('takes network faults and cpu faults in a stressor (auto means stressor here)', () => {
    const scenario = lines(
      'name: net-and-cpu',
      'faults:',
      '  - { name: slow, duration: 5s, network: { proxy: upstream, toxic: latency, latency: 100ms } }',
      '  - { name: cut, at: 5s, duration: 5s, network: { proxy: upstream, toxic: down } }',
      '  - { name: busy, at: 10s, duration: 5s, cpu: { workers: 2, mode: stressor } }',
      '  - { name: busier, at: 15s, duration: 5s, cpu: { workers: 1/core } }',
    );
    const result = validateDocuments(doc('faultline.yaml', EXTERNAL_SUITE), [doc('s.yaml', scenario)], ENV);
    expect(result.files.flatMap((f) => f.issues)).toEqual([]);
    const modes = result.loaded?.scenarios[0]?.faults.flatMap((f) => (f.kind === 'cpu' ? [f.mode] : []));
    expect(modes).toEqual(['stressor', 'stressor']);
  });

  it('a target that is not external still needs its command, at the target key (external: false too)', () => {
    expect(rows(issuesOf(EXTERNAL_SUITE.replace('  external: true', '  external: false')).suite)).toEqual([['MISSING_KEY', 7, 1, 'target.command']]);
    const plain = issuesOf(EXTERNAL_SUITE.replace('  external: true\n', ''));
    expect(rows(plain.suite)).toEqual([['MISSING_KEY', 7, 1, 'target.command']]);
    expect(plain.suite[0]?.hint).toMatch(/external: true/);
  });

  it('a misspelled `external` is an unknown key, and the missing command is reported with it', () => {
    expect(rows(issuesOf(EXTERNAL_SUITE.replace('  external: true', '  extrenal: true')).suite)).toEqual([
      ['MISSING_KEY', 7, 1, 'target.command'],
      ['UNKNOWN_KEY', 8, 3, 'target.extrenal'],
    ]);
  });

  it('`external` must be a boolean', () => {
    expect(rows(issuesOf(EXTERNAL_SUITE.replace('  external: true', '  external: yes please')).suite)).toEqual([['WRONG_TYPE', 8, 13, 'target.external']]);
  });
});

describe('what an external suite refuses (EXTERNAL_FIELD)', () => {
  it('every process field of the target, readiness by log and services, each at its key, all at once', () => {
    const text = lines(
      'name: compose', // 1
      'services:',
      '  db: { command: node db.js }',
      'target:',
      '  external: true', // 5
      '  command: node dist/harness/agent/main.js',
      '  cwd: ..',
      '  env: { AGENT_PORT: 8080 }',
      '  runtime: node',
      '  ready: { log: listening }', // 10
      '  health: { url: "http://127.0.0.1:8080/health" }',
      '  stop: { signal: SIGTERM, grace: 5s }',
      '  restart: on-failure',
    );
    const { suite, loaded } = issuesOf(text);
    expect(loaded).toBe(false);
    expect(rows(suite)).toEqual([
      ['EXTERNAL_FIELD', 2, 1, 'services'],
      ['EXTERNAL_FIELD', 6, 3, 'target.command'],
      ['EXTERNAL_FIELD', 7, 3, 'target.cwd'],
      ['EXTERNAL_FIELD', 8, 3, 'target.env'],
      ['EXTERNAL_FIELD', 9, 3, 'target.runtime'],
      ['EXTERNAL_FIELD', 10, 12, 'target.ready.log'],
      ['EXTERNAL_FIELD', 12, 3, 'target.stop'],
      ['EXTERNAL_FIELD', 13, 3, 'target.restart'],
    ]);
    // What is wrong, what is allowed, how to fix it.
    const command = suite.find((i) => i.path === 'target.command');
    expect(command?.message).toMatch(/starts the target.*external/);
    expect(command?.hint).toMatch(/`ready` \(http or tcp\), `health` and `metrics`.*drop `command`.*drop `external: true`/);
    expect(suite.find((i) => i.path === 'target.ready.log')?.hint).toMatch(/ready\.http.*ready\.tcp/);
    expect(suite.find((i) => i.path === 'services')?.message).toMatch(/\(db\)/);
  });

  it('an empty services mapping is no process, so it is not refused', () => {
    expect(issuesOf(EXTERNAL_SUITE.replace('proxies:', 'services: {}\nproxies:')).suite).toEqual([]);
  });
});

describe('what a scenario of an external suite refuses (EXTERNAL_FAULT)', () => {
  it('process faults and in-process faults, each at its place, with no echo from the other checks', () => {
    const scenario = lines(
      'name: everything', // 1
      'chaos: 60s',
      'faults:',
      '  - name: kill',
      '    process: { action: kill }', // 5
      '  - name: stop',
      '    at: 10s',
      '    process: { action: terminate, service: db }',
      '  - name: freeze',
      '    at: 20s', // 10
      '    duration: 5s',
      '    process: { action: pause }',
      '  - name: grow',
      '    at: 30s',
      '    duration: 5s', // 15
      '    heap: { rate: 10MB/s, max: 64MB }',
      '  - name: burn',
      '    at: 40s',
      '    duration: 5s',
      '    cpu: { workers: 2, mode: in-process }', // 20
      '  - name: slow',
      '    at: 50s',
      '    duration: 5s',
      '    network: { proxy: upstream, toxic: latency, latency: 100ms }',
    );
    const { suite, scenarios, loaded } = issuesOf(EXTERNAL_SUITE, [scenario]);
    expect(suite).toEqual([]);
    expect(loaded).toBe(false);
    expect(rows(scenarios)).toEqual([
      ['EXTERNAL_FAULT', 5, 5, 'faults[0].process'],
      ['EXTERNAL_FAULT', 8, 5, 'faults[1].process'],
      ['EXTERNAL_FAULT', 12, 5, 'faults[2].process'],
      ['EXTERNAL_FAULT', 16, 5, 'faults[3].heap'],
      ['EXTERNAL_FAULT', 20, 30, 'faults[4].cpu.mode'],
    ]);
    expect(scenarios[0]?.message).toMatch(/kill fault sends SIGKILL.*external/);
    expect(scenarios[1]?.message).toMatch(/SIGTERM/);
    expect(scenarios[2]?.message).toMatch(/SIGSTOP/);
    for (const issue of scenarios.slice(0, 4)) expect(issue.hint).toMatch(/network faults, and cpu faults with `mode: stressor`/);
    expect(scenarios[4]?.hint).toMatch(/mode: stressor/);
  });

  it('the same scenario against a suite that starts its target gets no EXTERNAL_FAULT', () => {
    const started = EXTERNAL_SUITE.replace('  external: true', '  command: node dist/server.js').replace('allowRemote: true\n', 'allowRemote: true\nservices:\n  db: { command: node db.js }\n');
    const scenario = lines('name: kill', 'faults:', '  - { name: kill, process: { action: kill } }', '  - { name: stop, at: 1s, process: { action: terminate, service: db } }');
    const { suite, scenarios } = issuesOf(started, [scenario]);
    expect(suite).toEqual([]);
    expect(scenarios).toEqual([]);
  });
});
