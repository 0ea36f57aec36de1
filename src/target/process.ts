import { createWriteStream, type WriteStream } from 'node:fs';
import { execa, type ResultPromise } from 'execa';
import type { Clock } from '../clock.js';
import { FaultlineError } from '../errors.js';
import { LogTail } from './log-tail.js';
import { describeReady, probeReady, type ReadySpec } from './readiness.js';
import type { Watchdog } from './watchdog.js';

/**
 * One process the run starts (a service or the target): spawned with execa in its own process
 * group (so a signal reaches the children it forks too), output appended to its log file,
 * readiness raced against an early exit and a deadline, stopped with its signal and then
 * SIGKILL after the grace. Every group is registered with the watchdog while it runs.
 */

export type { ReadySpec };

export interface ProcessSpec {
  name: string;
  command: string[];
  cwd: string;
  /** The whole environment of the process. */
  env: Record<string, string>;
  ready: ReadySpec;
  stop: { signal: NodeJS.Signals; graceMs: number };
  logFile: string;
  /** Open an IPC channel (for the in-process injector). */
  ipc?: boolean;
}

export interface ExitInfo {
  code: number | null;
  signal: string | null;
  /** True when the run asked for it (stop, or a process fault). */
  expected: boolean;
}

export interface ProcessEvents {
  started?(pid: number): void;
  ready?(): void;
  exited?(info: ExitInfo & { pid: number }): void;
  /** Every complete output line (stdout and stderr). */
  line?(line: string): void;
  /** An IPC message from the process (with `ipc`), subscribed to at spawn so none is missed. */
  message?(message: unknown): void;
  /** The IPC channel closed. */
  disconnect?(): void;
}

const POLL_MS = 25;
/** How long a process must stay up after its readiness check passes. */
const SETTLE_MS = 100;

export class ManagedProcess {
  #child: ResultPromise | undefined;
  #pid: number | undefined;
  #exited: Promise<ExitInfo> | undefined;
  #expectExit = false;
  #settling: Promise<void> | undefined;
  #starting = false;
  #startedAt: number | undefined;
  #log: WriteStream | undefined;
  readonly #lineWaiters = new Set<(line: string) => void>();
  readonly tail = new LogTail(30);

  constructor(
    readonly spec: ProcessSpec,
    readonly clock: Clock,
    readonly watchdog: Watchdog | undefined,
    readonly events: ProcessEvents = {},
  ) {}

  get pid(): number | undefined {
    return this.#pid;
  }

  /** Clock time of the last spawn (undefined before the first). */
  get startedAt(): number | undefined {
    return this.#startedAt;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** The execa subprocess, for IPC. */
  get subprocess(): ResultPromise | undefined {
    return this.#child;
  }

  /**
   * Starts the process and resolves once it is ready; throws FAULTLINE_INFRASTRUCTURE otherwise.
   * A ready process must then stay up for SETTLE_MS (an exit right away means the check passed
   * on someone else's port). `settleLater`: resolve at readiness and leave that check to
   * settled(), so the next process can start meanwhile.
   */
  async start(options: { settleLater?: boolean } = {}): Promise<void> {
    if (this.#child !== undefined || this.#starting) throw new Error(`${this.spec.name} is already running or starting`);
    // Set before the first await (the port check), so two concurrent starts cannot both spawn.
    this.#starting = true;
    try {
      await this.#start(options);
    } finally {
      this.#starting = false;
    }
  }

  async #start(options: { settleLater?: boolean }): Promise<void> {
    const [file, ...args] = this.spec.command;
    if (file === undefined) throw new FaultlineError('FAULTLINE_USAGE', `${this.spec.name}: empty command`);
    // Something already answering where this process should is a port in use: the readiness
    // check would pass on the other process and the run would test the wrong thing.
    if ((this.spec.ready.kind === 'http' || this.spec.ready.kind === 'tcp') && (await this.#isReadyOnce())) {
      throw new FaultlineError('FAULTLINE_INFRASTRUCTURE', `${this.spec.name} cannot start: something already answers at ${this.spec.ready.value} (${describeReady(this.spec.ready)}), before it was started`, {
        hint: 'another process is using its port; stop it, or let faultline pick ports with ${port:NAME}',
      });
    }
    this.#log ??= createWriteStream(this.spec.logFile, { flags: 'a' });
    this.#log.write(`--- ${this.spec.name} starting at t=${Math.round(this.clock.now())}ms: ${this.spec.command.join(' ')}\n`);
    this.#expectExit = false;
    const child = execa(file, args, {
      cwd: this.spec.cwd,
      env: this.spec.env,
      extendEnv: false,
      detached: true,
      cleanup: false,
      reject: false,
      buffer: false,
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
      ...(this.spec.ipc === true ? { ipc: true, serialization: 'json' as const } : {}),
    });
    this.#child = child;
    const lines: ((line: string) => void)[] = [];
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.#log?.write(text);
      for (const line of this.tail.push(text)) {
        this.events.line?.(line);
        for (const listener of lines) listener(line);
        for (const waiter of this.#lineWaiters) waiter(line);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    if (this.spec.ipc === true) {
      child.on('message', (message: unknown) => this.events.message?.(message));
      child.on('disconnect', () => this.events.disconnect?.());
    }

    this.#exited = child.then((result) => {
      const info: ExitInfo = { code: result.exitCode ?? null, signal: result.signal ?? null, expected: this.#expectExit };
      if (this.#pid !== undefined) this.watchdog?.release(this.#pid);
      this.#log?.write(`--- ${this.spec.name} exited (code ${String(info.code)}, signal ${String(info.signal)}) at t=${Math.round(this.clock.now())}ms\n`);
      this.#child = undefined;
      if (this.#pid !== undefined) this.events.exited?.({ ...info, pid: this.#pid });
      return info;
    });

    if (child.pid === undefined) {
      const result = await child;
      throw new FaultlineError('FAULTLINE_INFRASTRUCTURE', `${this.spec.name} could not start: ${result.code === 'ENOENT' ? `command not found: ${file}` : result.shortMessage}`, {
        hint: `check \`command\` and \`cwd\` (${this.spec.cwd}) of ${this.spec.name}`,
      });
    }
    this.#pid = child.pid;
    this.#startedAt = this.clock.now();
    this.watchdog?.watch(child.pid);
    this.events.started?.(child.pid);

    const deadline = this.clock.now() + this.spec.ready.timeoutMs;
    const outcome = await Promise.race([
      this.#waitReady(deadline, lines).then(() => 'ready' as const),
      this.#exited.then(() => 'exited' as const),
    ]);
    if (outcome === 'exited') {
      const info = await this.#exited;
      throw this.#failure(`${this.spec.name} exited before it was ready (code ${String(info.code)}, signal ${String(info.signal)})`);
    }
    if (this.clock.now() > deadline && !(await this.#isReadyOnce())) {
      await this.kill('SIGKILL');
      throw this.#failure(`${this.spec.name} was not ready within ${this.spec.ready.timeoutMs} ms (${describeReady(this.spec.ready)})`);
    }
    this.events.ready?.();
    this.#settling = this.#settle();
    // Observed by settled(); never an unhandled rejection meanwhile.
    this.#settling.catch(() => undefined);
    if (options.settleLater !== true) await this.#settling;
  }

  /** Resolves once the process stayed up SETTLE_MS past its readiness; throws like start() if it did not. */
  settled(): Promise<void> {
    return this.#settling ?? Promise.resolve();
  }

  async #settle(): Promise<void> {
    // Something answered; make sure it was this process. A target that cannot bind its port
    // exits at once, while another process on that port answers the readiness check.
    const exitedRightAway = await this.waitExit(SETTLE_MS);
    if (exitedRightAway !== undefined && !exitedRightAway.expected) {
      throw this.#failure(`${this.spec.name} exited right after its readiness check passed (code ${String(exitedRightAway.code)}, signal ${String(exitedRightAway.signal)}): is another process using its port?`);
    }
  }

  #failure(message: string): FaultlineError {
    const tail = this.tail.lines().slice(-10);
    return new FaultlineError('FAULTLINE_INFRASTRUCTURE', tail.length === 0 ? `${message}; it printed nothing` : `${message}; its last lines:\n${tail.map((l) => `  | ${l}`).join('\n')}`, {
      hint: `the whole output is in ${this.spec.logFile}`,
    });
  }

  /** Resolves when ready or when the deadline passes (the caller tells which). */
  async #waitReady(deadline: number, lines: ((line: string) => void)[]): Promise<void> {
    const ready = this.spec.ready;
    if (ready.kind === 'none') return;
    if (ready.kind === 'log') {
      const pattern = new RegExp(ready.value);
      if (this.tail.lines().some((line) => pattern.test(line))) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - this.clock.now()));
        lines.push((line) => {
          if (pattern.test(line)) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      return;
    }
    while (this.clock.now() < deadline && this.#child !== undefined) {
      if (await this.#isReadyOnce()) return;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  async #isReadyOnce(): Promise<boolean> {
    const ready = this.spec.ready;
    if (ready.kind === 'none') return true;
    if (ready.kind === 'log') return this.tail.lines().some((line) => new RegExp(ready.value).test(line));
    return (await probeReady(ready)).ready;
  }

  /** Resolves true when an output line matches (from now on), false after `timeoutMs`. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#lineWaiters.delete(waiter);
        resolve(false);
      }, timeoutMs);
      const waiter = (line: string) => {
        if (!pattern.test(line)) return;
        clearTimeout(timer);
        this.#lineWaiters.delete(waiter);
        resolve(true);
      };
      this.#lineWaiters.add(waiter);
    });
  }

  /** Sends a signal to the whole process group (a fault, or the first step of a stop). */
  signal(signal: NodeJS.Signals, expectExit: boolean): void {
    if (this.#pid === undefined || this.#child === undefined) return;
    if (expectExit) this.#expectExit = true;
    try {
      process.kill(-this.#pid, signal);
    } catch {
      // gone already
    }
  }

  /** Kills the group with `signal` and waits for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitInfo | undefined> {
    if (this.#child === undefined) return undefined;
    this.signal(signal, true);
    return this.#exited;
  }

  /** Waits for the exit, at most `ms`; undefined when it is still running. */
  async waitExit(ms: number): Promise<ExitInfo | undefined> {
    if (this.#exited === undefined || this.#child === undefined) return this.#exited;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    });
    try {
      return await Promise.race([this.#exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The configured stop: its signal, then SIGKILL after the grace. Idempotent. */
  async stop(): Promise<{ exit: ExitInfo | undefined; escalated: boolean }> {
    if (this.#child === undefined) return { exit: await this.#exited, escalated: false };
    this.signal('SIGCONT', true); // a paused process cannot handle its stop signal
    this.signal(this.spec.stop.signal, true);
    const exit = await this.waitExit(this.spec.stop.graceMs);
    if (exit !== undefined) return { exit, escalated: false };
    this.#log?.write(`--- ${this.spec.name} did not exit within ${this.spec.stop.graceMs} ms of ${this.spec.stop.signal}: SIGKILL\n`);
    return { exit: await this.kill('SIGKILL'), escalated: true };
  }

  /** Closes the log file (after the last stop). */
  async close(): Promise<void> {
    const log = this.#log;
    this.#log = undefined;
    if (log !== undefined) await new Promise<void>((resolve) => log.end(resolve));
  }
}
