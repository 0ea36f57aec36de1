import path from 'node:path';
import type { Argv } from 'yargs';
import { FaultlineError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { writeFileAtomic } from '../../fs-atomic.js';

interface CompareArgs {
  base: string;
  head: string;
  failOnRegression: boolean;
  tolerance?: string[];
  format: 'text' | 'markdown' | 'json';
  out?: string;
}

/**
 * `faultline compare`: what got worse or better between two reports, per scenario. Exit 0,
 * or 1 with --fail-on-regression when a scenario regressed; 2 for bad input.
 */
export function compareCommand(yargs: Argv): Argv {
  return yargs.command<CompareArgs>(
    'compare <base> <head>',
    'Compare two reports: verdicts, scores, MTTD/MTTR and SLIs per scenario, regressions first',
    (y) =>
      y
        .positional('base', { type: 'string', demandOption: true, describe: 'The reference: a report.json, a run folder, or a release folder (its latest run)' })
        .positional('head', { type: 'string', demandOption: true, describe: 'The candidate, named the same ways' })
        .option('fail-on-regression', { type: 'boolean', default: false, describe: 'Exit 1 when any scenario regressed' })
        .option('tolerance', {
          type: 'string',
          array: true,
          describe: 'How far a figure may move before it counts (repeatable): mttd/mttr=<pct>%,<duration> (default 20%,500ms: both must be exceeded), sli=<n>pp (default 0.1pp), score=<points> (default 5)',
        })
        .option('format', { choices: ['text', 'markdown', 'json'] as const, default: 'text' as const, describe: 'text: a console table; markdown: a pull-request comment; json: the whole comparison' })
        .option('out', { type: 'string', describe: 'Write the output here (atomically) instead of printing it' })
        .example('$0 compare reports/v1.4.0 reports/v1.5.0', 'the latest run of each release')
        .example('$0 compare base/report.json head/report.json --fail-on-regression', 'gate a pull request: exit 1 on a regression')
        .example('$0 compare a b --tolerance mttr=50%,1s --tolerance sli=0.5pp --format markdown --out compare.md', 'looser bounds, a PR comment in compare.md')
        .epilogue(
          [
            'A scenario regresses when its verdict gets worse (pass → inconclusive → fail), an MTTD or MTTR grows by more than both its bounds or becomes "never", an SLI drops by more than its bound in percentage points, or its score drops by more than its bound. Improvements are the mirror image. Scenarios in one report only are shown, never counted as regressions.',
            'Exit codes: 0 compared (no regression, or no --fail-on-regression); 1 a scenario regressed and --fail-on-regression was given; 2 bad input (file, flag, tolerance).',
          ].join('\n\n'),
        ),
    async (args) => {
      const { parseTolerances } = await import('../../report/tolerances.js');
      // Flags first: a typo in a tolerance fails before any file is read.
      const tolerances = parseTolerances(args.tolerance ?? []);
      // Loaded on use: reading a report pulls in zod.
      const { locateReport } = await import('../../report/read.js');
      const { compareReports } = await import('../../report/compare.js');
      const { compareSummary, renderCompareMarkdown, renderCompareText } = await import('../../report/compare-render.js');
      const base = await locateReport(args.base);
      const head = await locateReport(args.head);
      const comparison = compareReports(base.report, head.report, tolerances);
      const text = args.format === 'json' ? `${JSON.stringify(comparison, null, 2)}\n` : args.format === 'markdown' ? renderCompareMarkdown(comparison) : renderCompareText(comparison);
      if (args.out === undefined) {
        process.stdout.write(text);
      } else {
        try {
          await writeFileAtomic(path.resolve(args.out), text);
        } catch (error) {
          const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
          throw new FaultlineError('FAULTLINE_USAGE', `cannot write the comparison to "${args.out}": ${reason}`, { hint: 'pick a file in a folder you can write to' });
        }
        process.stdout.write(`${compareSummary(comparison)}; wrote ${args.out}\n`);
      }
      if (args.failOnRegression && comparison.regressed) process.exitCode = ExitCode.EXPECTATION_FAILED;
    },
  );
}
