import yargs, { type Argv } from 'yargs';
import { FaultlineError } from '../errors.js';
import { VERSION } from '../version.js';
import { compareCommand } from './commands/compare.js';
import { mergeCommand } from './commands/merge.js';
import { reportCommand } from './commands/report.js';
import { rulesCommand } from './commands/rules.js';
import { runCommand } from './commands/run.js';
import { schemaCommand } from './commands/schema.js';
import { toxiproxyCommand } from './commands/toxiproxy.js';
import { validateCommand } from './commands/validate.js';

/**
 * The `faultline` command line: `run`, `validate`, `schema`, `rules`, `toxiproxy`, `report`,
 * `compare` and `merge`. A command it does not know is a usage error (exit 2), never a silent
 * success. main.ts runs it; tests parse with it.
 */
export const KNOWN_COMMANDS: readonly string[] = ['run', 'validate', 'schema', 'rules', 'toxiproxy', 'report', 'compare', 'merge'];

const COMMANDS = [runCommand, validateCommand, schemaCommand, rulesCommand, toxiproxyCommand, reportCommand, compareCommand, mergeCommand];

/** Thrown instead of running a command when the parser is built with `dryRun`: the arguments parsed and passed every check. */
export class DryRunParsed extends Error {
  override name = 'DryRunParsed';
  constructor(readonly args: Record<string, unknown>) {
    super('parsed (dry run)');
  }
}

export interface ParserOptions {
  /** Parse and check the arguments, then throw DryRunParsed instead of running the command. Default false. */
  dryRun?: boolean;
}

export function buildParser(argv: readonly string[], options: ParserOptions = {}): Argv {
  const known = new Set(KNOWN_COMMANDS);
  let parser = COMMANDS.reduce((y, command) => command(y), yargs(argv))
    .scriptName('faultline')
    .usage('$0 <command> [options]\n\nChaos testing for Node.js services: faults on a timeline, SLO and burn-rate verdicts, resilience reports per release.')
    .version(VERSION)
    .alias('v', 'version')
    .help('help')
    .alias('h', 'help')
    .strict()
    .demandCommand(1, 'Name a command; `faultline --help` lists them.')
    .check((args) => {
      const [command] = args._;
      if (command !== undefined && !known.has(String(command))) {
        throw new FaultlineError('FAULTLINE_USAGE', `unknown command "${String(command)}"`, { hint: 'run `faultline --help` for the commands' });
      }
      return true;
    })
    .example('$0 validate scenarios', 'check the suite and scenario files without running anything')
    .example('$0 run --release v1.5.0', 'run scenarios/ and file its report under reports/v1.5.0/')
    .example('$0 compare reports/v1.4.0 reports/v1.5.0 --fail-on-regression', 'exit 1 when the new release regressed')
    .example('$0 run --help', 'the options of one command')
    .epilogue(
      [
        'Exit codes:',
        '  0    every expectation held',
        '  1    an expectation failed or was inconclusive',
        '  2    bad input (file, flag, schema)',
        '  3    infrastructure failed',
        '  4    cleanup failed (a fault may still be in effect)',
        '  130  interrupted',
      ].join('\n'),
    )
    .wrap(Math.min(100, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((message, error) => {
      // yargs reports its own usage errors (YError) here: one clear message, exit 2.
      // Errors raised by commands pass through untouched and keep their own exit code.
      if (error !== undefined && error !== null && error.name !== 'YError') throw error;
      throw new FaultlineError('FAULTLINE_USAGE', message ?? error?.message ?? 'bad usage', {
        hint: 'run `faultline --help` for the commands and options',
      });
    });
  if (options.dryRun === true) {
    // Global middleware runs after validation and before the command's handler.
    parser = parser.middleware((args) => {
      throw new DryRunParsed(args);
    });
  }
  return parser;
}
