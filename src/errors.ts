import { ExitCode } from './exit-codes.js';

/** Every error code faultline raises; users and tests match on these, never on prose. */
export type FaultlineErrorCode = 'FAULTLINE_USAGE' | 'FAULTLINE_SCENARIO_INVALID' | 'FAULTLINE_INFRASTRUCTURE' | 'FAULTLINE_INTERNAL';

const BRAND = Symbol.for('faultline.error');

/**
 * The base of faultline's errors: a `code` to match on, a message that names the concrete
 * value, an optional `hint` with the next step, and the exit code it maps to.
 */
export class FaultlineError extends Error {
  override name = 'FaultlineError';
  readonly [BRAND] = true;
  readonly hint: string | undefined;

  constructor(
    readonly code: FaultlineErrorCode,
    message: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
  }

  /** True for a FaultlineError from any copy of the package. */
  static is(value: unknown): value is FaultlineError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** The exit code an error maps to (ARCHITECTURE.md, "Contracts"). */
export function exitCodeFor(error: unknown): ExitCode {
  if (!FaultlineError.is(error)) return ExitCode.INFRASTRUCTURE;
  switch (error.code) {
    case 'FAULTLINE_USAGE':
    case 'FAULTLINE_SCENARIO_INVALID':
      return ExitCode.BAD_INPUT;
    case 'FAULTLINE_INFRASTRUCTURE':
    case 'FAULTLINE_INTERNAL':
      return ExitCode.INFRASTRUCTURE;
  }
}

/** One line (plus a hint line) for the terminal; never a stack trace. */
export function formatError(error: unknown): string {
  if (FaultlineError.is(error)) return error.hint === undefined ? `error: ${error.message}` : `error: ${error.message}\nhint: ${error.hint}`;
  return `error: ${error instanceof Error ? error.message : String(error)}`;
}
