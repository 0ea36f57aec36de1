import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { execa, type ResultPromise } from 'execa';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const AGENT_MAIN = `${ROOT}dist/harness/agent/main.js`;
export const UPSTREAM_MAIN = `${ROOT}dist/harness/upstream/main.js`;
export const CLI_MAIN = `${ROOT}dist/src/cli/main.js`;

export interface Started {
  process: ResultPromise<{ buffer: false; reject: false; stdin: 'ignore' }>;
  pid: number;
  port: number;
  url: string;
  /** Every stdout and stderr line so far, for assertions and failure messages. */
  lines: string[];
  /** Resolves with the exit code (or null) and signal once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first line matching `predicate`, or rejects at the deadline / on exit. */
  waitForLine(predicate: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const running = new Set<Started>();

/**
 * Starts a built harness program (agent or upstream) and waits for its
 * {"event":"listening"} line, racing early exit against a generous deadline.
 */
export async function startProgram(
  main: string,
  env: Record<string, string | undefined>,
  timeoutMs = 15_000,
  options: {
    /** Shell commands run before `exec node main` (e.g. resource limits). */
    shell?: string;
    /** Arguments after the script. */
    args?: string[];
  } = {},
): Promise<Started> {
  const extra = options.args ?? [];
  const [file, args] =
    options.shell === undefined ? ['node', [main, ...extra]] : ['bash', ['-c', `${options.shell} exec node "$0" "$@"`, main, ...extra]];
  const child = execa(file, args, {
    env: { AGENT_LOG_LEVEL: 'warn', ...env },
    extendEnv: true,
    buffer: false,
    reject: false,
    stdin: 'ignore',
  });
  const lines: string[] = [];
  const listeners = new Set<(line: string) => void>();
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      for (const listener of listeners) listener(line);
    });
  }
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));

  const waitForLine = (predicate: (line: string) => boolean, waitMs = timeoutMs): Promise<string> => {
    const seen = lines.find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`no matching line within ${waitMs} ms; output:\n${lines.join('\n')}`)), waitMs);
      const listener = (line: string): void => {
        if (predicate(line)) finish(undefined, line);
      };
      const finish = (error?: Error, line?: string): void => {
        clearTimeout(timer);
        listeners.delete(listener);
        if (error !== undefined) reject(error);
        else resolve(line as string);
      };
      listeners.add(listener);
      void exited.then(({ code, signal }) => finish(new Error(`process exited (code ${code}, signal ${signal}) before the line; output:\n${lines.join('\n')}`)));
    });
  };

  const listening = await waitForLine((line) => line.includes('"event":"listening"'));
  const { port } = JSON.parse(listening) as { port: number };
  const started: Started = {
    process: child,
    pid: child.pid as number,
    port,
    url: `http://127.0.0.1:${port}`,
    lines,
    exited,
    waitForLine,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      running.delete(started);
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  running.add(started);
  return started;
}

export const startAgent = (env: Record<string, string | undefined> = {}): Promise<Started> => startProgram(AGENT_MAIN, env);
export const startUpstream = (env: Record<string, string | undefined> = {}): Promise<Started> => startProgram(UPSTREAM_MAIN, env);

/** Kills everything a test started; call from afterEach/afterAll. */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.kill('SIGKILL')));
}

/** Polls `probe` until it returns a value other than undefined, or throws at the deadline. */
export async function pollUntil<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last === undefined ? '' : ` (last error: ${last instanceof Error ? last.message : JSON.stringify(last)})`}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
