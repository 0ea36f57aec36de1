import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { buildReport, type ScenarioInput } from '../report/build.js';
import { renderConsoleSummary } from '../report/console.js';
import type { Report } from '../report/model.js';
import type { ReleaseInfo } from '../report/release.js';
import { addToIndex, appendStepSummary, writeReportFiles } from '../report/write.js';
import type { Shard } from '../run/shard.js';
import type { SuiteRunResult } from '../run/suite-run.js';
import type { LoadedSuite } from '../scenario/types.js';

/**
 * Files a finished run: builds the canonical report from the suite run's recordings and
 * verdicts, writes report.json and every format into the run folder, lists the run in
 * reports/index.json (default layout only), appends the Markdown to $GITHUB_STEP_SUMMARY, and
 * returns the console summary.
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
}

export async function fileRunReport(options: FileReportOptions): Promise<{ report: Report; summary: string; failures: { file: string; error: string }[] }> {
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
  if (written.files.includes('summary.md')) await appendStepSummary(outDir);
  const shown = path.relative(process.cwd(), outDir);
  return { report, summary: renderConsoleSummary(report, { dir: shown === '' || shown.startsWith('..') ? outDir : shown, files: written.files }), failures: written.failures };
}
