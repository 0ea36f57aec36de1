import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../fs-atomic.js';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import type { Report } from './model.js';

/**
 * Writing a report: report.json first (the canonical result), then every format rendered from
 * it. The formats render from the JSON as parsed back, not from the object in memory, so
 * `faultline report report.json` reproduces them byte for byte. Each file is written atomically
 * and one failing format does not stop the others (it is reported).
 */

export interface ReportFormat {
  file: string;
  describe: string;
  render(report: Report, context: { generatedAt: string }): string;
}

export const FORMATS: readonly ReportFormat[] = [
  { file: 'junit.xml', describe: 'JUnit XML', render: (report) => renderJunit(report) },
  { file: 'summary.md', describe: 'Markdown summary', render: (report) => renderMarkdown(report) },
  { file: 'report.html', describe: 'HTML report', render: (report, context) => renderHtml(report, { generatedAt: context.generatedAt }) },
];

export const reportJsonText = (report: Report): string => `${JSON.stringify(report, null, 1)}\n`;

export interface WrittenReport {
  dir: string;
  files: string[];
  failures: { file: string; error: string }[];
}

/** Writes report.json (unless `json: false`, when re-rendering an existing one) and every format into `dir`. */
export async function writeReportFiles(dir: string, report: Report, options: { json?: boolean; generatedAt?: string } = {}): Promise<WrittenReport> {
  await mkdir(dir, { recursive: true });
  const text = reportJsonText(report);
  const files: string[] = [];
  if (options.json !== false) {
    await writeFileAtomic(path.join(dir, 'report.json'), text);
    files.push('report.json');
  }
  const parsed = JSON.parse(text) as Report;
  const generatedAt = options.generatedAt ?? new Date().toISOString();
  const failures: WrittenReport['failures'] = [];
  for (const format of FORMATS) {
    try {
      await writeFileAtomic(path.join(dir, format.file), format.render(parsed, { generatedAt }));
      files.push(format.file);
    } catch (error) {
      failures.push({ file: format.file, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return { dir, files, failures };
}

/** GitHub Actions shows this file's Markdown on the run's page: append the summary when it is set. */
export async function appendStepSummary(dir: string, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  const target = env['GITHUB_STEP_SUMMARY'];
  if (target === undefined || target === '') return null;
  await appendFile(target, `${await readFile(path.join(dir, 'summary.md'), 'utf8')}\n`);
  return target;
}

export interface IndexEntry {
  release: string;
  id: string;
  /** The run's report.json, relative to the index's folder. */
  report: string;
  startedAt: string;
  verdict: Report['run']['verdict'];
  score: number | null;
  scenarios: Report['summary']['scenarios'];
}

export interface ReportIndex {
  schemaVersion: 1;
  runs: IndexEntry[];
}

/**
 * reports/index.json: every run filed under reports/, oldest first. Read, amended and replaced
 * atomically; an unreadable index is rebuilt from this entry rather than failing the run.
 */
export async function addToIndex(root: string, reportFile: string, report: Report): Promise<string> {
  const file = path.join(root, 'index.json');
  let index: ReportIndex = { schemaVersion: 1, runs: [] };
  try {
    const existing = JSON.parse(await readFile(file, 'utf8')) as ReportIndex;
    if (existing.schemaVersion === 1 && Array.isArray(existing.runs)) index = existing;
  } catch {
    // no index yet, or an unreadable one: start a new one
  }
  const entry: IndexEntry = {
    release: report.run.release,
    id: report.run.id,
    report: path.relative(root, reportFile).split(path.sep).join('/'),
    startedAt: report.run.startedAt,
    verdict: report.run.verdict,
    score: report.run.score,
    scenarios: report.summary.scenarios,
  };
  index.runs = [...index.runs.filter((r) => r.report !== entry.report), entry].sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0));
  await writeFileAtomic(file, `${JSON.stringify(index, null, 1)}\n`);
  return file;
}
