import type { ResolvedAlert } from '../scenario/types.js';
import type { EventSeries } from './events.js';

/**
 * Burn rates and multi-window alert rules, evaluated the way Prometheus evaluates an alerting
 * rule: on a fixed tick, the condition is "long-window burn rate > factor AND short-window burn
 * rate > factor"; a true condition makes the alert pending, and firing once it has held for
 * `for` (at once when `for` is 0); a false one ends pending at once, and firing after
 * `keep_firing_for` more of false ticks (then it is resolved).
 */

/** bad / total over a window; null when the window has fewer than `minEvents` events (no data, not zero). */
export function errorRatio(series: EventSeries, from: number, to: number, minEvents: number): { ratio: number | null; total: number; bad: number } {
  const { total, bad } = series.window(from, to);
  return { ratio: total > 0 && total >= minEvents ? bad / total : null, total, bad };
}

/**
 * Error ratio divided by the error budget (1 − objective): 1 spends the budget exactly by the
 * period's end. The budget is rounded to 12 decimals: 1 − 0.99 is 0.010000000000000009 in
 * binary floating point, which would make an exact 1 % error ratio burn at 0.99999….
 */
export const errorBudget = (objective: number): number => Math.round((1 - objective) * 1e12) / 1e12;
export const burnRate = (ratio: number, objective: number): number => ratio / errorBudget(objective);

export type AlertState = 'inactive' | 'pending' | 'firing';

export interface AlertTick {
  t: number;
  longBurn: number | null;
  shortBurn: number | null;
  condition: boolean;
  state: AlertState;
}

export interface AlertTransition {
  t: number;
  from: AlertState;
  to: AlertState;
}

export interface AlertEvaluation {
  alert: string;
  /** Every evaluation, in order (the burn rates an HTML chart needs). */
  ticks: AlertTick[];
  /** State changes only; `firing → inactive` is a resolution. */
  transitions: AlertTransition[];
  /** Each firing period: [firedAt, resolvedAt | null (still firing at the end)]. */
  firing: { from: number; to: number | null }[];
}

export interface EvaluateOptions {
  alert: ResolvedAlert;
  objective: number;
  series: EventSeries;
  /** Evaluation ticks, ms on the run's clock, ascending. */
  ticks: readonly number[];
  /** Below this many events in a window, its ratio is unknown and the condition false (an empty vector in PromQL). */
  minEvents: number;
}

export function evaluateAlert(options: EvaluateOptions): AlertEvaluation {
  const { alert, objective, series, minEvents } = options;
  const factor = alert.burnRate;
  const out: AlertEvaluation = { alert: alert.name, ticks: [], transitions: [], firing: [] };
  let state: AlertState = 'inactive';
  let activeSince = 0;
  let lastTrue = 0;
  for (const t of options.ticks) {
    const long = errorRatio(series, t - alert.longMs, t, minEvents).ratio;
    const short = errorRatio(series, t - alert.shortMs, t, minEvents).ratio;
    const longBurn = long === null ? null : burnRate(long, objective);
    const shortBurn = short === null ? null : burnRate(short, objective);
    const condition = longBurn !== null && shortBurn !== null && longBurn > factor && shortBurn > factor;
    const before: AlertState = state;
    if (condition) {
      lastTrue = t;
      if (state === 'inactive') {
        activeSince = t;
        state = 'pending';
      }
      if (state === 'pending' && t - activeSince >= alert.forMs) state = 'firing';
    } else if (state === 'pending') {
      state = 'inactive';
    } else if (state === 'firing' && t - lastTrue >= alert.keepFiringForMs) {
      state = 'inactive';
    }
    if (state !== before) {
      // pending → firing within one tick (for: 0) is reported as inactive → firing.
      out.transitions.push({ t, from: before, to: state });
      if (state === 'firing') out.firing.push({ from: t, to: null });
      if (before === 'firing') {
        const open = out.firing[out.firing.length - 1];
        if (open !== undefined) open.to = t;
      }
    }
    out.ticks.push({ t, longBurn, shortBurn, condition, state });
  }
  return out;
}

/** The state in force at time t (the last tick at or before it), inactive before the first. */
export function stateAt(evaluation: AlertEvaluation, t: number): AlertState {
  let state: AlertState = 'inactive';
  for (const tick of evaluation.ticks) {
    if (tick.t > t) break;
    state = tick.state;
  }
  return state;
}

/** Ticks every `intervalMs` from the first multiple after `from` up to `to` (the judge's clock grid). */
export function evaluationTicks(from: number, to: number, intervalMs: number): number[] {
  const ticks: number[] = [];
  for (let t = Math.floor(from / intervalMs) * intervalMs + intervalMs; t <= to; t += intervalMs) ticks.push(t);
  return ticks;
}

export type BudgetLevel = 'green' | 'yellow' | 'red' | 'unknown';

/**
 * The three budget-burn levels over a rolling window: green below 0.1× (spending almost
 * nothing), yellow from 0.1× (spending, at a pace the period absorbs), red from 1× (the budget
 * runs out before the period ends); lower bounds inclusive. Unknown with too few events.
 */
export function budgetLevel(burn: number | null): BudgetLevel {
  if (burn === null) return 'unknown';
  if (burn >= 1) return 'red';
  if (burn >= 0.1) return 'yellow';
  return 'green';
}

export interface LevelSpan {
  from: number;
  to: number;
  level: BudgetLevel;
}

/** The level timeline: the burn rate over `windowMs` at every tick, merged into spans of one level. */
export function levelTimeline(series: EventSeries, objective: number, windowMs: number, ticks: readonly number[], minEvents: number): { ticks: { t: number; burn: number | null; level: BudgetLevel }[]; spans: LevelSpan[] } {
  const out: { t: number; burn: number | null; level: BudgetLevel }[] = [];
  const spans: LevelSpan[] = [];
  for (const t of ticks) {
    const { ratio } = errorRatio(series, t - windowMs, t, minEvents);
    const burn = ratio === null ? null : burnRate(ratio, objective);
    const level = budgetLevel(burn);
    out.push({ t, burn, level });
    const last = spans[spans.length - 1];
    if (last !== undefined && last.level === level) last.to = t;
    else spans.push({ from: t, to: t, level });
  }
  return { ticks: out, spans };
}

/**
 * When a multi-window alert should fire after an onset that makes `badRatio` of events bad
 * (from a clean window): the long window crosses the threshold after threshold/badRatio of its
 * length (the short window, shorter, has crossed by then), plus `for`, plus up to one
 * evaluation interval. Null when the ratio can never cross (badRatio ≤ threshold).
 */
export function predictedFireMs(alert: ResolvedAlert, objective: number, badRatio: number, intervalMs: number): number | null {
  const threshold = alert.burnRate * errorBudget(objective);
  if (badRatio <= threshold) return null;
  const crossing = Math.max((threshold / badRatio) * alert.longMs, (threshold / badRatio) * alert.shortMs);
  return crossing + alert.forMs + intervalMs;
}

/** When it should resolve after the bad events stop: the short window drains below the threshold, plus keep_firing_for and a tick. */
export function predictedResolveMs(alert: ResolvedAlert, objective: number, badRatio: number, intervalMs: number): number | null {
  const threshold = alert.burnRate * errorBudget(objective);
  if (badRatio <= threshold) return null;
  return (1 - threshold / badRatio) * alert.shortMs + alert.keepFiringForMs + intervalMs;
}
