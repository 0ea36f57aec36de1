import type { Dispatcher } from 'undici';
import type { SecondTally } from './load-second.js';

/** What an attempt reports to; it must never throw (undici turns a throwing handler into an 'error' event). */
export interface AttemptOwner {
  answered(attempt: Attempt, status: number): void;
  failed(attempt: Attempt, error: Error): void;
  /** The connection slot is free again (undici is done with the request). */
  released(attempt: Attempt): void;
}

/** Reused: aborting at the timeout should not cost a stack trace per request. */
const TIMED_OUT = new Error('faultline load: request timed out');
const LATE = new Error('faultline load: request reached a connection after its timeout');

/**
 * One request as an undici dispatch handler: no Readable body, the answer's bytes are dropped
 * as they arrive. Two separate ends: `settled` (the outcome is counted; after that undici's
 * callbacks are ignored) and release (undici has let go of the request, so its connection slot
 * is free). A timed-out request is settled at once and released when undici confirms.
 */
export class Attempt implements Dispatcher.DispatchHandler {
  /** Handed to a connected socket (written, or being written). */
  started = false;
  settled = false;
  timer: NodeJS.Timeout | undefined;
  private isReleased = false;
  private controller: Dispatcher.DispatchController | null = null;
  private status = 0;

  constructor(
    private readonly owner: AttemptOwner,
    readonly second: SecondTally,
    /** Intended send time (run ms). */
    readonly dueAt: number,
    /** Actual send time (run ms). */
    readonly sentAt: number,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // Timed out while waiting for its connection: it must not go out now, off schedule.
    if (this.settled) controller.abort(LATE);
    else this.started = true;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.status = statusCode;
  }

  onResponseData(): void {
    // The body is consumed and discarded: only its end matters.
  }

  onResponseEnd(): void {
    this.release();
    if (!this.settled) this.owner.answered(this, this.status);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.release();
    if (!this.settled) this.owner.failed(this, error);
  }

  /** Stops a request that is on a connection (undici then closes that connection). */
  abort(): void {
    if (this.controller !== null && !this.controller.aborted && !this.isReleased) this.controller.abort(TIMED_OUT);
  }

  private release(): void {
    if (this.isReleased) return;
    this.isReleased = true;
    this.owner.released(this);
  }
}
