import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Argv } from 'yargs';
import { FaultlineError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import type { ScenarioVerdict } from '../../judge/judge.js';
import { ScenarioError } from '../../scenario/scenario-error.js';

interface RunArgs {
  paths: string[];
  grep?: string;
  tag?: string[];
  out?: string;
}

/**
 * `faultline run`: loads the suite like `validate`, then runs its scenarios one by one and
 * writes a Recording per scenario. Until the judge exists, the exit code says only whether
 * the run itself worked: 0, 3 (infrastructure), 4 (cleanup failed), 130 (interrupted).
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
        .option('out', { type: 'string', describe: 'Output folder for logs and recordings (default reports/runs/<time>-<id>)' })
        .example('$0 run', 'every scenario of scenarios/')
        .example('$0 run scenarios/process-kill.yaml --out /tmp/run1', 'one scenario, output in /tmp/run1'),
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
      const outDir = path.resolve(args.out ?? path.join('reports', 'runs', `${stamp()}-${randomBytes(2).toString('hex')}`));

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
      process.stdout.write(`faultline run: suite ${loaded.suite.name}, output in ${outDir}\n`);
      try {
        const result = await runSuite({ loaded, outDir, interrupt: interrupt.signal, report: output, ...(grep === undefined ? {} : { grep }), ...(args.tag === undefined ? {} : { tags: args.tag }) });
        output.done();
        if (result.cleanupFailures.length > 0) {
          for (const failure of result.cleanupFailures) process.stderr.write(`cleanup failed: ${failure.label}: ${failure.error instanceof Error ? failure.error.message : String(failure.error)}\n`);
          process.exitCode = ExitCode.CLEANUP_FAILED;
        } else if (result.interrupted) {
          process.exitCode = ExitCode.INTERRUPTED;
        }
        if (result.recordings.length > 0) process.stdout.write(verdictTable(result.recordings.map((r) => r.verdict)));
        const count = (v: string) => result.recordings.filter((r) => r.verdict.verdict === v).length;
        process.stdout.write(`${result.recordings.length} scenario${result.recordings.length === 1 ? '' : 's'}: ${count('pass')} passed, ${count('fail')} failed, ${count('inconclusive')} inconclusive; recordings and verdicts in ${outDir}\n`);
        // An expectation that failed, or could not be decided, fails the run (after cleanup and interrupt, which say more).
        if (process.exitCode === undefined && (count('fail') > 0 || count('inconclusive') > 0)) process.exitCode = ExitCode.EXPECTATION_FAILED;
      } finally {
        output.done();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    },
  );
}

/** The end-of-run table: a row per scenario with its verdict, assertions, and MTTD/MTTR per fault. */
function verdictTable(verdicts: readonly ScenarioVerdict[]): string {
  const s = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(1)}s`);
  const rows = verdicts.map((v) => [
    v.scenario,
    v.verdict.toUpperCase(),
    `${v.assertions.filter((a) => a.verdict === 'pass').length}/${v.assertions.length}`,
    v.faults.map((f) => s(f.mttdMs)).join(' ') || '-',
    v.faults.map((f) => s(f.mttrMs)).join(' ') || '-',
  ]);
  const header = ['scenario', 'verdict', 'passed', 'MTTD', 'MTTR'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}\n`;
  return `\n${line(header)}${rows.map(line).join('')}\n`;
}

function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}
