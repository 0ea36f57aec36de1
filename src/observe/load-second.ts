import type { LoadErrors, LoadSecond } from '../record/types.js';
import { LatencyTally } from './load-histogram.js';

export type FailureKind = Exclude<keyof LoadErrors, 'skipped'>;

/**
 * The running tally of one second of load, keyed by the second requests were *due* in. It is
 * complete once the scheduler has passed its end (`closed`) and every request sent in it has
 * an outcome (`pending === 0`); then `finish()` turns it into a LoadSecond.
 */
export class SecondTally {
  due = 0;
  sent = 0;
  /** Sent and not yet answered, failed or timed out. */
  pending = 0;
  /** No more requests will be scheduled into this second. */
  closed = false;
  private readonly status: Record<string, number> = {};
  private readonly errors: LoadErrors = { unanswered: 0, refused: 0, timeout: 0, skipped: 0, other: 0 };
  /** From the intended send time to the end of the answer; its histogram is the one recorded. */
  private readonly latency = new LatencyTally();
  /** From the actual send to the end of the answer. */
  private readonly service = new LatencyTally();
  /** Actual send − intended send. */
  private readonly lag = new LatencyTally();
  private readonly under: number[];

  constructor(
    readonly t: number,
    private readonly thresholdsMs: readonly number[],
  ) {
    this.under = thresholdsMs.map(() => 0);
  }

  get complete(): boolean {
    return this.closed && this.pending === 0;
  }

  skipped(): void {
    this.due++;
    this.errors.skipped++;
  }

  sending(lagMs: number): void {
    this.due++;
    this.sent++;
    this.pending++;
    this.lag.record(lagMs);
  }

  /** A complete answer: `latencyMs` from the intended send time, `serviceMs` from the actual one. */
  answered(status: number, latencyMs: number, serviceMs: number): void {
    this.pending--;
    const key = String(status);
    this.status[key] = (this.status[key] ?? 0) + 1;
    this.latency.record(latencyMs);
    this.service.record(serviceMs);
    // A fast 5xx is not a good event for a latency SLO: only answers below 500 count as under.
    if (status >= 500) return;
    for (let i = 0; i < this.thresholdsMs.length; i++) {
      if (latencyMs <= (this.thresholdsMs[i] ?? 0)) this.under[i] = (this.under[i] ?? 0) + 1;
    }
  }

  failed(kind: FailureKind): void {
    this.pending--;
    this.errors[kind]++;
  }

  /** The LoadSecond; the tally's histograms go back for reuse, so call it once. */
  finish(): LoadSecond {
    const under: Record<string, number> = {};
    this.thresholdsMs.forEach((threshold, i) => (under[String(threshold)] = this.under[i] ?? 0));
    const second: LoadSecond = {
      t: this.t,
      due: this.due,
      sent: this.sent,
      status: { ...this.status },
      errors: { ...this.errors },
      latency: this.latency.summary(),
      service: this.service.summary(),
      under,
      histogram: this.latency.encode(),
      sendLagP99: this.lag.quantilesMs([0.99])[0] ?? 0,
    };
    this.latency.release();
    this.service.release();
    this.lag.release();
    return second;
  }
}
