import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assembleReport } from '../../../src/report/build.js';
import { mergeReports } from '../../../src/report/merge.js';
import { reportSchema, type Report, type ScenarioReport } from '../../../src/report/model.js';
import type { LoadedReport } from '../../../src/report/read.js';

/** `faultline merge`: shards of the real five-scenario fixture, split by scenario, joined again. */

const whole = JSON.parse(readFileSync(new URL('../../fixtures/report/run-inconclusive.json', import.meta.url), 'utf8')) as Report;

/** A shard's report as `faultline run --shard` would write it: its own run, its share of the scenarios. */
function shard(index: number, total: number, names: string[], run: Partial<Report['run']> = {}, skipped: Report['skipped'] = []): Report {
  const { verdict: _v, reason: _r, score: _s, ...rest } = whole.run;
  return assembleReport({
    tool: whole.tool,
    run: { ...rest, id: `shard-${index}`, shard: { index, total }, ...run },
    scenarios: whole.scenarios.filter((s) => names.includes(s.name)),
    skipped,
  });
}

const at = (dir: string, report: Report): LoadedReport => ({ file: `${dir}/report.json`, dir, report });

// Deliberately not in name order: merge sorts by name.
const A = ['process-kill', 'cpu-saturation'];
const B = ['network-latency', 'heap-growth', 'graceful-restart'];

function expectUsage(fn: () => unknown, ...says: string[]): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toMatchObject({ code: 'FAULTLINE_USAGE' });
  for (const s of says) expect((error as Error).message).toContain(s);
}

describe('mergeReports', () => {
  const one = shard(1, 2, A, { startedAt: '2026-11-25T20:16:19.476Z', durationMs: 60_000, host: 'ci-1' });
  const two = shard(2, 2, B, { startedAt: '2026-11-25T20:16:10.000Z', durationMs: 90_000, host: 'ci-2' });
  const merged = mergeReports([at('/ci/shards/one', one), at('/ci/shards/two', two)], '/ci/merged', 'm-1');

  it('gives the unsplit run\'s counts, verdict, reason and score', () => {
    expect(merged.summary).toEqual(whole.summary);
    expect(merged.run.verdict).toBe(whole.run.verdict);
    expect(merged.run.reason).toBe(whole.run.reason);
    expect(merged.run.score).toBe(whole.run.score);
    expect(reportSchema.safeParse(merged).success).toBe(true);
  });

  it('orders scenarios by name and keeps each as its shard reported it, but for file paths', () => {
    expect(merged.scenarios.map((s) => s.name)).toEqual(['cpu-saturation', 'graceful-restart', 'heap-growth', 'network-latency', 'process-kill']);
    const strip = (s: ScenarioReport) => ({ ...s, files: null });
    expect(merged.scenarios.map(strip)).toEqual([...whole.scenarios].sort((a, b) => a.name.localeCompare(b.name)).map(strip));
  });

  it('rewrites file paths from the shard folder to the merged report\'s folder', () => {
    const cpu = merged.scenarios.find((s) => s.name === 'cpu-saturation');
    expect(cpu?.files).toEqual({ recording: '../shards/one/cpu-saturation/recording.json', logs: ['../shards/one/cpu-saturation/target.log', '../shards/one/cpu-saturation/upstream.log'] });
    expect(merged.scenarios.find((s) => s.name === 'heap-growth')?.files.recording).toBe('../shards/two/heap-growth/recording.json');
    // A merged report inside a shard's tree, and a recording that is null
    const nested = mergeReports([at('/r/s1', shard(1, 1, ['cpu-saturation']))], '/r/s1/merged', 'x');
    expect(nested.scenarios[0]?.files.recording).toBe('../cpu-saturation/recording.json');
    const none = shard(1, 1, ['cpu-saturation']);
    none.scenarios = none.scenarios.map((s) => ({ ...s, files: { recording: null, logs: [] } }));
    expect(mergeReports([at('/r/s1', none)], '/r/m', 'x').scenarios[0]?.files).toEqual({ recording: null, logs: [] });
  });

  it('makes one run: earliest start, latest end, new id, no shard, merged from the shards', () => {
    // shard two starts at 20:16:10.000 and ends 90 s later at 20:17:40.000; shard one ends at 20:17:19.476
    expect(merged.run).toMatchObject({
      id: 'm-1',
      startedAt: '2026-11-25T20:16:10.000Z',
      durationMs: 90_000,
      shard: null,
      mergedFrom: ['shard-1', 'shard-2'],
      suite: whole.run.suite,
      release: whole.run.release,
      seed: whole.run.seed,
      host: 'ci-1, ci-2',
      node: whole.run.node,
      interrupted: false,
      cleanupFailures: [],
    });
    const late = shard(1, 2, A, { startedAt: '2026-11-25T20:16:19.476Z', durationMs: 100_000 });
    expect(mergeReports([at('/a', late), at('/b', two)], '/m', 'x').run.durationMs).toBe(109_476);
  });

  it('is interrupted when any shard was; cleanup failures and skipped scenarios are the union', () => {
    const x = shard(1, 2, A, { interrupted: true, cleanupFailures: ['cpu fault burn-cpu: revert timed out'] }, [
      { name: 'zeta', reason: 'flaky' },
      { name: 'heap-growth', reason: 'skipped here but ran in shard 2' },
    ]);
    const y = shard(2, 2, B, { cleanupFailures: ['cpu fault burn-cpu: revert timed out', 'proxy upstream: delete failed'] }, [
      { name: 'zeta', reason: 'flaky' },
      { name: 'alpha', reason: 'todo' },
    ]);
    const m = mergeReports([at('/a', x), at('/b', y)], '/m', 'x');
    expect(m.run.interrupted).toBe(true);
    expect(m.run.cleanupFailures).toEqual(['cpu fault burn-cpu: revert timed out', 'proxy upstream: delete failed']);
    expect(m.skipped).toEqual([
      { name: 'alpha', reason: 'todo' },
      { name: 'zeta', reason: 'flaky' },
    ]);
    expect(m.summary.scenarios.skipped).toBe(2);
    // cleanup failures fail the run, as in one run
    expect(m.run.verdict).toBe('fail');
  });

  it('takes the commit the shards name (null where unknown)', () => {
    const m = mergeReports([at('/a', shard(1, 2, A, { commit: null })), at('/b', shard(2, 2, B, { commit: 'abc123' }))], '/m', 'x');
    expect(m.run.commit).toBe('abc123');
  });

  it.each([
    ['suite', { suite: 'other-suite' }],
    ['release', { release: 'v2' }],
    ['seed', { seed: 7 }],
    ['commit', { commit: 'def456' }],
  ] as const)('rejects shards of different %s, naming it and the files', (field, run) => {
    const base = shard(1, 2, A, { commit: 'abc123' });
    expectUsage(() => mergeReports([at('/a', base), at('/b', shard(2, 2, B, run))], '/m', 'x'), `${field} differs`, '/a/report.json', '/b/report.json');
  });

  it('rejects a different schemaVersion', () => {
    const future = { ...shard(2, 2, B), schemaVersion: 2 } as unknown as Report;
    expectUsage(() => mergeReports([at('/a', shard(1, 2, A)), at('/b', future)], '/m', 'x'), 'schemaVersion differs');
  });

  it('reports every mismatch at once', () => {
    expectUsage(() => mergeReports([at('/a', shard(1, 2, A)), at('/b', shard(2, 2, B, { suite: 's', release: 'r' }))], '/m', 'x'), 'suite differs', 'release differs');
  });

  it('rejects a scenario in two shards, naming it and both files', () => {
    expectUsage(() => mergeReports([at('/a', shard(1, 2, A)), at('/b', shard(2, 2, [...B, 'cpu-saturation']))], '/m', 'x'), 'cpu-saturation is in /a/report.json and in /b/report.json');
    // the same shard twice
    expectUsage(() => mergeReports([at('/a', shard(1, 2, A)), at('/a', shard(1, 2, A))], '/m', 'x'), 'process-kill is in');
  });

  it('rejects nothing to merge', () => {
    expectUsage(() => mergeReports([], '/m', 'x'), 'nothing to merge');
  });
});
