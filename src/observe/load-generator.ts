import { Pool, type Dispatcher } from 'undici';
import type { LoadSecond } from '../record/types.js';
import { Attempt, type AttemptOwner } from './load-attempt.js';
import type { ResolvedLoadOptions } from './load-options.js';
import { classifyFailure, errorCode } from './load-outcome.js';
import { SecondTally, type FailureKind } from './load-second.js';

/** Past the last request's own timeout, how long stop() waits before counting stragglers as timeouts. */
const SETTLE_MARGIN_MS = 250;
/** How long stop() lets undici close its sockets before it stops waiting (they are destroyed anyway). */
const DESTROY_WAIT_MS = 1_000;
/** undici's own headers/body timeouts sit this far above ours: a backstop that should never fire first. */
const BACKSTOP_MS = 1_000;
/** Reported as the code of a request that timed out (ours, not an undici error). */
const TIMEOUT_CODE = 'FAULTLINE_LOAD_TIMEOUT';
const NO_CONNECTION_CODE = 'FAULTLINE_LOAD_NO_CONNECTION';
/** undici's verdict on a request it will not send at all (checked before any socket). */
const INVALID_REQUEST = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED']);

/**
 * The machinery behind startLoad: a timer loop that sends every request whose due time has
 * passed (in batches, so thousands a second work with millisecond timers), one undici Pool of
 * exactly `connections` connections, and one SecondTally per second of the schedule.
 */
export class LoadGenerator implements AttemptOwner {
  readonly startedAt: number;
  private readonly pool: Pool;
  private readonly dispatchOptions: Dispatcher.DispatchOptions;
  private readonly seconds: (SecondTally | undefined)[] = [];
  private readonly results: LoadSecond[] = [];
  private readonly live = new Set<Attempt>();
  private readonly codes: Partial<Record<FailureKind, Record<string, number>>> = {};
  /** Index of the next request to schedule. */
  private next = 0;
  /** Seconds below this index are closed: no request will be scheduled into them. */
  private closedBelow = 0;
  private nextToEmit = 0;
  private inFlight = 0;
  private scheduling = true;
  private pumpQueued = false;
  private timer: NodeJS.Timeout | undefined;
  private stopping: Promise<LoadSecond[]> | undefined;
  private allSettled: (() => void) | undefined;
  private callbackError: { error: unknown } | undefined;
  /** Set when undici refused to build the request itself (see startLoad). */
  invalidRequest: Error | undefined;

  constructor(private readonly options: ResolvedLoadOptions) {
    this.startedAt = options.clock.now();
    const undiciTimeout = Math.ceil(options.timeoutMs) + BACKSTOP_MS;
    // Exactly `connections` keep-alive sockets, one request each: with at most that many in
    // flight (skipping the rest), a request never waits in undici's queue.
    this.pool = new Pool(options.origin, {
      connections: options.connections,
      pipelining: 1,
      headersTimeout: undiciTimeout,
      bodyTimeout: undiciTimeout,
      connect: { timeout: Math.ceil(options.timeoutMs) },
    });
    this.dispatchOptions = { method: options.method, path: options.path, headers: options.headers, body: options.body };
  }

  start(): void {
    this.tick();
  }

  stop(): Promise<LoadSecond[]> {
    this.stopping ??= this.finish();
    return this.stopping;
  }

  errorCodes(): Partial<Record<FailureKind, Record<string, number>>> {
    return structuredClone(this.codes);
  }

  // ── scheduling ──────────────────────────────────────────────────────────────────────────

  private readonly tick = (): void => {
    this.timer = undefined;
    if (!this.scheduling) return;
    this.sendDue(this.options.clock.now());
    if (!this.scheduling) return;
    // Wake for the next request, or at the next second's start at the latest so that a second
    // closes on time even at rates below 1/s. Whole milliseconds only: every distinct delay is
    // a separate timer list in Node.
    const now = this.options.clock.now();
    const nextSecond = this.startedAt + (Math.floor((now - this.startedAt) / 1000) + 1) * 1000;
    const wait = Math.min(this.dueAt(this.next), nextSecond) - now;
    this.timer = setTimeout(this.tick, Math.max(1, Math.ceil(wait)));
  };

  private dueOffset(index: number): number {
    return (index * 1000) / this.options.ratePerSecond;
  }

  private dueAt(index: number): number {
    return this.startedAt + this.dueOffset(index);
  }

  /** Sends (or skips) every request due by `now`, each stamped with its own due time. */
  private sendDue(now: number): void {
    const { connections, maxRequests } = this.options;
    while (this.next < maxRequests) {
      const offset = this.dueOffset(this.next);
      if (this.startedAt + offset > now) break;
      // max(): a due time a rounding error below a second already closed still counts in the next.
      const second = this.secondAt(Math.max(Math.floor(offset / 1000), this.closedBelow));
      if (this.inFlight >= connections) second.skipped();
      else this.send(second, this.startedAt + offset);
      this.next++;
    }
    if (this.next >= maxRequests) {
      this.endScheduling();
    } else {
      const current = Math.floor((now - this.startedAt) / 1000);
      this.secondAt(current);
      this.closeBelow(current);
    }
    this.emitReady();
  }

  /** The tally of second k, creating it and any before it (a rate below 1/s leaves empty seconds). */
  private secondAt(k: number): SecondTally {
    while (this.seconds.length <= k) {
      this.seconds.push(new SecondTally(this.startedAt + this.seconds.length * 1000, this.options.thresholdsMs));
    }
    return this.seconds[k] as SecondTally;
  }

  private closeBelow(k: number): void {
    for (; this.closedBelow < Math.min(k, this.seconds.length); this.closedBelow++) {
      const second = this.seconds[this.closedBelow];
      if (second !== undefined) second.closed = true;
    }
  }

  private endScheduling(): void {
    this.scheduling = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.closeBelow(this.seconds.length);
  }

  private send(second: SecondTally, dueAt: number): void {
    const sentAt = this.options.clock.now();
    second.sending(sentAt - dueAt);
    const attempt = new Attempt(this, second, dueAt, sentAt);
    this.inFlight++;
    this.live.add(attempt);
    attempt.timer = setTimeout(this.expire, Math.ceil(this.options.timeoutMs), attempt);
    this.pool.dispatch(this.dispatchOptions, attempt);
  }

  // ── outcomes (AttemptOwner: called by undici's callbacks, must never throw) ─────────────

  answered(attempt: Attempt, status: number): void {
    const now = this.options.clock.now();
    attempt.second.answered(status, now - attempt.dueAt, now - attempt.sentAt);
    this.settle(attempt);
  }

  failed(attempt: Attempt, error: Error): void {
    const code = errorCode(error);
    if (!attempt.started && INVALID_REQUEST.has(code)) this.invalidRequest ??= error;
    this.fail(attempt, classifyFailure(code, attempt.started), code);
  }

  released(): void {
    this.inFlight--;
    // Answers arrive far more often than the timer ticks at high rates: looking for due requests
    // after each batch of them sends most requests well under a millisecond late, without
    // spinning. A microtask, so undici has finished with this answer and freed its connection.
    if (this.scheduling && !this.pumpQueued) {
      this.pumpQueued = true;
      queueMicrotask(this.pump);
    }
  }

  private readonly pump = (): void => {
    this.pumpQueued = false;
    if (this.scheduling) this.sendDue(this.options.clock.now());
  };

  /** The load timeout: a request on a connection is a timeout; one that never got a connection was refused. */
  private readonly expire = (attempt: Attempt): void => {
    if (attempt.settled) return;
    if (attempt.started) this.fail(attempt, 'timeout', TIMEOUT_CODE);
    else this.fail(attempt, 'refused', NO_CONNECTION_CODE);
    attempt.abort();
  };

  private fail(attempt: Attempt, kind: FailureKind, code: string): void {
    attempt.second.failed(kind);
    const byCode = (this.codes[kind] ??= {});
    byCode[code] = (byCode[code] ?? 0) + 1;
    this.settle(attempt);
  }

  private settle(attempt: Attempt): void {
    attempt.settled = true;
    clearTimeout(attempt.timer);
    this.live.delete(attempt);
    if (attempt.second.complete) this.emitReady();
    if (this.live.size === 0) this.allSettled?.();
  }

  /** Hands complete seconds to onSecond strictly in order (a slow request holds back the ones after it). */
  private emitReady(): void {
    for (let second = this.seconds[this.nextToEmit]; second?.complete === true; second = this.seconds[this.nextToEmit]) {
      const done = second.finish();
      this.seconds[this.nextToEmit] = undefined;
      this.nextToEmit++;
      this.results.push(done);
      try {
        this.options.onSecond?.(done);
      } catch (error) {
        this.callbackError ??= { error };
      }
    }
  }

  // ── stop ─────────────────────────────────────────────────────────────────────────────────

  private async finish(): Promise<LoadSecond[]> {
    if (this.scheduling) {
      clearTimeout(this.timer);
      this.sendDue(this.options.clock.now());
      this.endScheduling();
    }
    // Every request settles by its own timer within timeoutMs; the deadline only guards
    // against a starved event loop.
    if (this.live.size > 0) {
      await new Promise<void>((resolve) => {
        const deadline = setTimeout(resolve, Math.ceil(this.options.timeoutMs) + SETTLE_MARGIN_MS);
        this.allSettled = () => {
          clearTimeout(deadline);
          resolve();
        };
      });
      this.allSettled = undefined;
    }
    for (const attempt of [...this.live]) this.expire(attempt);
    this.emitReady();
    await this.destroyPool();
    if (this.callbackError !== undefined) throw this.callbackError.error;
    return this.results;
  }

  private async destroyPool(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, DESTROY_WAIT_MS)));
    try {
      await Promise.race([this.pool.destroy().catch(() => undefined), gaveUp]);
    } finally {
      clearTimeout(timer);
    }
  }
}
