import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { validateDocuments, type DocumentText } from '../../../src/scenario/load.js';
import { deriveSeed } from '../../../src/scenario/resolve-scenario.js';
import { splitCommand } from '../../../src/scenario/resolve-suite.js';
import { expandTemplate } from '../../../src/scenario/templates.js';
import type { LoadedSuite, ResolvedScenario } from '../../../src/scenario/types.js';
import { ROOT } from '../../helpers/processes.js';

/** The resolved form the runner consumes: defaults applied, base units, the timeline laid out. */

const env = { HOME: '/tmp' };
const doc = (name: string, text?: string): DocumentText => ({ path: `${ROOT}scenarios/${name}`, file: `scenarios/${name}`, text: text ?? readFileSync(`${ROOT}scenarios/${name}`, 'utf8') });
const BUNDLED = ['network-latency.yaml', 'cpu-saturation.yaml', 'heap-growth.yaml', 'process-kill.yaml', 'graceful-restart.yaml'];

function load(scenarios: DocumentText[] = BUNDLED.map((f) => doc(f)), suiteText?: string): LoadedSuite {
  const result = validateDocuments(doc('faultline.yaml', suiteText), scenarios, env);
  expect(result.files.flatMap((f) => f.issues)).toEqual([]);
  if (result.loaded === undefined) throw new Error('not loaded');
  return result.loaded;
}

const scenario = (loaded: LoadedSuite, name: string): ResolvedScenario => {
  const found = loaded.scenarios.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no scenario ${name}`);
  return found;
};

describe('the resolved bundled suite', () => {
  const loaded = load();
  const { suite } = loaded;

  it('collects the ports and temporary folders the runner must allocate', () => {
    expect(suite.ports).toEqual(['agent', 'upstream']);
    expect(suite.tempDirs).toEqual(['agent-state']);
  });

  it('resolves processes: commands split, cwd absolute, env as strings, ready and stop', () => {
    expect(suite.target.command).toEqual(['node', 'dist/harness/agent/main.js']);
    expect(suite.target.cwd).toBe(ROOT.replace(/\/$/, ''));
    expect(suite.target.env['AGENT_HEALTH_INTERVAL_MS']).toBe('250');
    expect(suite.target.env['AGENT_BUG']).toBe('');
    expect(suite.target.env['UPSTREAM_URL']).toBe('http://${proxy:upstream}');
    expect(suite.target.ready).toEqual({ kind: 'http', value: 'http://127.0.0.1:${port:agent}/health', status: 200, timeoutMs: 20_000 });
    expect(suite.target.health).toEqual({ url: 'http://127.0.0.1:${port:agent}/health', intervalMs: 250, timeoutMs: 1_000 });
    expect(suite.target.stop).toEqual({ signal: 'SIGTERM', graceMs: 10_000 });
    expect(suite.services.map((s) => s.name)).toEqual(['upstream']);
  });

  it('restarts no process on its own: the bundled suite has no restart policy (default never)', () => {
    for (const process of [suite.target, ...suite.services]) expect(process.restart, process.name).toEqual({ when: 'never', delayMs: 1_000, limit: 5 });
  });

  it('resolves SLOs and alerts in base units with derived defaults', () => {
    expect(suite.slos.map((s) => [s.name, s.kind, s.objective, s.thresholdMs, s.client, s.windowMs])).toEqual([
      ['availability', 'availability', 0.99, null, true, 30_000],
      ['latency', 'latency', 0.99, 250, true, 30_000],
    ]);
    expect(suite.alerts.map((a) => [a.name, a.source, a.longMs, a.shortMs, a.forMs])).toEqual([
      ['BudgetBurnFast', 'server', 30_000, 5_000, 0],
      ['LatencyBurnFast', 'server', 30_000, 5_000, 0],
      ['ClientBudgetBurnFast', 'client', 30_000, 5_000, 0],
    ]);
    expect(suite.load?.ratePerSecond).toBe(50);
    expect(suite.load?.request.body).toBe('{"type":"fetch","target":"/api/v1/metrics"}');
  });

  it('lays out the timeline: steady, chaos up to the last fault end, recover', () => {
    const s = scenario(loaded, 'network-latency');
    expect(s.phases).toEqual([
      { name: 'steady', startMs: 0, endMs: 10_000 },
      { name: 'chaos', startMs: 10_000, endMs: 40_000 },
      { name: 'recover', startMs: 40_000, endMs: 70_000 },
    ]);
    expect(s.durationMs).toBe(70_000);
    expect(s.faults[0]).toMatchObject({ name: 'slow-upstream', kind: 'network', startMs: 10_000, endMs: 40_000, network: { toxic: 'latency', latencyMs: 500, jitterMs: 100, stream: 'downstream', toxicity: 1 } });
  });

  it('anchors expectations on events, with defaults for alerts and recovery', () => {
    const s = scenario(loaded, 'network-latency');
    const byId = new Map(s.expectations.map((e) => [e.id, e]));
    expect(byId.get('health[1]')).toMatchObject({ from: 'DOWN', to: 'UP', withinMs: 15_000, after: { ref: 'slow-upstream.end', of: 'fault', atMs: 40_000 } });
    expect(byId.get('recovery')).toMatchObject({ withinMs: 20_000, stableMs: 5_000, health: true, slos: ['availability', 'latency'], after: { ref: 'slow-upstream.end' } });
    expect(byId.get('alerts[2].never')).toMatchObject({ alert: 'BudgetBurnFast', phases: ['steady'] });
    expect(byId.get('steady-state.after')).toMatchObject({ fromMs: 60_000, toMs: 70_000 });
    expect(byId.get('slo[0]')).toMatchObject({ slo: 'latency', phase: 'chaos', objective: 0.99, source: 'server' });
  });

  it('resolves process and in-process faults', () => {
    expect(scenario(loaded, 'process-kill').faults[0]).toMatchObject({ kind: 'process', action: 'kill', restart: true, process: 'target', startMs: 15_000, endMs: 15_000 });
    expect(scenario(loaded, 'process-kill').phases[1]).toEqual({ name: 'chaos', startMs: 10_000, endMs: 20_000 });
    expect(scenario(loaded, 'cpu-saturation').faults[0]).toMatchObject({ kind: 'cpu', workers: 8 * availableParallelism(), workersPerCore: 8, load: 1, mode: 'in-process' });
    expect(scenario(loaded, 'cpu-saturation').load?.request.body).toContain('compute');
    expect(scenario(loaded, 'heap-growth').faults[0]).toMatchObject({ kind: 'heap', bytesPerSecond: 16e6, maxBytes: 256e6, release: true });
    expect(scenario(loaded, 'process-kill').expectations.find((e) => e.kind === 'durability')).toMatchObject({ ratePerSecond: 200, phases: ['steady', 'chaos'] });
  });

  it('gives each scenario a stable seed derived from the suite seed and its name', () => {
    expect(scenario(loaded, 'heap-growth').seed).toBe(deriveSeed(20261125, 'heap-growth'));
    expect(deriveSeed(1, 'a')).not.toBe(deriveSeed(1, 'b'));
  });

  it('expands templates once ports, proxies and folders are known', () => {
    const values = { port: (n: string) => ({ agent: 4000, upstream: 4001 })[n], proxy: (n: string) => (n === 'upstream' ? '127.0.0.1:4002' : undefined), tmp: () => '/tmp/run-1/agent-state' };
    expect(expandTemplate(suite.target.env['UPSTREAM_URL'] ?? '', values)).toBe('http://127.0.0.1:4002');
    expect(expandTemplate(suite.target.env['AGENT_WAL'] ?? '', values)).toBe('/tmp/run-1/agent-state/agent.wal');
    expect(() => expandTemplate('${port:nope}', values)).toThrow(/\$\{port:nope\}/);
  });
});

describe('defaults and overrides', () => {
  const minimalSuite = [
    'target:',
    '  command: [/usr/bin/python3, server.py]',
    '  health: { url: "http://127.0.0.1:${port:app}/health" }',
    'load:',
    '  request: { url: "http://127.0.0.1:${port:app}/" }',
    'slos:',
    '  ok: { kind: availability, objective: 0.999 }',
    '',
  ].join('\n');

  it.each([
    ['a mapping body without headers is JSON, and says so', 'body: { type: compute }', {}, { 'content-type': 'application/json' }, '{"type":"compute"}'],
    ['a list body too', 'body: [1, 2]', {}, { 'content-type': 'application/json' }, '[1,2]'],
    ['a content-type in the file wins, whatever its case', 'body: { a: 1 }', { 'Content-Type': 'application/x-ndjson' }, { 'Content-Type': 'application/x-ndjson' }, '{"a":1}'],
    ['a string body is sent as written, with no header added', 'body: "plain"', {}, {}, 'plain'],
  ] as const)('load request: %s', (_, body, headers, expected, sent) => {
    const request = `load:\n  request:\n    url: http://127.0.0.1:\${port:app}/\n    method: POST\n    headers: ${JSON.stringify(headers)}\n    ${body}\n`;
    const loaded = load([doc('x.yaml', 'name: x\nfaults:\n  - { name: cut, duration: 5s, network: { proxy: p, toxic: down } }\n')], minimalSuite.replace(/load:\n( {2}.*\n)+/, request).replace('slos:', 'proxies:\n  p: { upstream: "127.0.0.1:${port:db}" }\nslos:'));
    expect(loaded.suite.load?.request.headers).toEqual(expected);
    expect(loaded.suite.load?.request.body).toBe(sent);
  });

  it('fills every default of a minimal suite and scenario', () => {
    const loaded = load([doc('x.yaml', 'name: x\nfaults:\n  - { name: cut, duration: 5s, network: { proxy: p, toxic: down } }\n')], minimalSuite.replace('slos:', 'proxies:\n  p: { upstream: "127.0.0.1:${port:db}" }\nslos:'));
    const { suite } = loaded;
    expect(suite.target.runtime).toBe('other');
    expect(suite.seed).toBe(1);
    expect(suite.toxiproxy).toEqual({ url: null, prefix: 'faultline' });
    expect(suite.evaluation).toEqual({ intervalMs: 1_000, minEvents: 20 });
    expect(suite.load).toEqual({ request: { method: 'GET', url: 'http://127.0.0.1:${port:app}/', headers: {}, body: null }, ratePerSecond: 20, timeoutMs: 2_000, connections: 64 });
    expect(suite.target.ready).toMatchObject({ kind: 'http', value: 'http://127.0.0.1:${port:app}/health' });
    expect(suite.proxies).toEqual([{ name: 'p', upstream: '127.0.0.1:${port:db}', listen: '127.0.0.1:0' }]);
    const s = loaded.scenarios[0] as ResolvedScenario;
    expect(s.phases.map((p) => p.endMs - p.startMs)).toEqual([10_000, 5_000, 30_000]);
    expect(s.faults[0]).toMatchObject({ network: { toxic: 'down', proxy: 'p' } });
  });

  it('a scenario load overrides the suite load field by field', () => {
    const loaded = load([doc('x.yaml', 'name: x\nload: { rate: 5/s, connections: 4 }\n')], minimalSuite);
    expect(loaded.scenarios[0]?.load).toMatchObject({ ratePerSecond: 5, connections: 4, timeoutMs: 2_000, request: { url: 'http://127.0.0.1:${port:app}/' } });
  });

  it('expands ${env:...} before the schema, so units can come from the environment', () => {
    const result = validateDocuments(doc('faultline.yaml', minimalSuite), [doc('x.yaml', 'name: x\nsteady: ${env:STEADY:-3s}\nrecover: ${env:RECOVER}\n')], { RECOVER: '7s' });
    expect(result.loaded?.scenarios[0]?.phases.map((p) => p.endMs - p.startMs)).toEqual([3_000, 0, 7_000]);
  });

  it('takes numbers and booleans from the environment when a whole value is a placeholder', () => {
    const suite = `${minimalSuite}seed: \${env:SEED:-7}\nallowRemote: \${env:REMOTE:-false}\nevaluation: { minEvents: "\${env:MIN}" }\n`;
    const result = validateDocuments(doc('faultline.yaml', suite), [], { MIN: '5' });
    expect(result.files.flatMap((f) => f.issues)).toEqual([]);
    expect(result.loaded?.suite).toMatchObject({ seed: 7, allowRemote: false, evaluation: { minEvents: 5 } });
  });

  it('reads skip flags from the environment as flags, and ratios and byte counts as numbers', () => {
    const scenario = 'name: x\nskip: ${env:SKIP:-false}\nfaults:\n  - { name: s, duration: 1s, network: { proxy: p, toxic: limit_data, bytes: "${env:BYTES:-1024}", toxicity: "${env:TOX:-0.5}" } }\n';
    const suite = minimalSuite.replace('slos:', 'proxies:\n  p: { upstream: "127.0.0.1:${port:db}" }\nslos:');
    const result = validateDocuments(doc('faultline.yaml', suite), [doc('x.yaml', scenario)], {});
    expect(result.files.flatMap((f) => f.issues)).toEqual([]);
    expect(result.loaded?.scenarios[0]).toMatchObject({ skip: null, faults: [{ network: { bytes: 1024, toxicity: 0.5 } }] });
  });

  describe('cpu workers per core', () => {
    /** One cpu fault per `workers` value, resolved as if the machine had `cores` cores. */
    const resolveWorkers = (workers: readonly string[], cores?: number, environment: Record<string, string> = {}) => {
      const faults = workers.map((w, i) => `  - { name: f${i}, duration: 5s, cpu: { workers: ${w} } }`).join('\n');
      const result = validateDocuments(doc('faultline.yaml', minimalSuite), [doc('x.yaml', `name: x\nfaults:\n${faults}\n`)], environment, cores === undefined ? {} : { cores });
      expect(result.files.flatMap((f) => f.issues)).toEqual([]);
      return (result.loaded?.scenarios[0]?.faults ?? []).map((f) => (f.kind === 'cpu' ? { workers: f.workers, workersPerCore: f.workersPerCore } : f.kind));
    };

    it.each([
      // [written, cores, threads, per core]
      ['4/core', 2, 8, 4],
      ['1/core', 2, 2, 1],
      ['1/core', 1, 1, 1],
      ['"2/core"', 3, 6, 2],
      ['" 2 / core "', 3, 6, 2],
      ['04/core', 2, 8, 4],
      ['128/core', 2, 256, 128],
      // N × cores above 256 is capped at 256, like the largest count that can be written.
      ['129/core', 2, 256, 129],
      ['4/core', 96, 256, 4],
      ['1000/core', 1, 256, 1000],
    ] as const)('%s on %i cores is %i threads (%i per core)', (written, cores, threads, perCore) => {
      expect(resolveWorkers([written], cores)).toEqual([{ workers: threads, workersPerCore: perCore }]);
    });

    it('a plain count stays a count with no per-core figure, whatever the machine', () => {
      expect(resolveWorkers(['4', '"4"', '256'], 2)).toEqual([
        { workers: 4, workersPerCore: undefined },
        { workers: 4, workersPerCore: undefined },
        { workers: 256, workersPerCore: undefined },
      ]);
      const loaded = validateDocuments(doc('faultline.yaml', minimalSuite), [doc('x.yaml', 'name: x\nfaults:\n  - { name: f, duration: 5s, cpu: {} }\n')], env, { cores: 8 });
      expect(loaded.loaded?.scenarios[0]?.faults[0]).toEqual(expect.objectContaining({ kind: 'cpu', workers: 1 }));
      expect(loaded.loaded?.scenarios[0]?.faults[0]).not.toHaveProperty('workersPerCore');
    });

    it('takes N/core from the environment', () => {
      expect(resolveWorkers(['"${env:WORKERS:-1}"'], 4, { WORKERS: '2/core' })).toEqual([{ workers: 8, workersPerCore: 2 }]);
    });

    it("uses this machine's cores when none are given", () => {
      expect(resolveWorkers(['1/core'])).toEqual([{ workers: Math.min(availableParallelism(), 256), workersPerCore: 1 }]);
    });
  });

  describe('restart policies', () => {
    const restartOf = (restart: string, environment: Record<string, string> = {}) => {
      const suite = `${minimalSuite}services:\n  db:\n    command: node db.js\n    restart: ${restart}\n`;
      const result = validateDocuments(doc('faultline.yaml', suite), [], environment);
      expect(result.files.flatMap((f) => f.issues)).toEqual([]);
      return result.loaded?.suite.services[0]?.restart;
    };

    it.each([
      ['never', { when: 'never', delayMs: 1_000, limit: 5 }],
      ['on-failure', { when: 'on-failure', delayMs: 1_000, limit: 5 }],
      ['always', { when: 'always', delayMs: 1_000, limit: 5 }],
      ['"always"', { when: 'always', delayMs: 1_000, limit: 5 }],
      ['{ when: on-failure }', { when: 'on-failure', delayMs: 1_000, limit: 5 }],
      ['{ when: always, delay: 250ms }', { when: 'always', delayMs: 250, limit: 5 }],
      ['{ when: on-failure, delay: 0s, limit: 1 }', { when: 'on-failure', delayMs: 0, limit: 1 }],
      ['{ when: always, delay: 1m30s, limit: 1000 }', { when: 'always', delayMs: 90_000, limit: 1_000 }],
    ] as const)('restart: %s resolves to %j', (written, resolved) => {
      expect(restartOf(written)).toEqual(resolved);
    });

    it('takes the policy, its delay and its limit from the environment', () => {
      expect(restartOf('${env:RESTART:-never}', { RESTART: 'on-failure' })).toMatchObject({ when: 'on-failure' });
      expect(restartOf('{ when: "${env:WHEN}", delay: "${env:DELAY:-2s}", limit: "${env:LIMIT}" }', { WHEN: 'always', LIMIT: '3' })).toEqual({ when: 'always', delayMs: 2_000, limit: 3 });
    });

    it('the target takes a policy like a service, and neither has one unless it says so', () => {
      const suite = minimalSuite.replace('  command: [/usr/bin/python3, server.py]', '  command: [/usr/bin/python3, server.py]\n  restart: { when: on-failure, limit: 2 }');
      const result = validateDocuments(doc('faultline.yaml', `${suite}services:\n  db: { command: node db.js }\n`), [], env);
      expect(result.loaded?.suite.target.restart).toEqual({ when: 'on-failure', delayMs: 1_000, limit: 2 });
      expect(result.loaded?.suite.services[0]?.restart).toEqual({ when: 'never', delayMs: 1_000, limit: 5 });
    });
  });

  it('names a suite after its folder when it has no name, made into a valid name', () => {
    const result = validateDocuments({ path: '/x/2 my suite!/faultline.yaml', file: 'faultline.yaml', text: minimalSuite }, [], env);
    expect(result.loaded?.suite.name).toBe('my-suite');
  });
});

describe('command lines', () => {
  it.each([
    ['node dist/a.js', ['node', 'dist/a.js']],
    ['  node   a.js  --x  ', ['node', 'a.js', '--x']],
    ['node my\\ app.js', ['node', 'my app.js']],
    ['node\ta.js', ['node', 'a.js']],
    ['"quoted args" stay', ['"quoted', 'args"', 'stay']],
  ])('%j splits into %j (spaces only; a backslash keeps one)', (line, parts) => {
    expect(splitCommand(line)).toEqual(parts);
  });
});
