import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Argv } from 'yargs';
import { FaultlineError } from '../../errors.js';

interface MergeArgs {
  dirs: string[];
  out: string;
}

/**
 * `faultline merge`: the shards' reports of one sharded run as one report. Exit 0 once merged
 * (the merged verdict is printed, not acted on: each shard's own run already gated on it), 2
 * when the shards do not belong together.
 */
export function mergeCommand(yargs: Argv): Argv {
  return yargs.command<MergeArgs>(
    'merge <dirs..>',
    'Merge the reports of a sharded run (--shard i/n on several machines) into one report',
    (y) =>
      y
        .positional('dirs', { type: 'string', array: true, default: undefined, describe: 'Each shard\'s report.json or run folder' })
        .option('out', { type: 'string', demandOption: true, describe: 'Folder for the merged report.json, junit.xml, summary.md and report.html (created if needed; not a shard\'s own folder)' })
        .example('$0 merge shard-1 shard-2 shard-3 --out reports/v1.5.0/merged', 'one report from three shards\' run folders')
        .epilogue(
          [
            'The shards must share suite, release, commit, seed and schema version, and no scenario may be in two of them. The merged report keeps each scenario as its shard reported it (its recording and log paths now point into the shard folders) and recomputes the run\'s verdict, score and counts.',
            'Exit codes: 0 merged, whatever the merged verdict (it is informational here: gate on the shards\' own runs, or on `faultline compare --fail-on-regression`); 2 bad input (a missing or invalid report, shards that do not belong together).',
          ].join('\n\n'),
        ),
    async (args) => {
      // Loaded on use: reading a report pulls in zod.
      const { locateReport } = await import('../../report/read.js');
      const { mergeReports } = await import('../../report/merge.js');
      const { appendStepSummary, writeReportFiles } = await import('../../report/write.js');
      const loaded = [];
      for (const dir of args.dirs) loaded.push(await locateReport(dir));
      const outDir = path.resolve(args.out);
      const own = loaded.find((l) => l.dir === outDir);
      if (own !== undefined) {
        throw new FaultlineError('FAULTLINE_USAGE', `--out ${args.out} is the folder of the shard report ${own.file}`, { hint: 'merge into a folder of its own, e.g. --out reports/<release>/merged' });
      }
      const report = mergeReports(loaded, outDir, runId());
      const file = path.join(outDir, 'report.json');
      let written;
      try {
        written = await writeReportFiles(outDir, report);
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        throw new FaultlineError('FAULTLINE_USAGE', `cannot write the merged report to "${file}": ${reason}`, { hint: 'pick a folder you can write to' });
      }
      for (const failure of written.failures) process.stderr.write(`merge: could not write ${failure.file}: ${failure.error}\n`);
      if (written.files.includes('summary.md')) await appendStepSummary(outDir);
      const { run, summary } = report;
      process.stdout.write(
        `merged ${loaded.length} report${loaded.length === 1 ? '' : 's'} (${run.mergedFrom.join(', ')}) into ${file} (+ ${written.files.filter((f) => f !== 'report.json').join(', ')}): ` +
          `${summary.scenarios.total} scenarios, ${summary.scenarios.passed} passed, ${summary.scenarios.failed} failed, ${summary.scenarios.inconclusive} inconclusive; ` +
          `verdict ${run.verdict} (${run.reason}), score ${run.score ?? 'none'}\n`,
      );
    },
  );
}

/** "merge-20261125-201619-3fa2": sortable, and says what made it. */
function runId(): string {
  return `merge-${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-${randomBytes(2).toString('hex')}`;
}
