#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { FaultlineError, exitCodeFor, formatError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { VERSION } from '../version.js';
import { ScenarioError, formatIssues } from '../scenario/scenario-error.js';
import { compareCommand } from './commands/compare.js';
import { mergeCommand } from './commands/merge.js';
import { reportCommand } from './commands/report.js';
import { rulesCommand } from './commands/rules.js';
import { runCommand } from './commands/run.js';
import { schemaCommand } from './commands/schema.js';
import { toxiproxyCommand } from './commands/toxiproxy.js';
import { validateCommand } from './commands/validate.js';

/**
 * The `faultline` command: `run`, `validate`, `schema`, `rules`, `toxiproxy`, `report`, `compare`
 * and `merge`. A command it does not know is a usage error (exit 2), never a silent success.
 */
const KNOWN_COMMANDS = new Set(['run', 'validate', 'schema', 'rules', 'toxiproxy', 'report', 'compare', 'merge']);

async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = ExitCode.OK;
  const parser = [runCommand, validateCommand, schemaCommand, rulesCommand, toxiproxyCommand, reportCommand, compareCommand, mergeCommand]
    .reduce((y, command) => command(y), yargs(argv))
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
      if (command !== undefined && !KNOWN_COMMANDS.has(String(command))) {
        throw new FaultlineError('FAULTLINE_USAGE', `unknown command "${String(command)}"`, { hint: 'run `faultline --help` for the commands' });
      }
      return true;
    })
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
  try {
    await parser.parseAsync();
  } catch (error) {
    if (error instanceof ScenarioError) process.stderr.write(`${formatIssues(error.issues, error.sources)}\n\n`);
    process.stderr.write(`${formatError(error)}\n`);
    exitCode = exitCodeFor(error);
  }
  // A command may have set its own code (e.g. 130 after Ctrl-C).
  return exitCode === ExitCode.OK && typeof process.exitCode === 'number' ? process.exitCode : exitCode;
}

process.exitCode = await main(hideBin(process.argv));
