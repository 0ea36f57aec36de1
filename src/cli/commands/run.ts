import type { Argv } from 'yargs';
import { ExitCode } from '../../exit-codes.js';

interface RunArgs {
  paths: string[];
  grep?: string;
  tag?: string[];
  out?: string;
  release?: string;
  shard?: string;
}

/**
 * `faultline run`: the library's `run()` (src/api/run.ts) with flags in, console lines and an
 * exit code out. It loads the suite like `validate`, runs its scenarios one by one, files the
 * run's report under reports/<release>/<run-id>/ and prints the summary. The first SIGINT or
 * SIGTERM aborts the run gracefully; a second exits at once. Exit code: 0 all passed, 1 an
 * expectation failed or was inconclusive, 3 infrastructure, 4 cleanup failed, 130
 * interrupted (src/exit-codes.ts).
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

      const { run } = await import('../../api/run.js');
      const { consoleReporter } = await import('../run-output.js');
      const output = consoleReporter(process.stdout, { live: process.stdout.isTTY && process.env['CI'] === undefined });
      try {
        const result = await run({
          paths: args.paths,
          signal: interrupt.signal,
          ...(args.grep === undefined ? {} : { grep: args.grep }),
          ...(args.tag === undefined ? {} : { tags: args.tag }),
          ...(args.release === undefined ? {} : { release: args.release }),
          ...(args.shard === undefined ? {} : { shard: args.shard }),
          ...(args.out === undefined ? {} : { out: args.out }),
          onProgress: (event) => {
            switch (event.type) {
              case 'run-start': {
                // Handlers only once the suite is loaded: a Ctrl-C while loading just ends the process.
                process.on('SIGINT', onSignal);
                process.on('SIGTERM', onSignal);
                const { shard, release } = event;
                process.stdout.write(`faultline run: suite ${event.suite}, release ${release.release} (${release.from})${shard === null ? '' : `, shard ${shard.index}/${shard.total}`}, output in ${event.outDir}\n`);
                return;
              }
              case 'run-end':
                output.done();
                for (const failure of event.cleanupFailures) process.stderr.write(`cleanup failed: ${failure}\n`);
                return;
              default:
                output(event);
            }
          },
        });
        process.stdout.write(result.summary);
        for (const failure of result.reportFailures) process.stderr.write(`report: could not write ${failure.file}: ${failure.error}\n`);
        if (result.exitCode !== ExitCode.OK) process.exitCode = result.exitCode;
      } finally {
        output.done();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    },
  );
}
