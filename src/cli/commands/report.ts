import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Argv } from 'yargs';
import { ExitCode } from '../../exit-codes.js';

interface ReportArgs {
  report: string;
  out?: string;
}

/**
 * `faultline report`: re-renders every format from a report.json, offline, without re-running
 * anything: JUnit and Markdown come out byte-identical to the run's, HTML differs only in its
 * generation stamp. Exit 0 once written (the verdict is in the files; `compare` gates CI).
 */
export function reportCommand(yargs: Argv): Argv {
  return yargs.command<ReportArgs>(
    'report <report>',
    'Re-render junit.xml, summary.md and report.html from a report.json (offline)',
    (y) =>
      y
        .positional('report', { type: 'string', demandOption: true, describe: 'A report.json, or a run folder (or a release folder: its latest run)' })
        .option('out', { type: 'string', describe: "Write into this folder (with a copy of report.json) instead of beside the report" })
        .example('$0 report reports/v1.5.0/20261125-201500-ab12/report.json', 're-render a run\'s reports in place')
        .example('$0 report reports/v1.5.0 --out /tmp/view', 'the latest run of a release, rendered into /tmp/view'),
    async (args) => {
      const { locateReport } = await import('../../report/read.js');
      const { writeReportFiles } = await import('../../report/write.js');
      const { renderConsoleSummary } = await import('../../report/console.js');
      const loaded = await locateReport(args.report);
      const dir = args.out === undefined ? loaded.dir : path.resolve(args.out);
      if (dir !== loaded.dir) {
        await mkdir(dir, { recursive: true });
        await copyFile(loaded.file, path.join(dir, 'report.json'));
      }
      const written = await writeReportFiles(dir, loaded.report, { json: false });
      for (const failure of written.failures) process.stderr.write(`report: could not write ${failure.file}: ${failure.error}\n`);
      const shown = path.relative(process.cwd(), dir);
      process.stdout.write(renderConsoleSummary(loaded.report, { dir: shown === '' || shown.startsWith('..') ? dir : shown, files: ['report.json', ...written.files] }));
      if (written.failures.length > 0) process.exitCode = ExitCode.INFRASTRUCTURE;
    },
  );
}
