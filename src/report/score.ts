import type { ReportAssertion } from './model.js';

/**
 * The resilience score: 0–100 per scenario and per run, a single number for trend lines and
 * release comparisons. It never replaces the verdict; docs/reports.md defines it term by term.
 *
 * - A scenario's score is the weighted share of its assertions that passed, × 100, rounded
 *   down to one decimal. Weights by kind (what a user loses when the assertion fails):
 *   recovery, slo, durability 3; health, errors, alert-fires, alert-resolves 2;
 *   steady-state, alert-never 1. Unknown kinds weigh 1.
 * - A failed assertion and an inconclusive one both earn nothing: resilience that could not be
 *   shown is not credited. Both stay in the denominator.
 * - A scenario that showed nothing earns nothing: when one of its faults did not take effect,
 *   or it did not complete (aborted, interrupted, failed to run), its score is 0, as if every
 *   assertion were inconclusive. Its passes would be about a fault that did not happen.
 * - A scenario without assertions has no score (null).
 * - The run's score is the mean of its scenarios' scores (each scenario counts once, whatever
 *   its number of assertions); null when no scenario has one.
 */

export const SCORE_WEIGHTS: Readonly<Record<string, number>> = {
  recovery: 3,
  slo: 3,
  durability: 3,
  health: 2,
  errors: 2,
  'alert-fires': 2,
  'alert-resolves': 2,
  'steady-state': 1,
  'alert-never': 1,
};

export const weightOf = (kind: string): number => SCORE_WEIGHTS[kind] ?? 1;

/** Down to one decimal: a score never overstates, and only a clean sweep reaches 100 (the epsilon absorbs binary fractions such as 60.000000001 or 59.99999999). */
const round1 = (x: number): number => Math.floor(x * 10 + 1e-9) / 10;

export function scenarioScore(assertions: readonly Pick<ReportAssertion, 'kind' | 'verdict'>[], showed = true): number | null {
  if (assertions.length === 0) return null;
  if (!showed) return 0;
  let total = 0;
  let earned = 0;
  for (const a of assertions) {
    const w = weightOf(a.kind);
    total += w;
    if (a.verdict === 'pass') earned += w;
  }
  return total === 0 ? null : round1((100 * earned) / total);
}

export function runScore(scores: readonly (number | null)[]): number | null {
  const known = scores.filter((s): s is number => s !== null);
  return known.length === 0 ? null : round1(known.reduce((a, b) => a + b, 0) / known.length);
}
