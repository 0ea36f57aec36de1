/**
 * The process exit codes of every faultline command. This module is the only place that
 * defines them; the CLI maps a result to one of these in one place.
 */
export const ExitCode = {
  /** Everything ran and every expectation held. */
  OK: 0,
  /** An expectation failed, or a verdict was inconclusive. */
  EXPECTATION_FAILED: 1,
  /** Bad input: a file, a flag or a schema violation. */
  BAD_INPUT: 2,
  /** Infrastructure failed: a target would not start, a proxy was unreachable. */
  INFRASTRUCTURE: 3,
  /** Cleanup failed: a fault may still be in effect (the message says which). */
  CLEANUP_FAILED: 4,
  /** Interrupted by the user (Ctrl-C). */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
