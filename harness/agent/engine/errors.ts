/**
 * Every way an action can end other than success, with the HTTP status it maps to.
 * Handlers throw ActionError; the engine throws it for deadline, overload and shutdown.
 */
export type ActionErrorCode =
  | 'INVALID_ACTION'
  | 'UNKNOWN_ACTION_TYPE'
  | 'OVERLOADED'
  | 'SHUTTING_DOWN'
  | 'DEADLINE_EXCEEDED'
  | 'DOWNSTREAM_ERROR'
  | 'DOWNSTREAM_UNAVAILABLE'
  | 'NOT_CONFIGURED'
  | 'HANDLER_FAILED';

/** The outcome label on `agent_actions_total`. */
export type ActionOutcome = 'ok' | 'timeout' | 'rejected' | 'failed' | 'invalid';

const STATUS: Record<ActionErrorCode, number> = {
  INVALID_ACTION: 400,
  UNKNOWN_ACTION_TYPE: 400,
  OVERLOADED: 503,
  SHUTTING_DOWN: 503,
  DEADLINE_EXCEEDED: 504,
  DOWNSTREAM_ERROR: 502,
  DOWNSTREAM_UNAVAILABLE: 502,
  NOT_CONFIGURED: 501,
  HANDLER_FAILED: 500,
};

const OUTCOME: Record<ActionErrorCode, ActionOutcome> = {
  INVALID_ACTION: 'invalid',
  UNKNOWN_ACTION_TYPE: 'invalid',
  OVERLOADED: 'rejected',
  SHUTTING_DOWN: 'rejected',
  DEADLINE_EXCEEDED: 'timeout',
  DOWNSTREAM_ERROR: 'failed',
  DOWNSTREAM_UNAVAILABLE: 'failed',
  NOT_CONFIGURED: 'invalid',
  HANDLER_FAILED: 'failed',
};

export class ActionError extends Error {
  override name = 'ActionError';
  readonly status: number;
  readonly outcome: ActionOutcome;
  constructor(
    readonly code: ActionErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.status = STATUS[code];
    this.outcome = OUTCOME[code];
  }
}

/** Wraps whatever a handler threw so the HTTP layer always has a code and a status. */
export function toActionError(error: unknown): ActionError {
  if (error instanceof ActionError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ActionError('HANDLER_FAILED', `handler failed: ${message}`, undefined, { cause: error });
}
