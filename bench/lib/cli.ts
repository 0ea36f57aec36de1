import { parseArgs } from 'node:util';

/**
 * The command line every bench shares: `--quick` for a short smoke run, `--help`. Returns the
 * profile to run, or undefined when there is nothing to run (help printed, or bad arguments:
 * exit code 2 is set).
 */
export function parseBenchCli<P>(usage: string, profiles: { quick: P; full: P }): P | undefined {
  let values: { quick: boolean; help: boolean };
  try {
    ({ values } = parseArgs({
      options: { quick: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n${usage}`);
    process.exitCode = 2;
    return undefined;
  }
  if (values.help) {
    process.stdout.write(usage);
    return undefined;
  }
  return values.quick ? profiles.quick : profiles.full;
}
