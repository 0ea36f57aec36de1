import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleReport } from '../../src/report/build.js';
import type { Comparison } from '../../src/report/compare.js';
import type { Report } from '../../src/report/model.js';
import { readReport } from '../../src/report/read.js';
import { ROOT } from '../helpers/processes.js';
import { faultline } from '../helpers/run-cli.js';

/**
 * `faultline compare` and `faultline merge` as built, on the real report fixtures: exit codes,
 * and the parsed JSON comparison and merged report (never terminal text, but for the absence
 * of a stack trace).
 */

const FIXTURES = path.join(ROOT, 'test/fixtures/report');
const HEALTHY = path.join(FIXTURES, 'run-inconclusive.json');
const NO_TIMEOUT = path.join(FIXTURES, 'no-timeout.json');

let work: string;
let whole: Report;

const run = (...args: string[]) => faultline(work, args, { timeoutMs: 30_000 });
const noStack = (stderr: string) => expect(stderr).not.toMatch(/^\s+at /m);

/** A shard's report.json, as `faultline run --shard` would write it, in work/<dir>. */
async function writeShard(dir: string, index: number, names: string[], run: Partial<Report['run']> = {}): Promise<string> {
  const { verdict: _v, reason: _r, score: _s, ...rest } = whole.run;
  const report = assembleReport({ tool: whole.tool, run: { ...rest, id: `shard-${index}`, shard: { index, total: 2 }, ...run }, scenarios: whole.scenarios.filter((s) => names.includes(s.name)), skipped: [] });
  const folder = path.join(work, dir);
  await mkdir(folder, { recursive: true });
  await writeFile(path.join(folder, 'report.json'), `${JSON.stringify(report, null, 1)}\n`);
  return folder;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'faultline-compare-'));
  whole = (await readReport(HEALTHY)).report;
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('faultline compare', () => {
  it('names network-latency regressed (healthy agent → AGENT_BUG=no-timeout) and exits 0 without --fail-on-regression', async () => {
    const result = await run('compare', HEALTHY, NO_TIMEOUT, '--format', 'json');
    expect(result.exitCode, result.stderr).toBe(0);
    const c = JSON.parse(result.stdout) as Comparison;
    expect(c.regressed).toBe(true);
    expect(c.rows.filter((r) => r.status === 'regressed').map((r) => r.scenario)).toEqual(['network-latency']);
    expect(c.rows.find((r) => r.scenario === 'network-latency')?.reasons).toContain('verdict pass → fail');
    expect(c.counts).toEqual({ regressed: 1, improved: 0, unchanged: 0, new: 0, missing: 4 });
    expect(c.tolerances).toEqual({ mttd: { pct: 20, floorMs: 500 }, mttr: { pct: 20, floorMs: 500 }, sliPp: 0.1, score: 5 });
  });

  it('exits 1 with --fail-on-regression, in every format', async () => {
    for (const format of ['text', 'markdown', 'json']) {
      const result = await run('compare', HEALTHY, NO_TIMEOUT, '--fail-on-regression', '--format', format);
      expect(result.exitCode, `${format}: ${result.stderr}`).toBe(1);
      noStack(result.stderr);
    }
  });

  it('exits 0 with --fail-on-regression when nothing regressed', async () => {
    const same = await run('compare', HEALTHY, HEALTHY, '--fail-on-regression', '--format', 'json');
    expect(same.exitCode, same.stderr).toBe(0);
    expect((JSON.parse(same.stdout) as Comparison).counts).toEqual({ regressed: 0, improved: 0, unchanged: 5, new: 0, missing: 0 });
  });

  it('takes tolerances: a loose SLI and score bound still regress on the verdict', async () => {
    const result = await run('compare', HEALTHY, NO_TIMEOUT, '--tolerance', 'sli=100pp', '--tolerance', 'score=100,mttd=1000%,1h', '--format', 'json', '--fail-on-regression');
    expect(result.exitCode, result.stderr).toBe(1);
    const c = JSON.parse(result.stdout) as Comparison;
    expect(c.tolerances).toEqual({ mttd: { pct: 1000, floorMs: 3_600_000 }, mttr: { pct: 20, floorMs: 500 }, sliPp: 100, score: 100 });
    expect(c.rows.find((r) => r.scenario === 'network-latency')?.changes.filter((x) => x.effect === 'regression').map((x) => x.figure)).toEqual(['verdict']);
  });

  it('reads folders: a run folder, and a release folder by its latest run', async () => {
    const release = path.join(work, 'release');
    for (const [run, file] of [['early', NO_TIMEOUT], ['late', HEALTHY]] as const) {
      await mkdir(path.join(release, run), { recursive: true });
      await copyFile(file, path.join(release, run, 'report.json'));
    }
    // The release folder's latest run is the healthy one (20:16 after 18:06): compared with itself.
    const result = await run('compare', release, path.join(release, 'late'), '--format', 'json', '--fail-on-regression');
    expect(result.exitCode, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as Comparison).counts.unchanged).toBe(5);
  });

  it('--out writes the Markdown comment atomically', async () => {
    const out = path.join(work, 'compare.md');
    const result = await run('compare', HEALTHY, NO_TIMEOUT, '--format', 'markdown', '--out', out);
    expect(result.exitCode, result.stderr).toBe(0);
    const text = await readFile(out, 'utf8');
    expect(text.split('\n').find((l) => l.startsWith('| network-latency |'))).toMatch(/^\| network-latency \| \*\*regressed\*\* \| pass → fail \| 100 → 65 \| verdict pass → fail<br>/);
    expect((await readdir(work)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it.each([
    [['--tolerance', 'mttr=fast']],
    [['--tolerance', 'sli=5%']],
    [['--tolerance', 'mtbf=1s']],
    [['--format', 'html']],
  ])('bad flags %j: exit 2, one message and a hint, no stack trace', async (flags) => {
    const result = await run('compare', HEALTHY, NO_TIMEOUT, ...flags);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: /);
    expect(result.stderr).toMatch(/\nhint: /);
    noStack(result.stderr);
  });

  it('a missing or broken report: exit 2, no stack trace', async () => {
    const broken = path.join(work, 'broken.json');
    await writeFile(broken, '{"schemaVersion": 1, "run": {}}');
    for (const target of [path.join(work, 'nope'), broken]) {
      const result = await run('compare', HEALTHY, target);
      expect(result.exitCode).toBe(2);
      noStack(result.stderr);
    }
  });
});

describe('faultline merge', () => {
  it('merges two shards of the fixture into the unsplit run\'s counts, verdict and score; compare sees no change', async () => {
    const one = await writeShard('shards/one', 1, ['process-kill', 'cpu-saturation'], { startedAt: '2026-11-25T20:16:19.476Z', durationMs: 60_000 });
    const two = await writeShard('shards/two', 2, ['network-latency', 'heap-growth', 'graceful-restart'], { startedAt: '2026-11-25T20:16:10.000Z', durationMs: 90_000 });
    const result = await run('merge', one, 'shards/two', '--out', 'merged');
    expect(result.exitCode, result.stderr).toBe(0);
    // Read back through the schema check, as every consumer does.
    const { report } = await readReport(path.join(work, 'merged/report.json'));
    expect(report.summary).toEqual(whole.summary);
    expect([report.run.verdict, report.run.reason, report.run.score]).toEqual([whole.run.verdict, whole.run.reason, whole.run.score]);
    expect(report.run).toMatchObject({ mergedFrom: ['shard-1', 'shard-2'], shard: null, startedAt: '2026-11-25T20:16:10.000Z', durationMs: 90_000 });
    expect(report.run.id).toMatch(/^merge-\d{8}-\d{6}-[0-9a-f]{4}$/);
    expect(report.scenarios.find((s) => s.name === 'heap-growth')?.files.recording).toBe('../shards/two/heap-growth/recording.json');
    expect(path.resolve(work, 'merged', report.scenarios.find((s) => s.name === 'cpu-saturation')?.files.logs[0] ?? '')).toBe(path.join(two, '..', 'one', 'cpu-saturation', 'target.log'));
    const compared = await run('compare', HEALTHY, 'merged', '--format', 'json', '--fail-on-regression');
    expect(compared.exitCode, compared.stderr).toBe(0);
    expect((JSON.parse(compared.stdout) as Comparison).counts.unchanged).toBe(5);
  });

  it.each([
    ['a different release', 'release', { release: 'v9' }],
    ['a different suite', 'suite', { suite: 'other' }],
  ])('rejects a shard of %s: exit 2 naming it, nothing written', async (_, field, run2) => {
    const one = await writeShard(`bad-${field}/one`, 1, ['process-kill']);
    const two = await writeShard(`bad-${field}/two`, 2, ['heap-growth'], run2);
    const result = await run('merge', one, two, '--out', `bad-${field}/merged`);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`${field} differs`);
    noStack(result.stderr);
    expect(await readdir(path.join(work, `bad-${field}`))).toEqual(['one', 'two']);
  });

  it('rejects a scenario in two shards, and --out on a shard\'s own folder: exit 2', async () => {
    const one = await writeShard('dup/one', 1, ['process-kill', 'heap-growth']);
    const two = await writeShard('dup/two', 2, ['heap-growth']);
    const dup = await run('merge', one, two, '--out', 'dup/merged');
    expect(dup.exitCode).toBe(2);
    expect(dup.stderr).toContain('heap-growth is in');
    noStack(dup.stderr);
    const three = await writeShard('dup/three', 2, ['network-latency']);
    const own = await run('merge', one, three, '--out', three);
    expect(own.exitCode).toBe(2);
    noStack(own.stderr);
    expect((await readReport(path.join(three, 'report.json'))).report.run.id).toBe('shard-2');
  });

  it('requires --out', async () => {
    const result = await run('merge', HEALTHY);
    expect(result.exitCode).toBe(2);
    noStack(result.stderr);
  });
});
