import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Shard } from '../run/shard.js';
import type { SuiteRunResult } from '../run/suite-run.js';
import type { LoadedSuite } from '../scenario/types.js';
import { buildReport, type ScenarioInput } from './build.js';
import { renderConsoleSummary } from './console.js';
import type { Report } from './model.js';
import type { ReleaseInfo } from './release.js';
import { addToIndex, appendStepSummary, writeReportFiles } from './write.js';

/**
 * Files a finished run: builds the canonical report from the suite run's recordings and
 * verdicts, writes report.json and every format into the run folder, lists the run in
 * reports/index.json (default layout only), appends the Markdown to $GITHUB_STEP_SUMMARY, and
 * returns the console summary. `run()` (src/api/run.ts) is its one caller, for the CLI and
 * the library alike.
 */

export interface FileReportOptions {
  loaded: LoadedSuite;
  result: SuiteRunResult;
  runId: string;
  release: ReleaseInfo;
  shard: Shard | null;
  startedAt: Date;
  durationMs: number;
  outDir: string;
  /** The reports/ folder whose index.json lists this run; null when --out put the run elsewhere. */
  reportsRoot: string | null;
  /** The summary names the run folder relative to this when it lies below it. Default process.cwd(). */
  cwd?: string;
  /** Where GITHUB_STEP_SUMMARY is read. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface FiledReport {
  report: Report;
  /** The k6-style console summary. */
  summary: string;
  /** The files written into the run folder, by name, report.json first. */
  files: string[];
  /** Formats that could not be written (report.json itself throws instead). */
  failures: { file: string; error: string }[];
}

export async function fileRunReport(options: FileReportOptions): Promise<FiledReport> {
  const { loaded, result, outDir } = options;
  const scenarios: ScenarioInput[] = [];
  for (const entry of result.recordings) {
    const scenario = loaded.scenarios.find((s) => s.name === entry.scenario);
    if (scenario === undefined) continue;
    const dir = path.dirname(entry.file);
    const logs = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.log')).sort();
    const rel = (file: string) => path.relative(outDir, file).split(path.sep).join('/');
    scenarios.push({ scenario, recording: entry.recording, verdict: entry.verdict, files: { recording: rel(entry.file), logs: logs.map((f) => rel(path.join(dir, f))) } });
  }
  const report = buildReport({
    suite: loaded.suite,
    id: options.runId,
    release: options.release.release,
    commit: options.release.commit,
    startedAt: options.startedAt.toISOString(),
    durationMs: options.durationMs,
    shard: options.shard,
    interrupted: result.interrupted,
    cleanupFailures: result.cleanupFailures.map((f) => `${f.label}: ${f.error instanceof Error ? f.error.message : String(f.error)}`),
    scenarios,
    skipped: result.skipped.map((s) => ({ name: s.scenario, reason: s.reason })),
  });
  const written = await writeReportFiles(outDir, report);
  if (options.reportsRoot !== null) await addToIndex(options.reportsRoot, path.join(outDir, 'report.json'), report);
  if (written.files.includes('summary.md')) await appendStepSummary(outDir, options.env);
  const shown = path.relative(options.cwd ?? process.cwd(), outDir);
  const summary = renderConsoleSummary(report, { dir: shown === '' || shown.startsWith('..') ? outDir : shown, files: written.files });
  return { report, summary, files: written.files, failures: written.failures };
}
