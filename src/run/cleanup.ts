/**
 * The run's undo stack. Every start, apply and open registers its undo *before* the action
 * runs, so a failure half-way still undoes it. Undos run in reverse order, each at most once
 * (an undo may also be run early, e.g. a fault's revert on schedule); failures are collected,
 * never thrown half-way, so one failing undo cannot leave the others undone.
 */

export interface UndoFailure {
  label: string;
  error: unknown;
}

interface Entry {
  label: string;
  undo: () => Promise<void> | void;
  state: 'pending' | 'running' | 'done';
  promise?: Promise<UndoFailure | undefined>;
}

export class CleanupStack {
  readonly #entries: Entry[] = [];

  /** Registers an undo; returns a function that runs it now (idempotent) and drops it from the stack. */
  register(label: string, undo: () => Promise<void> | void): () => Promise<UndoFailure | undefined> {
    const entry: Entry = { label, undo, state: 'pending' };
    this.#entries.push(entry);
    return () => this.#run(entry);
  }

  /** Labels of undos still to run, most recent first. */
  pending(): string[] {
    return this.#entries.filter((e) => e.state !== 'done').map((e) => e.label).reverse();
  }

  /** Runs every pending undo, most recent first; returns the ones that failed. */
  async runAll(): Promise<UndoFailure[]> {
    const failures: UndoFailure[] = [];
    for (const entry of [...this.#entries].reverse()) {
      const failure = await this.#run(entry);
      if (failure !== undefined) failures.push(failure);
    }
    return failures;
  }

  #run(entry: Entry): Promise<UndoFailure | undefined> {
    if (entry.promise !== undefined) return entry.promise;
    entry.state = 'running';
    entry.promise = (async () => {
      try {
        await entry.undo();
        return undefined;
      } catch (error) {
        return { label: entry.label, error };
      } finally {
        entry.state = 'done';
      }
    })();
    return entry.promise;
  }
}
