import type { Argv } from 'yargs';
import { ScenarioError } from '../../scenario/scenario-error.js';

interface ValidateArgs {
  paths: string[];
  json: boolean;
}

/**
 * `faultline validate`: loads suites and scenarios exactly as `run` would, without running
 * anything; prints OK per file or every problem at once (exit 2).
 */
export function validateCommand(yargs: Argv): Argv {
  return yargs.command<ValidateArgs>(
    'validate [paths..]',
    'Check suite and scenario files without running them',
    (y) =>
      y
        .positional('paths', { type: 'string', array: true, default: ['scenarios'], describe: 'Files or folders (a folder: every faultline.yaml in it and its scenarios)' })
        .option('json', { type: 'boolean', default: false, describe: 'Print the result as JSON on stdout' })
        .example('$0 validate', 'check scenarios/ (its faultline.yaml and every scenario file)')
        .example('$0 validate scenarios/network-latency.yaml --json', 'one scenario, machine-readable'),
    async (args) => {
      // Loaded on use: the loader pulls in yaml and zod.
      const { validatePaths } = await import('../../scenario/load.js');
      const report = await validatePaths(args.paths);
      if (args.json) {
        const files = report.files.map((f) => ({ file: f.file, kind: f.kind, ok: f.issues.length === 0, issues: f.issues }));
        process.stdout.write(`${JSON.stringify({ ok: report.ok, problems: report.issues.length, files }, null, 2)}\n`);
        if (!report.ok) process.exitCode = 2;
        return;
      }
      for (const file of report.files) {
        if (file.issues.length === 0) process.stdout.write(`ok    ${file.file}\n`);
      }
      if (!report.ok) throw new ScenarioError(report.issues, report.sources);
      process.stdout.write(`${report.files.length} file${report.files.length === 1 ? '' : 's'} valid\n`);
    },
  );
}
