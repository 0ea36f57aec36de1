#!/usr/bin/env node
import { hideBin } from 'yargs/helpers';
import { exitCodeFor, formatError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { ScenarioError, formatIssues } from '../scenario/scenario-error.js';
import { buildParser } from './parser.js';

/** The `faultline` bin: parses (parser.ts), runs the command, and maps what it threw to one message and an exit code. */
async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = ExitCode.OK;
  try {
    await buildParser(argv).parseAsync();
  } catch (error) {
    if (error instanceof ScenarioError) process.stderr.write(`${formatIssues(error.issues, error.sources)}\n\n`);
    process.stderr.write(`${formatError(error)}\n`);
    exitCode = exitCodeFor(error);
  }
  // A command may have set its own code (e.g. 130 after Ctrl-C).
  return exitCode === ExitCode.OK && typeof process.exitCode === 'number' ? process.exitCode : exitCode;
}

process.exitCode = await main(hideBin(process.argv));
