import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { FaultlineError } from '../errors.js';
import { REPORT_SCHEMA_VERSION, reportSchema, type Report } from './model.js';

/**
 * Reading reports back: `faultline report`, `compare` and `merge` take report.json files or
 * folders. A report that does not parse or does not match the schema is bad input (exit 2),
 * named by file and JSON path.
 */

export interface LoadedReport {
  /** Absolute path of the report.json. */
  file: string;
  /** Its folder: the base of the report's relative file paths. */
  dir: string;
  report: Report;
}

/** Reads and checks one report.json; a missing, non-JSON, newer or malformed file throws FAULTLINE_USAGE (exit 2) naming the file and JSON path. */
export async function readReport(file: string): Promise<LoadedReport> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    throw new FaultlineError('FAULTLINE_USAGE', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { hint: 'name a report.json written by `faultline run`, or its folder' });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FaultlineError('FAULTLINE_USAGE', `${file} is not JSON: ${(error as Error).message}`, { hint: 'name a report.json written by `faultline run`' });
  }
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== REPORT_SCHEMA_VERSION) {
    throw new FaultlineError('FAULTLINE_USAGE', `${file}: schemaVersion ${JSON.stringify(version)} is not supported (this faultline reads ${REPORT_SCHEMA_VERSION})`, {
      hint: typeof version === 'number' && version > REPORT_SCHEMA_VERSION ? 'the report is from a newer faultline: upgrade this one' : 'is this a faultline report.json?',
    });
  }
  const parsed = reportSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    throw new FaultlineError('FAULTLINE_USAGE', `${file}: not a valid report at ${where === '' ? 'the top level' : `$${where}`}: ${issue?.message ?? 'schema mismatch'}`, { hint: 'the file was edited or truncated; re-run, or check it against schema/report.schema.json' });
  }
  return { file: absolute, dir: path.dirname(absolute), report: parsed.data };
}

/**
 * A report named by a file or a folder. A folder is a run folder (it has report.json) or a
 * release folder (runs in subfolders): then its latest run, by start time, is taken.
 */
export async function locateReport(target: string): Promise<LoadedReport> {
  const absolute = path.resolve(target);
  let info;
  try {
    info = await stat(absolute);
  } catch {
    throw new FaultlineError('FAULTLINE_USAGE', `${target} does not exist`, { hint: 'name a report.json, a run folder or a release folder under reports/' });
  }
  if (info.isFile()) return readReport(absolute);
  const own = path.join(absolute, 'report.json');
  if (await isFile(own)) return readReport(own);
  const runs: LoadedReport[] = [];
  for (const entry of await readdir(absolute, { withFileTypes: true })) {
    const candidate = path.join(absolute, entry.name, 'report.json');
    if (entry.isDirectory() && (await isFile(candidate))) runs.push(await readReport(candidate));
  }
  if (runs.length === 0) throw new FaultlineError('FAULTLINE_USAGE', `${target} has no report.json, nor run folders with one`, { hint: 'name a report.json, a run folder or a release folder under reports/' });
  runs.sort((a, b) => (a.report.run.startedAt < b.report.run.startedAt ? -1 : a.report.run.startedAt > b.report.run.startedAt ? 1 : a.report.run.id < b.report.run.id ? -1 : 1));
  return runs[runs.length - 1] as LoadedReport;
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
