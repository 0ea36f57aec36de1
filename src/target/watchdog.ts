import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('./watchdog-main.js', import.meta.url));

/**
 * The runner's side of the watchdog (watchdog-main.ts): every process group the run starts is
 * registered, so that if the runner dies, the watchdog kills them.
 */
export class Watchdog {
  readonly #child: ChildProcess;

  private constructor(child: ChildProcess) {
    this.#child = child;
  }

  static start(): Watchdog {
    const child = spawn(process.execPath, [MAIN], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    child.unref();
    // The pipe must not keep the runner alive either.
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    child.stdin?.on('error', () => undefined);
    return new Watchdog(child);
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** A process group (its leader's pid) to kill if the runner dies. */
  watch(pgid: number): void {
    this.#child.stdin?.write(`+${pgid}\n`);
  }

  /** The group is stopped; nothing to do for it any more. */
  release(pgid: number): void {
    this.#child.stdin?.write(`-${pgid}\n`);
  }

  /** A clean end: the watchdog kills whatever is still registered (nothing, normally) and exits. */
  close(): void {
    this.#child.stdin?.end();
  }
}
