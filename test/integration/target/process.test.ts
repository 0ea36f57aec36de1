import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startClock } from '../../../src/clock.js';
import { FaultlineError } from '../../../src/errors.js';
import { ManagedProcess, type ProcessSpec } from '../../../src/target/process.js';
import { freePort } from '../../../src/target/ports.js';
import { pollUntil, ROOT } from '../../helpers/processes.js';

/** Processes the run starts: readiness, broken targets (exit 3 material), stop, process groups, the watchdog. */

const FIXTURES = path.join(ROOT, 'test/fixtures/targets');
let dir: string;
const started: ManagedProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'faultline-process-'));
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.kill('SIGKILL')));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function spec(name: string, script: string, overrides: Partial<ProcessSpec> = {}): ProcessSpec {
  return {
    name,
    command: [process.execPath, path.join(FIXTURES, script)],
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '' },
    ready: { kind: 'none', value: '', status: 200, timeoutMs: 10_000 },
    stop: { signal: 'SIGTERM', graceMs: 2_000 },
    logFile: path.join(dir, `${name}.log`),
    ...overrides,
  };
}

function managed(s: ProcessSpec): ManagedProcess {
  const p = new ManagedProcess(s, startClock(), undefined);
  started.push(p);
  return p;
}

const until = (condition: () => boolean, what: string, ms: number) => pollUntil(() => (condition() ? true : undefined), what, ms);

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function infrastructureError(promise: Promise<unknown>): Promise<FaultlineError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(FaultlineError.is(error), String(error)).toBe(true);
  const fe = error as FaultlineError;
  expect(fe.code).toBe('FAULTLINE_INFRASTRUCTURE');
  return fe;
}

describe('readiness and broken targets', () => {
  it('an http readiness check waits for the expected status', async () => {
    const port = await freePort();
    const p = managed(spec('web', 'ignores-sigterm.mjs', { env: { PORT: String(port) }, ready: { kind: 'http', value: `http://127.0.0.1:${port}/`, status: 200, timeoutMs: 10_000 } }));
    await p.start();
    expect(p.running).toBe(true);
  });

  it('a log readiness check waits for a matching line', async () => {
    const port = await freePort();
    const p = managed(spec('web', 'ignores-sigterm.mjs', { env: { PORT: String(port) }, ready: { kind: 'log', value: '"event":"listening"', status: 200, timeoutMs: 10_000 } }));
    await p.start();
    expect(p.tail.lines().join('\n')).toContain('listening');
  });

  it('command not found: a clear cause', async () => {
    const p = managed({ ...spec('ghost', 'never-ready.mjs'), command: ['faultline-no-such-program-xyz'] });
    const error = await infrastructureError(p.start());
    expect(error.message).toMatch(/command not found: faultline-no-such-program-xyz/);
  });

  it('exits-early: the exit and its last lines', async () => {
    const p = managed(spec('early', 'exits-early.mjs', { ready: { kind: 'tcp', value: '127.0.0.1:1', status: 200, timeoutMs: 10_000 } }));
    const error = await infrastructureError(p.start());
    expect(error.message).toMatch(/exited before it was ready \(code 3/);
    expect(error.message).toContain('cannot open config file');
    expect(error.hint).toContain('early.log');
  });

  it('never-ready: gives up at the deadline and leaves nothing running', async () => {
    const p = managed(spec('slow', 'never-ready.mjs', { ready: { kind: 'tcp', value: '127.0.0.1:1', status: 200, timeoutMs: 1_000 } }));
    const error = await infrastructureError(p.start());
    expect(error.message).toMatch(/was not ready within 1000 ms \(waiting for 127\.0\.0\.1:1 to accept a connection\)/);
    expect(p.running).toBe(false);
  });

  it('port-taken: the bind error from the target itself', async () => {
    const blocker: Server = createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
    try {
      const p = managed(spec('bind', 'port-taken.mjs', { env: { PORT: String(port) }, ready: { kind: 'http', value: `http://127.0.0.1:${port}/health`, status: 200, timeoutMs: 10_000 } }));
      const error = await infrastructureError(p.start());
      expect(error.message).toMatch(/EADDRINUSE/);
    } finally {
      blocker.close();
    }
  });
});

describe('stopping', () => {
  it('escalates to SIGKILL after the grace when SIGTERM is ignored', async () => {
    const port = await freePort();
    const p = managed(spec('stubborn', 'ignores-sigterm.mjs', { env: { PORT: String(port) }, ready: { kind: 'tcp', value: `127.0.0.1:${port}`, status: 200, timeoutMs: 10_000 }, stop: { signal: 'SIGTERM', graceMs: 500 } }));
    await p.start();
    const { exit, escalated } = await p.stop();
    expect(escalated).toBe(true);
    expect(exit?.signal).toBe('SIGKILL');
    expect(exit?.expected).toBe(true);
  });

  it('a stop reaches the whole process group (a forked child dies too)', async () => {
    const port = await freePort();
    const pidFile = path.join(dir, 'child.pid');
    const p = managed(spec('forks', 'forks-child.mjs', { env: { PORT: String(port), CHILD_PID_FILE: pidFile }, ready: { kind: 'tcp', value: `127.0.0.1:${port}`, status: 200, timeoutMs: 10_000 } }));
    await p.start();
    const child = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(child)).toBe(true);
    const { exit, escalated } = await p.stop();
    expect(escalated).toBe(false);
    expect(exit?.code).toBe(0);
    await until(() => !alive(child), 'the forked child to die', 5_000);
  });

  it('an unexpected exit is reported as not expected', async () => {
    const port = await freePort();
    const exits: boolean[] = [];
    const p = new ManagedProcess(spec('victim', 'ignores-sigterm.mjs', { env: { PORT: String(port) }, ready: { kind: 'tcp', value: `127.0.0.1:${port}`, status: 200, timeoutMs: 10_000 } }), startClock(), undefined, { exited: (info) => exits.push(info.expected) });
    started.push(p);
    await p.start();
    process.kill(p.pid as number, 'SIGKILL');
    await until(() => exits.length === 1, 'the exit event', 5_000);
    expect(exits).toEqual([false]);
  });
});

describe('the watchdog', () => {
  it('kills every process group of a runner that was SIGKILLed, within 5 s', async () => {
    const port = await freePort();
    const pidFile = path.join(dir, 'wd-child.pid');
    const runner = execa('node', [path.join(ROOT, 'test/fixtures/watchdog-runner.mjs'), String(port), pidFile, path.join(dir, 'wd.log')], { cwd: ROOT, reject: false, buffer: false, stdout: 'pipe' });
    const line = await new Promise<string>((resolve, reject) => {
      runner.stdout?.on('data', (chunk: Buffer) => resolve(chunk.toString()));
      void runner.then(() => reject(new Error('runner exited early')));
    });
    const pids = JSON.parse(line) as { runner: number; target: number; watchdog: number };
    const child = Number(readFileSync(pidFile, 'utf8'));
    expect([pids.target, child, pids.watchdog].every(alive)).toBe(true);
    runner.kill('SIGKILL');
    await runner;
    await until(() => !alive(pids.target) && !alive(child), 'the target and its child to be killed by the watchdog', 5_000);
    await until(() => !alive(pids.watchdog), 'the watchdog to exit', 5_000);
  });
});
