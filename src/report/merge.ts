import path from 'node:path';
import { FaultlineError } from '../errors.js';
import { assembleReport } from './build.js';
import type { Report, ScenarioReport } from './model.js';
import type { LoadedReport } from './read.js';

/**
 * `faultline merge`: the reports of a suite's shards (`--shard i/n` on several CI machines)
 * as one run report, as if one machine had run every scenario. Pure apart from path maths.
 *
 * The shards must be of the same suite, release, schema version and seed, and of the same
 * commit where they name one; no scenario may appear in two shards. The merged run starts at
 * the earliest shard's start and lasts until the latest shard's end; it is interrupted when
 * any shard was; cleanup failures and skipped scenarios are the union (a scenario that ran in
 * one shard is not listed as skipped by another). Verdict, score and counts are recomputed
 * from the scenarios exactly as for a single run.
 */
export function mergeReports(loaded: readonly LoadedReport[], outDir: string, id: string): Report {
  const first = loaded[0];
  if (first === undefined) throw new FaultlineError('FAULTLINE_USAGE', 'nothing to merge', { hint: 'name the report folders of the shards' });
  checkSameRun(loaded);

  const seen = new Map<string, string>();
  const duplicates: string[] = [];
  const out = path.resolve(outDir);
  const scenarios: ScenarioReport[] = [];
  for (const shard of loaded) {
    for (const scenario of shard.report.scenarios) {
      const other = seen.get(scenario.name);
      if (other !== undefined) duplicates.push(`${scenario.name} is in ${other} and in ${shard.file}`);
      seen.set(scenario.name, shard.file);
      scenarios.push({ ...scenario, files: rebase(scenario.files, shard.dir, out) });
    }
  }
  if (duplicates.length > 0) {
    throw new FaultlineError('FAULTLINE_USAGE', `cannot merge: ${duplicates.join('; ')}`, { hint: 'each scenario must come from one shard: name each shard once, and shards of one sharded run' });
  }
  scenarios.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const skipped = new Map<string, Report['skipped'][number]>();
  for (const shard of loaded) for (const s of shard.report.skipped) if (!seen.has(s.name) && !skipped.has(s.name)) skipped.set(s.name, s);

  const runs = loaded.map((l) => l.report.run);
  const start = Math.min(...runs.map((r) => Date.parse(r.startedAt)));
  const end = Math.max(...runs.map((r) => Date.parse(r.startedAt) + r.durationMs));
  const unique = (values: readonly string[]) => [...new Set(values)];
  return assembleReport({
    tool: first.report.tool,
    run: {
      id,
      release: first.report.run.release,
      commit: runs.find((r) => r.commit !== null)?.commit ?? null,
      suite: first.report.run.suite,
      seed: first.report.run.seed,
      startedAt: new Date(start).toISOString(),
      durationMs: Math.round(end - start),
      shard: null,
      mergedFrom: runs.map((r) => r.id),
      host: unique(runs.map((r) => r.host)).join(', '),
      node: unique(runs.map((r) => r.node)).join(', '),
      interrupted: runs.some((r) => r.interrupted),
      cleanupFailures: unique(runs.flatMap((r) => r.cleanupFailures)),
    },
    scenarios,
    skipped: [...skipped.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  });
}

/** Every disagreement between the shards, named, in one error. */
function checkSameRun(loaded: readonly LoadedReport[]): void {
  const problems: string[] = [];
  const agree = (label: string, value: (r: Report) => string | number | null, ignoreNull = false) => {
    const values = new Map<string, string[]>();
    for (const l of loaded) {
      const v = value(l.report);
      if (ignoreNull && v === null) continue;
      const key = JSON.stringify(v);
      values.set(key, [...(values.get(key) ?? []), l.file]);
    }
    if (values.size > 1) problems.push(`${label} differs: ${[...values].map(([v, files]) => `${v} in ${files.join(', ')}`).join(' but ')}`);
  };
  agree('schemaVersion', (r) => r.schemaVersion);
  agree('suite', (r) => r.run.suite);
  agree('release', (r) => r.run.release);
  agree('seed', (r) => r.run.seed);
  agree('commit', (r) => r.run.commit, true);
  if (problems.length > 0) throw new FaultlineError('FAULTLINE_USAGE', `cannot merge: ${problems.join('; ')}`, { hint: 'merge the shards of one run: same suite, release, commit and seed' });
}

/** A scenario's files, relative to its shard's folder, made relative to the merged report's. */
function rebase(files: ScenarioReport['files'], from: string, to: string): ScenarioReport['files'] {
  const move = (file: string) => path.relative(to, path.resolve(from, file)).split(path.sep).join('/');
  return { recording: files.recording === null ? null : move(files.recording), logs: files.logs.map(move) };
}
