import type { HealthSample, LoadSecond } from '../record/types.js';
import type { ResolvedAbort } from '../scenario/types.js';

/**
 * The scenario's abort conditions, watched live: the client error ratio or a latency quantile
 * above a bound for a while (from each completed second of load), or health DOWN for a while.
 * The first condition that holds calls `trigger` once; the runner then reverts everything.
 */
export class AbortMonitor {
  lastHealth: HealthSample['state'] | undefined;
  #downSince: number | undefined;
  readonly #streaks = new Map<number, { since: number }>();
  #fired = false;

  constructor(
    readonly conditions: readonly ResolvedAbort[],
    readonly trigger: (condition: string, message: string, t: number) => void,
  ) {}

  /** A completed second of load. */
  loadSecond(second: LoadSecond): void {
    this.conditions.forEach((condition, index) => {
      if (condition.when === 'healthDown') return;
      const [value, bound] = condition.when === 'errorRatio' ? [errorRatio(second), condition.above] : [second.latency[condition.quantile], condition.aboveMs];
      const above = value !== null && value > bound;
      const streak = this.#streaks.get(index);
      if (!above) {
        this.#streaks.delete(index);
        return;
      }
      const since = streak?.since ?? second.t;
      this.#streaks.set(index, { since });
      const end = second.t + 1_000;
      if (end - since >= condition.forMs) {
        const what = condition.when === 'errorRatio' ? `client error ratio above ${condition.above * 100}%` : `${condition.quantile} latency above ${condition.aboveMs} ms`;
        this.#fire(`abort[${index}]`, `${what} for ${Math.round((end - since) / 1000)} s`, end);
      }
    });
  }

  /** A health transition. */
  health(state: HealthSample['state'], t: number): void {
    this.lastHealth = state;
    if (state === 'UP') this.#downSince = undefined;
    else this.#downSince ??= t;
    this.tick(t);
  }

  /** Checks time-based conditions (health DOWN for a while); call it on a timer. */
  tick(t: number): void {
    if (this.#downSince === undefined) return;
    this.conditions.forEach((condition, index) => {
      if (condition.when !== 'healthDown' || this.#downSince === undefined) return;
      if (t - this.#downSince >= condition.forMs) this.#fire(`abort[${index}]`, `health not UP for ${Math.round((t - this.#downSince) / 1000)} s`, t);
    });
  }

  #fire(condition: string, message: string, t: number): void {
    if (this.#fired) return;
    this.#fired = true;
    this.trigger(condition, message, t);
  }
}

/** Bad requests over due requests in a second: 5xx answers and every kind of error, skipped included. */
export function errorRatio(second: LoadSecond): number | null {
  if (second.due === 0) return null;
  const fiveHundreds = Object.entries(second.status).reduce((n, [code, count]) => n + (Number(code) >= 500 ? count : 0), 0);
  const { unanswered, refused, timeout, skipped, other } = second.errors;
  return (fiveHundreds + unanswered + refused + timeout + skipped + other) / second.due;
}
