import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { KNOWN_COMMANDS } from '../../src/cli/parser.js';
import { CLI_MAIN, ROOT } from '../helpers/processes.js';

/**
 * The --help audit: the built CLI lists exactly the commands it knows, and every one of them
 * answers `--help` with its usage and at least one example of itself; --version and -v print
 * package.json's version.
 */

const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string };
const faultline = (...args: string[]) => execa('node', [CLI_MAIN, ...args], { reject: false, timeout: 30_000, env: { COLUMNS: '100' } });

/** The lines of a help section, up to the next blank line. */
function section(help: string, title: string): string[] {
  const lines = help.split('\n');
  const start = lines.indexOf(`${title}:`);
  if (start === -1) return [];
  const end = lines.findIndex((line, i) => i > start && line.trim() === '');
  return lines.slice(start + 1, end === -1 ? undefined : end);
}

describe('faultline --help', () => {
  it('lists exactly the known commands, with examples of its own', async () => {
    const result = await faultline('--help');
    expect(result.exitCode, result.stderr).toBe(0);
    const listed = section(result.stdout, 'Commands').flatMap((line) => /^ {2}faultline (\w+)/.exec(line)?.[1] ?? []);
    expect(listed.sort()).toEqual([...KNOWN_COMMANDS].sort());
    expect(section(result.stdout, 'Examples').filter((line) => line.startsWith('  faultline ')).length).toBeGreaterThanOrEqual(2);
  });

  it.each(KNOWN_COMMANDS.map((c) => [c]))('faultline %s --help: exit 0, its usage, and an Examples: section with the command', async (command) => {
    const result = await faultline(command, '--help');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n')[0]).toMatch(new RegExp(`^faultline ${command}\\b`));
    const examples = section(result.stdout, 'Examples').filter((line) => line.startsWith(`  faultline ${command}`));
    expect(examples.length, result.stdout).toBeGreaterThanOrEqual(1);
  });

  it.each([['--version'], ['-v']])('faultline %s prints package.json\'s version', async (flag) => {
    const result = await faultline(flag);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(pkg.version);
  });
});
