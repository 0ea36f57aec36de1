import { describe, expect, it } from 'vitest';
import type { ResolvedAlert } from '../../../src/scenario/types.js';
import { budgetLevel, burnRate, errorRatio, evaluateAlert, evaluationTicks, levelTimeline, predictedFireMs, predictedResolveMs, stateAt } from '../../../src/slo/alerts.js';
import { EventSeries } from '../../../src/slo/events.js';

const alert = (over: Partial<ResolvedAlert> = {}): ResolvedAlert => ({ name: 'Burn', slo: 'availability', burnRate: 14.4, longMs: 30_000, shortMs: 5_000, forMs: 0, keepFiringForMs: 0, severity: 'page', source: 'client', ...over });

/** 100 events per second ending at t = 1 s, 2 s, …; `badAt(second)` of them bad. */
const perSecond = (seconds: number, badAt: (s: number) => number) => new EventSeries(Array.from({ length: seconds }, (_, i) => ({ t: (i + 1) * 1000, total: 100, bad: badAt(i + 1) })));

describe('error ratios and burn rates', () => {
  it('counts events with from < t ≤ to', () => {
    const series = perSecond(10, (s) => (s > 5 ? 50 : 0));
    expect(series.window(0, 5_000)).toEqual({ total: 500, bad: 0 });
    expect(series.window(5_000, 10_000)).toEqual({ total: 500, bad: 250 });
    expect(series.window(4_999, 6_000)).toEqual({ total: 200, bad: 50 });
    expect(series.window(10_000, 20_000)).toEqual({ total: 0, bad: 0 });
  });

  it.each([
    // [bad ratio, objective, burn rate]
    [0.5, 0.99, 50],
    [0.144, 0.99, 14.4],
    [0.001, 0.999, 1],
    [0, 0.99, 0],
  ])('ratio %f against %f is burn rate %f', (ratio, objective, burn) => {
    expect(burnRate(ratio, objective)).toBeCloseTo(burn, 9);
  });

  it('gives no ratio (not zero) below minEvents', () => {
    const series = perSecond(3, () => 1);
    expect(errorRatio(series, 0, 3_000, 301)).toEqual({ ratio: null, total: 300, bad: 3 });
    expect(errorRatio(series, 0, 3_000, 300).ratio).toBeCloseTo(0.01, 12);
    expect(errorRatio(series, 5_000, 6_000, 0).ratio).toBeNull();
  });
});

describe('the multi-window alert state machine', () => {
  // 99 % objective, 14.4×: the threshold is a 14.4 % error ratio in both windows.
  // From second 31 on, half the events are bad. The 5 s window is at 50 % from t = 35 s; the
  // 30 s window holds 50 bad per second past 30 s: at t = 30 + k it is 50k / 3000, above
  // 0.144 from k = 9 (450/3000 = 0.15; k = 8 gives 0.1333). So the condition first holds at 39 s.
  const onset = perSecond(70, (s) => (s > 30 && s <= 50 ? 50 : 0));
  const ticks = evaluationTicks(0, 70_000, 1_000);

  it('fires at the first tick where both windows burn above the factor (for: 0), and resolves when the short one drains', () => {
    const evaluation = evaluateAlert({ alert: alert(), objective: 0.99, series: onset, ticks, minEvents: 1 });
    // Errors stop after second 50. The 5 s window at t = 50 + k holds 50 × (5 − k) bad of 500:
    // 0.4 at k = 1, 0.3, 0.2, 0.1 at k = 4 → below 0.144 first at t = 54 s.
    expect(evaluation.transitions).toEqual([
      { t: 39_000, from: 'inactive', to: 'firing' },
      { t: 54_000, from: 'firing', to: 'inactive' },
    ]);
    expect(evaluation.firing).toEqual([{ from: 39_000, to: 54_000 }]);
    expect(stateAt(evaluation, 38_999)).toBe('inactive');
    expect(stateAt(evaluation, 45_500)).toBe('firing');
    const at39 = evaluation.ticks.find((t) => t.t === 39_000);
    expect(at39?.longBurn).toBeCloseTo(15, 9);
    expect(at39?.shortBurn).toBeCloseTo(50, 9);
  });

  it('holds pending for `for`, and a false tick while pending goes back to inactive without firing', () => {
    const evaluation = evaluateAlert({ alert: alert({ forMs: 3_000 }), objective: 0.99, series: onset, ticks, minEvents: 1 });
    expect(evaluation.transitions).toEqual([
      { t: 39_000, from: 'inactive', to: 'pending' },
      { t: 42_000, from: 'pending', to: 'firing' },
      { t: 54_000, from: 'firing', to: 'inactive' },
    ]);
    // A burst shorter than `for` never fires.
    const blip = perSecond(70, (s) => (s > 30 && s <= 40 ? 100 : 0));
    const blipped = evaluateAlert({ alert: alert({ forMs: 10_000 }), objective: 0.99, series: blip, ticks, minEvents: 1 });
    expect(blipped.firing).toEqual([]);
    expect(blipped.transitions.map((t) => t.to)).toEqual(['pending', 'inactive']);
  });

  it('keeps firing for keep_firing_for after the condition ends', () => {
    const evaluation = evaluateAlert({ alert: alert({ keepFiringForMs: 5_000 }), objective: 0.99, series: onset, ticks, minEvents: 1 });
    // The condition is last true at 53 s: resolved at the first tick ≥ 58 s.
    expect(evaluation.firing).toEqual([{ from: 39_000, to: 58_000 }]);
  });

  it('is still firing at the end when the errors never stop', () => {
    const endless = perSecond(40, (s) => (s > 10 ? 100 : 0));
    const evaluation = evaluateAlert({ alert: alert(), objective: 0.99, series: endless, ticks: evaluationTicks(0, 40_000, 1_000), minEvents: 1 });
    expect(evaluation.firing).toHaveLength(1);
    expect(evaluation.firing[0]?.to).toBeNull();
  });

  it('never fires without data: an empty short window is an empty vector, and resolves a firing alert (the kill blind spot)', () => {
    // Errors from 31 s, then no events at all after 45 s (the target and its metrics are gone).
    const killed = new EventSeries(Array.from({ length: 45 }, (_, i) => ({ t: (i + 1) * 1000, total: 100, bad: i + 1 > 30 ? 100 : 0 })));
    const evaluation = evaluateAlert({ alert: alert(), objective: 0.99, series: killed, ticks, minEvents: 1 });
    // Long 30 s window at 31 + k: 100k/3000 > 0.144 from k = 5 → 35 s. After 45 s the 5 s
    // window empties at t = 50 s (it holds (45, 50]: nothing), so it resolves then.
    expect(evaluation.firing).toEqual([{ from: 35_000, to: 50_000 }]);
  });
});

describe('predicted detection and reset', () => {
  it('matches the research numbers: 14.4× on 99 % at 50 % errors, 30 s/5 s windows', () => {
    // threshold 0.144: long window crosses at 0.144/0.5 × 30 s = 8.64 s, plus one 1 s tick.
    expect(predictedFireMs(alert(), 0.99, 0.5, 1_000)).toBeCloseTo(9_640, 6);
    // the short window drains below 0.144 after (1 − 0.288) × 5 s = 3.56 s, plus a tick.
    expect(predictedResolveMs(alert(), 0.99, 0.5, 1_000)).toBeCloseTo(4_560, 6);
    expect(predictedFireMs(alert(), 0.99, 0.1, 1_000)).toBeNull();
  });
});

describe('budget levels', () => {
  it.each([
    [null, 'unknown'],
    [0, 'green'],
    [0.0999, 'green'],
    [0.1, 'yellow'],
    [0.999, 'yellow'],
    [1, 'red'],
    [50, 'red'],
  ] as const)('burn %s is %s', (burn, level) => {
    expect(budgetLevel(burn)).toBe(level);
  });

  it('merges ticks into spans of one level', () => {
    // 1 % budget; 10 s window; 2 bad of 100 from 11 s to 20 s (burn 2 once the window is full of it).
    const series = perSecond(30, (s) => (s > 10 && s <= 20 ? 2 : 0));
    const { spans } = levelTimeline(series, 0.99, 10_000, evaluationTicks(0, 30_000, 1_000), 1);
    // At 10 + k the window ratio is 2k/1000: burn 0.2k → yellow from k = 1 (0.2), red from k = 5 (1.0).
    expect(spans.map((s) => [s.level, s.from, s.to])).toEqual([
      ['green', 1_000, 10_000],
      ['yellow', 11_000, 14_000],
      ['red', 15_000, 25_000],
      ['yellow', 26_000, 29_000],
      ['green', 30_000, 30_000],
    ]);
  });
});
