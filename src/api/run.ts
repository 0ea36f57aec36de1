import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { FaultlineError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { fileRunReport } from '../report/file-report.js';
import { resolveRelease } from '../report/release.js';
import { parseShard, shardScenarios } from '../run/shard.js';
import { runSuite } from '../run/suite-run.js';
import { validatePaths } from '../scenario/load.js';
import { ScenarioError } from '../scenario/scenario-error.js';
import type { LoadedSuite } from '../scenario/types.js';
import type { RunEvent, RunOptions, RunResult } from './run-types.js';

/**
 * Runs a suite's scenarios and files the run's report: what `faultline run` does, as a
 * function. The CLI is a thin layer over it (flags in, console lines and an exit code out), so
 * the two cannot drift.
 *
 * Loads and checks the suite like `validate` (every issue at once: a ScenarioError), resolves
 * the release, runs the selected scenarios one after another with a fresh system each, and
 * writes report.json, junit.xml, summary.md and report.html into the run folder, plus
 * reports/index.json (without `out`) and $GITHUB_STEP_SUMMARY (when set), exactly as the CLI
 * does.
 *
 * It never exits the process and never installs signal handlers: abort `signal` to interrupt
 * the run (every fault reverted, every process stopped, the report filed as interrupted, exit
 * code 130 in the result). Bad input and infrastructure failures throw a FaultlineError whose
 * `code` says which (FAULTLINE_USAGE, FAULTLINE_SCENARIO_INVALID, FAULTLINE_INFRASTRUCTURE,
 * FAULTLINE_INTERNAL); failed or inconclusive expectations do not throw: read `verdict`.
 */
export async function run(options: RunOptions = {}): Promise<RunResult> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const emit = safeEmitter(options.onProgress);
  const grep = toRegExp(options.grep);
  const loaded = await loadOneSuite(options.paths ?? ['scenarios'], cwd, env);
  const shard = options.shard === undefined ? null : parseShard(typeof options.shard === 'string' ? options.shard : `${options.shard.index}/${options.shard.total}`);
  const release = await resolveRelease({ flag: options.release, env: env['FAULTLINE_RELEASE'], suite: loaded.suite.release, cwd: loaded.suite.dir });
  const runId = `${stamp()}-${randomBytes(2).toString('hex')}`;
  const reportsRoot = path.resolve(cwd, 'reports');
  const outDir = path.resolve(cwd, options.out ?? path.join(reportsRoot, release.release, runId));
  const signal = options.signal ?? new AbortController().signal;

  emit({ type: 'run-start', suite: loaded.suite.name, runId, release, shard, outDir });
  const startedAt = new Date();
  const started = performance.now();
  const result = await infrastructure(() =>
    runSuite({
      loaded,
      outDir,
      interrupt: signal,
      report: emit,
      ...(grep === undefined ? {} : { grep }),
      ...(options.tags === undefined ? {} : { tags: options.tags }),
      ...(shard === null ? {} : { pick: (selected) => shardScenarios(selected, shard), allowEmpty: true }),
    }),
  );
  const cleanupFailures = result.cleanupFailures.map((f) => `${f.label}: ${f.error instanceof Error ? f.error.message : String(f.error)}`);
  emit({ type: 'run-end', interrupted: result.interrupted, cleanupFailures });

  const filed = await infrastructure(() =>
    fileRunReport({ loaded, result, runId, release, shard, startedAt, durationMs: performance.now() - started, outDir, reportsRoot: options.out === undefined ? reportsRoot : null, cwd, env }),
  );
  const emptyShard = shard !== null && filed.report.scenarios.length === 0 && !result.interrupted;
  return {
    verdict: filed.report.run.verdict,
    exitCode: exitCodeOf({ cleanupFailed: cleanupFailures.length > 0, interrupted: result.interrupted, verdict: filed.report.run.verdict, emptyShard, reportFailed: filed.failures.length > 0 }),
    report: filed.report,
    reportDir: outDir,
    files: filed.files.map((file) => path.join(outDir, file)),
    summary: filed.summary,
    runId,
    release,
    shard,
    interrupted: result.interrupted,
    cleanupFailures,
    reportFailures: filed.failures,
  };
}

/**
 * The run's exit code, most telling first: a failed cleanup (a fault may still be in effect),
 * an interrupt, a verdict other than pass (but a shard with nothing to run passes), a report
 * format that could not be written.
 */
export function exitCodeOf(outcome: { cleanupFailed: boolean; interrupted: boolean; verdict: RunResult['verdict']; emptyShard: boolean; reportFailed: boolean }): ExitCode {
  if (outcome.cleanupFailed) return ExitCode.CLEANUP_FAILED;
  if (outcome.interrupted) return ExitCode.INTERRUPTED;
  if (outcome.verdict !== 'pass') return outcome.emptyShard ? ExitCode.OK : ExitCode.EXPECTATION_FAILED;
  return outcome.reportFailed ? ExitCode.INFRASTRUCTURE : ExitCode.OK;
}

function toRegExp(grep: string | RegExp | undefined): RegExp | undefined {
  if (grep === undefined || grep instanceof RegExp) return grep;
  try {
    return new RegExp(grep);
  } catch {
    throw new FaultlineError('FAULTLINE_USAGE', `--grep ${grep} is not a valid regular expression`);
  }
}

async function loadOneSuite(paths: readonly string[], cwd: string, env: Readonly<Record<string, string | undefined>>): Promise<LoadedSuite> {
  const report = await validatePaths(paths, { cwd, env });
  if (!report.ok) throw new ScenarioError(report.issues, report.sources);
  const [loaded] = report.suites;
  if (loaded === undefined || report.suites.length !== 1) {
    throw new FaultlineError('FAULTLINE_USAGE', `the paths name ${report.suites.length} suites; run one suite at a time`, { hint: 'name one suite folder or file' });
  }
  return loaded;
}

/** The runner's own failures arrive as FaultlineErrors; anything else is wrapped, message kept, so callers can rely on `code`. */
async function infrastructure<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (FaultlineError.is(error)) throw error;
    throw new FaultlineError('FAULTLINE_INTERNAL', error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/** A throwing listener must not break a run that is reverting faults on a schedule: its error is dropped. */
function safeEmitter(listener: ((event: RunEvent) => void) | undefined): (event: RunEvent) => void {
  return (event) => {
    if (listener === undefined) return;
    try {
      listener(event);
    } catch {
      // the listener's problem, not the run's
    }
  };
}

/** "20261125-201500": UTC, sortable, the first half of a run id. */
function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}
