import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { reportSchema, type Report, type ReportAssertion, type ReportFault, type ScenarioReport } from '../../src/report/model.js';

/**
 * Reports for the renderers' tests: the two real fixtures, and small hand-made ones built from
 * a minimal valid scenario. Every hand-made report goes through `reportSchema.parse`, so a test
 * never renders something the model would reject.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const FIXTURES = ['no-timeout', 'run-inconclusive'] as const;

export function fixtureReport(name: (typeof FIXTURES)[number]): Report {
  return reportSchema.parse(JSON.parse(readFileSync(`${ROOT}test/fixtures/report/${name}.json`, 'utf8')));
}

export function assertion(overrides: Partial<ReportAssertion> = {}): ReportAssertion {
  return { id: 'health[0]', kind: 'health', verdict: 'pass', expected: 'UP → DOWN within 10 s of f.start', actual: 'DOWN 1.00 s after f.start', evidence: { afterMs: 1000 }, ...overrides };
}

export function fault(overrides: Partial<ReportFault> = {}): ReportFault {
  return {
    name: 'f',
    kind: 'network',
    plannedStartMs: 10_000,
    plannedEndMs: 20_000,
    appliedAtMs: 10_002,
    revertedAtMs: 20_001,
    requested: { latency: 500 },
    achieved: { latency: 510 },
    effect: 'effective',
    evidence: 'a probe took 510 ms longer',
    mttdMs: 1000,
    detectedBy: 'health DOWN',
    mttrMs: 2500,
    ...overrides,
  };
}

export function scenario(overrides: Partial<ScenarioReport> = {}): ScenarioReport {
  return {
    name: 's',
    description: '',
    tags: [],
    file: 's.yaml',
    verdict: 'pass',
    reason: 'all 1 expectations held',
    score: 100,
    status: 'completed',
    statusReason: null,
    startedAt: '2026-01-02T03:04:05.678Z',
    seed: 1,
    timelineMs: 30_000,
    phases: [
      { name: 'steady', plannedStartMs: 0, plannedEndMs: 10_000, startMs: 1, endMs: 10_000 },
      { name: 'chaos', plannedStartMs: 10_000, plannedEndMs: 20_000, startMs: 10_000, endMs: 20_000 },
      { name: 'recover', plannedStartMs: 20_000, plannedEndMs: 30_000, startMs: 20_000, endMs: 30_001 },
    ],
    faults: [fault()],
    assertions: [assertion()],
    slis: [],
    alerts: [],
    levels: [],
    findings: [],
    healthChanges: [],
    events: [],
    series: { stepMs: 1000, t: [], rps: [], errorRatio: [], p50: [], p95: [], p99: [], health: [], cpu: {}, rssBytes: {}, heapUsedBytes: [], burn: {} },
    files: { recording: 's/recording.json', logs: [] },
    ...overrides,
  };
}

/** A report of these scenarios; verdict, reason and counts as the builder would set them, unless overridden. */
export function report(scenarios: ScenarioReport[], overrides: { run?: Partial<Report['run']>; skipped?: Report['skipped'] } = {}): Report {
  const skipped = overrides.skipped ?? [];
  const count = (v: string) => scenarios.filter((s) => s.verdict === v).length;
  const all = scenarios.flatMap((s) => s.assertions);
  const countA = (v: string) => all.filter((a) => a.verdict === v).length;
  const verdict = count('fail') > 0 ? 'fail' : count('inconclusive') > 0 || scenarios.length === 0 ? 'inconclusive' : 'pass';
  return reportSchema.parse({
    schemaVersion: 1,
    tool: { name: 'faultline', version: '0.1.0' },
    run: {
      id: 'run-1',
      release: 'v1.2.3',
      commit: '0123456789abcdef0123456789abcdef01234567',
      suite: 'demo',
      seed: 42,
      startedAt: '2026-01-02T03:04:00.000Z',
      durationMs: 45_500,
      verdict,
      reason: verdict === 'pass' ? `all ${scenarios.length} scenarios passed` : `${verdict}: ${scenarios.map((s) => s.name).join(', ')}`,
      score: null,
      shard: null,
      mergedFrom: [],
      host: 'ci-runner',
      node: 'v20.20.2',
      interrupted: false,
      cleanupFailures: [],
      ...overrides.run,
    },
    summary: {
      scenarios: { total: scenarios.length, passed: count('pass'), failed: count('fail'), inconclusive: count('inconclusive'), skipped: skipped.length },
      assertions: { total: all.length, passed: countA('pass'), failed: countA('fail'), inconclusive: countA('inconclusive') },
    },
    scenarios,
    skipped,
  });
}

/** Characters that break XML, Markdown tables or HTML when not escaped. */
export const HOSTILE = `<]]>&"'|`;
