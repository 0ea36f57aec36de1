import type { ExitCode } from '../exit-codes.js';
import type { Report, ReportVerdict } from '../report/model.js';
import type { ReleaseInfo } from '../report/release.js';
import type { Shard } from '../run/shard.js';
import type { ScenarioReport as ScenarioEvent } from '../run/suite-run.js';

/** What `run()` takes; every field is optional and the defaults are those of `faultline run`. */
export interface RunOptions {
  /** A suite folder or file, or scenario files (their suite file is found beside them or above). Relative to `cwd`. Default `['scenarios']`. */
  paths?: readonly string[];
  /** Only scenarios whose name matches (a string is compiled as a regular expression, like `--grep`). Default: every scenario. */
  grep?: string | RegExp;
  /** Only scenarios with at least one of these tags (`--tag`). Default: every scenario. */
  tags?: readonly string[];
  /** The release this run tests, naming its reports folder (`--release`). Default: `FAULTLINE_RELEASE`, the suite's `release:`, the git tag on HEAD, the short commit, or `unreleased`. */
  release?: string;
  /** Run only this share of the scenarios: `'2/4'` or `{ index: 2, total: 4 }` (`--shard`). Default: all of them. */
  shard?: string | Shard;
  /** The run folder, relative to `cwd` (`--out`); reports/index.json is then left alone. Default `reports/<release>/<run-id>`, listed in reports/index.json. */
  out?: string;
  /** Abort it to interrupt the run: faults reverted, processes stopped, the report filed as interrupted (exit code 130). Default: never aborted. */
  signal?: AbortSignal;
  /** Called with each event as the run goes (the CLI prints them). An exception it throws is ignored. Default: none. */
  onProgress?: (event: RunEvent) => void;
  /** The folder `paths`, `out` and `reports/` are relative to. Default `process.cwd()`. */
  cwd?: string;
  /** The environment for `${env:NAME}` placeholders, `FAULTLINE_RELEASE` and `GITHUB_STEP_SUMMARY` (the processes a run starts still inherit `process.env`). Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** One event of a run, in order: run-start, per scenario scenario-start, progress (about once a second) and scenario-end (or scenario-skipped), then run-end before the report is filed. */
export type RunEvent =
  | {
      type: 'run-start';
      /** The suite's name. */
      suite: string;
      runId: string;
      release: ReleaseInfo;
      shard: Shard | null;
      /** The run folder (absolute). */
      outDir: string;
    }
  | ScenarioEvent
  | {
      type: 'run-end';
      interrupted: boolean;
      /** Undos that failed, one line each: a fault may still be in effect. */
      cleanupFailures: string[];
    };

/** What `run()` returns once the report is filed. */
export interface RunResult {
  /** The run's verdict, as in report.json: pass only when every selected scenario passed. */
  verdict: ReportVerdict;
  /** What `faultline run` would exit with: 0, 1 (failed or inconclusive), 3 (a report format not written), 4 (cleanup failed), 130 (interrupted); a shard with nothing to run is 0. */
  exitCode: ExitCode;
  /** The canonical report, as written to report.json. */
  report: Report;
  /** The run folder (absolute): report files, runner log, per scenario its Recording, verdicts and logs. */
  reportDir: string;
  /** The report files written (absolute): report.json, junit.xml, summary.md, report.html. */
  files: string[];
  /** The console summary `faultline run` ends with. */
  summary: string;
  runId: string;
  release: ReleaseInfo;
  shard: Shard | null;
  interrupted: boolean;
  /** Undos that failed, one line each (exit code 4). */
  cleanupFailures: string[];
  /** Report formats that could not be written (exit code 3 when nothing else went wrong). */
  reportFailures: { file: string; error: string }[];
}
