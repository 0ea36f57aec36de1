import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { onCleanup } from './cleanup.js';

/** The only interface the benchmark lets a child bind to or talks to. */
export const LOOPBACK = '127.0.0.1';

/** Bytes of output kept per child for error messages; everything else is discarded. */
const TAIL_BYTES = 8 * 1024;
const START_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5_000;
const KILL_WAIT_MS = 2_000;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StopResult extends ExitInfo {
  /** True when the child exited on SIGTERM by itself, false when it had to be SIGKILLed. */
  graceful: boolean;
}

export interface Program {
  name: string;
  pid: number;
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
  /** The last few KB of stdout + stderr, for diagnostics. */
  tail(): string;
  /** SIGTERM, then SIGKILL after a grace period; resolves once the child is gone. */
  stop(): Promise<StopResult>;
}

interface ListeningLine {
  event: 'listening';
  host: string;
  port: number;
}

/**
 * Environment for a child: the parent's, minus every AGENT_* / UPSTREAM_* variable a developer
 * may have exported (a stray AGENT_BUG would silently change what is measured), plus `env`.
 */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('AGENT_') && !key.startsWith('UPSTREAM_')) clean[key] = value;
  }
  return { ...clean, ...env };
}

/**
 * Starts `node <main>` and resolves once it printed {"event":"listening",...} on 127.0.0.1.
 *
 * The child's stdout must be drained for its whole life: the upstream writes one line per
 * request, and a writer whose pipe nobody reads either blocks or buffers without bound
 * (which one depends on the kind of pipe), so the benchmark would end up measuring the pipe.
 * Lines are parsed only until the listening line; after that only a short tail is kept, so
 * draining costs the benchmark process little.
 */
export async function startProgram(name: string, main: string, env: Record<string, string>): Promise<Program> {
  if (!existsSync(main)) throw new Error(`${main} does not exist; run \`npm run build\` first`);
  const child = spawn(process.execPath, [main], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<ExitInfo>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const forget = onCleanup(() => {
    if (isRunning(child)) child.kill('SIGKILL');
  });
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
  };
  child.stderr?.on('data', keep);
  try {
    const listening = await waitForListening(child, exited, keep, () => tail);
    if (listening.host !== LOOPBACK) throw new Error(`${name} listens on ${listening.host}, expected ${LOOPBACK}`);
    return {
      name,
      pid: child.pid ?? -1,
      port: listening.port,
      url: `http://${LOOPBACK}:${listening.port}`,
      tail: () => tail,
      stop: () => stopChild(child, exited).finally(forget),
    };
  } catch (error) {
    await stopChild(child, exited).finally(forget);
    throw new Error(`${name} did not start: ${(error as Error).message}\n--- ${name} output ---\n${tail}`, { cause: error });
  }
}

function waitForListening(
  child: ChildProcess,
  exited: Promise<ExitInfo>,
  keep: (chunk: Buffer) => void,
  tail: () => string,
): Promise<ListeningLine> {
  return new Promise<ListeningLine>((resolve, reject) => {
    let pending = '';
    let done = false;
    const finish = (error: Error | undefined, line?: ListeningLine): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // From here on stdout is only drained into the tail (see startProgram).
      child.stdout?.off('data', onData).on('data', keep);
      if (error !== undefined) reject(error);
      else resolve(line as ListeningLine);
    };
    const onData = (chunk: Buffer): void => {
      keep(chunk);
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const parsed = parseListening(line);
        if (parsed !== undefined) return finish(undefined, parsed);
      }
    };
    const timer = setTimeout(() => finish(new Error(`no listening line within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    child.stdout?.on('data', onData);
    child.once('error', (error) => finish(error));
    void exited.then(({ code, signal }) => finish(new Error(`exited (code ${code}, signal ${signal}) before listening; ${tail().length} bytes of output`)));
  });
}

function parseListening(line: string): ListeningLine | undefined {
  if (!line.includes('"event":"listening"')) return undefined;
  try {
    const value = JSON.parse(line) as Partial<ListeningLine>;
    if (value.event === 'listening' && typeof value.port === 'number' && typeof value.host === 'string') return value as ListeningLine;
  } catch {
    // A log line that merely mentions the event: keep looking.
  }
  return undefined;
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

async function stopChild(child: ChildProcess, exited: Promise<ExitInfo>): Promise<StopResult> {
  if (!isRunning(child)) return { ...(await exited), graceful: true };
  child.kill('SIGTERM');
  const polite = await raceTimeout(exited, STOP_GRACE_MS);
  if (polite !== undefined) return { ...polite, graceful: true };
  child.kill('SIGKILL');
  const forced = await raceTimeout(exited, KILL_WAIT_MS);
  return { ...(forced ?? { code: null, signal: 'SIGKILL' }), graceful: false };
}

async function raceTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
