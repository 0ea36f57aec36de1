import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSuite } from '../../../src/scenario/load.js';
import { renderRules, type SuiteRulesInput } from '../../../src/slo/rules.js';
import { ROOT } from '../../helpers/processes.js';
import { requireTool } from '../../helpers/prometheus.js';

/**
 * Prometheus's own tool judges the exported rules: `promtool check rules` parses them as a
 * server would, and `promtool test rules` (bundled-rules.promtool.yml beside this file) runs
 * them on synthetic series and checks the evaluations at which they fire and resolve.
 * promtool is required, not optional: CI installs it, so a missing binary fails here.
 */

let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'faultline-promtool-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The suite of for-keep-firing.promtool.yml: one alert with `for` and `keepFiringFor`. */
const FOR_KEEP_FIRING: SuiteRulesInput = {
  name: 'held',
  evaluation: { intervalMs: 1_000, minEvents: 20 },
  slos: [
    {
      name: 'checkout',
      kind: 'availability',
      objective: 0.99,
      thresholdMs: null,
      client: true,
      server: {
        kind: 'availability',
        total: { metric: 'checkout_requests_total', matchers: [] },
        errors: { metric: 'checkout_requests_total', matchers: [{ label: 'code', op: '=~', value: '5..' }] },
      },
      windowMs: 30_000,
      description: '',
    },
  ],
  alerts: [{ name: 'HeldBurn', slo: 'checkout', burnRate: 10, longMs: 10_000, shortMs: 2_000, forMs: 3_000, keepFiringForMs: 4_000, severity: 'ticket', source: 'server' }],
};

// Looked up in each test, so that a missing promtool fails every test rather than skipping them.
const run = (...args: string[]) => execa(requireTool('promtool'), args, { cwd: work, reject: false, timeout: 30_000 });

async function bundledRules(): Promise<string> {
  const { suite } = await loadSuite(path.join(ROOT, 'scenarios/faultline.yaml'));
  return renderRules(suite);
}

describe('promtool and the exported rules', () => {
  it('check rules accepts the rules of the bundled suite (4 alerts, 4 recordings)', async () => {
    const file = path.join(work, 'check.yml');
    await writeFile(file, await bundledRules());
    const result = await run('check', 'rules', file);
    expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain('SUCCESS: 8 rules found');
  });

  it('test rules: the bundled alerts fire and resolve at the hand-computed evaluations', async () => {
    await writeFile(path.join(work, 'bundled-rules.yml'), await bundledRules());
    const tests = path.join(work, 'bundled-rules.promtool.yml');
    await copyFile(path.join(ROOT, 'test/integration/slo/bundled-rules.promtool.yml'), tests);
    const result = await run('test', 'rules', tests);
    expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain('SUCCESS');
  });

  it('test rules: a generated for and keep_firing_for delay firing and resolution as the suite says', async () => {
    await writeFile(path.join(work, 'for-keep-firing-rules.yml'), renderRules(FOR_KEEP_FIRING));
    const tests = path.join(work, 'for-keep-firing.promtool.yml');
    await copyFile(path.join(ROOT, 'test/integration/slo/for-keep-firing.promtool.yml'), tests);
    const result = await run('test', 'rules', tests);
    expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain('SUCCESS');
  });

  it('check rules accepts the edge cases: escaped selectors, combined durations, for and keep_firing_for, whole-second le, braces in text', async () => {
    const suite: SuiteRulesInput = {
      name: 'edge',
      evaluation: { intervalMs: 500, minEvents: 20 },
      slos: [
        {
          name: 'server-only.v2',
          kind: 'availability',
          objective: 0.995,
          thresholdMs: null,
          client: false,
          server: {
            kind: 'availability',
            total: { metric: 'app:requests_total', matchers: [{ label: 'path', op: '=', value: 'C:\\dir "quoted"\nnext' }] },
            errors: { metric: 'app:requests_total', matchers: [{ label: 'code', op: '=~', value: '5\\d\\d|429' }, { label: 'path', op: '!~', value: '/health.*' }] },
          },
          windowMs: 30_000,
          description: 'Mentions {{ $value }} and }} literally.',
        },
        {
          name: 'slow',
          kind: 'latency',
          objective: 0.9,
          thresholdMs: 1_000,
          client: true,
          server: { kind: 'latency', histogram: { metric: 'rpc_seconds', matchers: [] } },
          windowMs: 30_000,
          description: '',
        },
      ],
      alerts: [
        { name: 'Burn', slo: 'server-only.v2', burnRate: 6, longMs: 90_000, shortMs: 1_500, forMs: 500, keepFiringForMs: 2_000, severity: 'ticket {{ x }}', source: 'server' },
        { name: 'SlowBurn', slo: 'slow', burnRate: 2, longMs: 3_600_000, shortMs: 300_000, forMs: 0, keepFiringForMs: 0, severity: 'page', source: 'server' },
        { name: 'SlowClient', slo: 'slow', burnRate: 2, longMs: 60_000, shortMs: 5_000, forMs: 0, keepFiringForMs: 0, severity: 'page', source: 'client' },
      ],
    };
    const file = path.join(work, 'edge.yml');
    await writeFile(file, renderRules(suite));
    const result = await run('check', 'rules', file);
    expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain('SUCCESS: 8 rules found');
  });
});
