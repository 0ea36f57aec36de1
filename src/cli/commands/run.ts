import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Argv } from 'yargs';
import { FaultlineError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { ScenarioError } from '../../scenario/scenario-error.js';

interface RunArgs {
  paths: string[];
  grep?: string;
  tag?: string[];
  out?: string;
  release?: string;
  shard?: string;
}

/**
 * `faultline run`: loads the suite like `validate`, runs its scenarios one by one (a Recording
 * and the judge's verdicts per scenario), then files the run's report under
 * reports/<release>/<run-id>/ (report.json, junit.xml, summary.md, report.html) and prints the
 * summary. Exit code: 0 all passed, 1 an expectation failed or was inconclusive, 3
 * infrastructure, 4 cleanup failed, 130 interrupted (src/exit-codes.ts).
 */
export function runCommand(yargs: Argv): Argv {
  return yargs.command<RunArgs>(
    'run [paths..]',
    'Run the scenarios of a suite: start the system, drive load, inject faults on the timeline',
    (y) =>
      y
        .positional('paths', { type: 'string', array: true, default: ['scenarios'], describe: 'A suite folder or file, or scenario files (their suite file is found beside them)' })
        .option('grep', { type: 'string', describe: 'Only scenarios whose name matches this regular expression' })
        .option('tag', { type: 'string', array: true, describe: 'Only scenarios with this tag (repeatable)' })
        .option('out', { type: 'string', describe: 'Output folder for the reports, recordings and logs (default reports/<release>/<run-id>, listed in reports/index.json)' })
        .option('release', { type: 'string', describe: 'The release this run tests, naming its reports folder (default: FAULTLINE_RELEASE, the suite\'s release:, the git tag or commit)' })
        .option('shard', { type: 'string', describe: 'Run only shard INDEX/TOTAL of the scenarios (a stable split for parallel CI machines; `faultline merge` joins the reports)' })
        .example('$0 run', 'every scenario of scenarios/')
        .example('$0 run scenarios/process-kill.yaml --out /tmp/run1', 'one scenario, output in /tmp/run1')
        .example('$0 run --release v1.5.0 --shard 2/4', 'the second quarter of the suite, filed under reports/v1.5.0/'),
    async (args) => {
      let grep: RegExp | undefined;
      try {
        grep = args.grep === undefined ? undefined : new RegExp(args.grep);
      } catch {
        throw new FaultlineError('FAULTLINE_USAGE', `--grep ${args.grep ?? ''} is not a valid regular expression`);
      }
      const { validatePaths } = await import('../../scenario/load.js');
      const report = await validatePaths(args.paths);
      if (!report.ok) throw new ScenarioError(report.issues, report.sources);
      if (report.suites.length !== 1) {
        throw new FaultlineError('FAULTLINE_USAGE', `the paths name ${report.suites.length} suites; run one suite at a time`, { hint: 'name one suite folder or file' });
      }
      const loaded = report.suites[0] as NonNullable<(typeof report.suites)[0]>;
      const { parseShard, shardScenarios } = await import('../../run/shard.js');
      const shard = args.shard === undefined ? null : parseShard(args.shard);
      const { resolveRelease } = await import('../../report/release.js');
      const release = await resolveRelease({ flag: args.release, env: process.env['FAULTLINE_RELEASE'], suite: loaded.suite.release, cwd: loaded.suite.dir });
      const runId = `${stamp()}-${randomBytes(2).toString('hex')}`;
      const reportsRoot = path.resolve('reports');
      const outDir = path.resolve(args.out ?? path.join(reportsRoot, release.release, runId));

      const interrupt = new AbortController();
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        signals++;
        if (signals === 1) {
          process.stderr.write(`\n${signal}: reverting every fault and stopping every process (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to exit at once)\n`);
          interrupt.abort();
        } else {
          process.stderr.write(`${signal} again: exiting now; the watchdog stops what is left\n`);
          process.exit(ExitCode.INTERRUPTED);
        }
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);

      const { runSuite } = await import('../../run/suite-run.js');
      const { consoleReporter } = await import('../run-output.js');
      const output = consoleReporter(process.stdout, { live: process.stdout.isTTY && process.env['CI'] === undefined });
      process.stdout.write(`faultline run: suite ${loaded.suite.name}, release ${release.release} (${release.from})${shard === null ? '' : `, shard ${shard.index}/${shard.total}`}, output in ${outDir}\n`);
      const startedAt = new Date();
      const started = performance.now();
      try {
        const result = await runSuite({
          loaded,
          outDir,
          interrupt: interrupt.signal,
          report: output,
          ...(grep === undefined ? {} : { grep }),
          ...(args.tag === undefined ? {} : { tags: args.tag }),
          ...(shard === null ? {} : { pick: (selected) => shardScenarios(selected, shard), allowEmpty: true }),
        });
        output.done();
        if (result.cleanupFailures.length > 0) {
          for (const failure of result.cleanupFailures) process.stderr.write(`cleanup failed: ${failure.label}: ${failure.error instanceof Error ? failure.error.message : String(failure.error)}\n`);
          process.exitCode = ExitCode.CLEANUP_FAILED;
        } else if (result.interrupted) {
          process.exitCode = ExitCode.INTERRUPTED;
        }
        const { fileRunReport } = await import('../file-report.js');
        const filed = await fileRunReport({ loaded, result, runId, release, shard, startedAt, durationMs: performance.now() - started, outDir, reportsRoot: args.out === undefined ? reportsRoot : null });
        process.stdout.write(filed.summary);
        for (const failure of filed.failures) process.stderr.write(`report: could not write ${failure.file}: ${failure.error}\n`);
        // An expectation that failed, or could not be decided, fails the run (after cleanup and interrupt, which say more).
        if (process.exitCode === undefined && filed.report.run.verdict !== 'pass') process.exitCode = shard !== null && filed.report.scenarios.length === 0 && !result.interrupted ? ExitCode.OK : ExitCode.EXPECTATION_FAILED;
        if (process.exitCode === undefined && filed.failures.length > 0) process.exitCode = ExitCode.INFRASTRUCTURE;
      } finally {
        output.done();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    },
  );
}

function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}
