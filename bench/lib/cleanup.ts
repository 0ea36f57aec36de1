/**
 * Synchronous last-resort cleanup: child processes and temp dirs must not outlive the
 * benchmark, whether it ends normally, throws, or is interrupted with Ctrl-C.
 * Only synchronous work is possible in an 'exit' handler, hence `() => void` tasks.
 */
const tasks = new Set<() => void>();

/** Registers a task; call the returned function once the resource is released normally. */
export function onCleanup(task: () => void): () => void {
  tasks.add(task);
  return () => {
    tasks.delete(task);
  };
}

export function runCleanupNow(): void {
  for (const task of [...tasks]) {
    tasks.delete(task);
    try {
      task();
    } catch {
      // Best effort: one failing task must not keep the others from running.
    }
  }
}

/** Runs the tasks on exit and on SIGINT/SIGTERM (exit codes 130/143, as a shell would report). */
export function installCleanupHandlers(): void {
  process.once('exit', runCleanupNow);
  const onSignal = (signal: NodeJS.Signals, code: number): void => {
    process.stderr.write(`\nbench: ${signal}: killing child processes and removing temp files\n`);
    runCleanupNow();
    process.exit(code);
  };
  process.once('SIGINT', () => onSignal('SIGINT', 130));
  process.once('SIGTERM', () => onSignal('SIGTERM', 143));
}
