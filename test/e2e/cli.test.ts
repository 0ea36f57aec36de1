import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLI_MAIN, ROOT } from '../helpers/processes.js';

const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string; bin: Record<string, string> };

const faultline = (...args: string[]) => execa('node', [CLI_MAIN, ...args], { reject: false, timeout: 30_000 });

describe('faultline CLI', () => {
  it('the package bin points at the built CLI', () => {
    expect(`${ROOT}${pkg.bin.faultline}`).toBe(CLI_MAIN);
  });

  it('--version prints the package version', async () => {
    const result = await faultline('--version');
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(pkg.version);
  });

  it('--help describes the tool and its exit codes', async () => {
    const result = await faultline('--help');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('faultline <command>');
    expect(result.stdout).toMatch(/^ {2}2 +bad input/m);
  });

  it.each([[['bogus']], [[]]])('usage errors (%j) exit 2 with a hint and no stack trace', async (args) => {
    const result = await faultline(...args);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^error: /);
    expect(result.stderr).toMatch(/^hint: /m);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('npm run chaos (agent smoke check)', () => {
  it('starts upstream and agent, passes every check, and leaves no process behind', async () => {
    const result = await execa('node', [`${ROOT}dist/harness/smoke.js`], { reject: false, timeout: 60_000 });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^5 passed, 0 failed$/m);
    // Every started process was stopped: nothing is still listening on the ports it printed.
    const ports = [...result.stdout.matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
    expect(ports).toHaveLength(2);
    const { connect } = await import('node:net');
    for (const port of ports) {
      const refused = await new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.on('connect', () => {
          socket.destroy();
          resolve(false);
        });
        socket.on('error', () => resolve(true));
      });
      expect(refused, `port ${port} still open`).toBe(true);
    }
  });
});
