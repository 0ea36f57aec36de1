import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SCORE_WEIGHTS, runScore, scenarioScore } from '../../../src/report/score.js';

/** The resilience score's definition (docs/reports.md) as hand-computed cases and invariants. */

type V = 'pass' | 'fail' | 'inconclusive';
const a = (kind: string, verdict: V) => ({ kind, verdict });

describe('scenarioScore', () => {
  it.each([
    ['no assertions', [], true, null],
    ['all pass', [a('health', 'pass'), a('slo', 'pass')], true, 100],
    // weights: slo 3, health 2 → 3 / 5
    ['the slo passes, health fails', [a('health', 'fail'), a('slo', 'pass')], true, 60],
    // inconclusive earns nothing, like a fail
    ['inconclusive health', [a('health', 'inconclusive'), a('slo', 'pass')], true, 60],
    // steady-state 1 + 1, recovery 3, alert-never 1 → passes 1 + 3 of 6 = 66.666…, rounded down
    ['mixed kinds', [a('steady-state', 'pass'), a('steady-state', 'fail'), a('recovery', 'pass'), a('alert-never', 'fail')], true, 66.6],
    ['an unknown kind weighs 1', [a('future-kind', 'pass'), a('health', 'fail')], true, 33.3],
    ['a fault that did not take effect scores 0', [a('health', 'pass')], false, 0],
  ] as const)('%s', (_, assertions, showed, expected) => {
    expect(scenarioScore(assertions, showed)).toBe(expected);
  });
});

describe('runScore', () => {
  it.each([
    [[], null],
    [[null, null], null],
    [[100, null, 50], 75],
    [[100, 0, 0], 33.3],
  ] as const)('%j → %s', (scores, expected) => {
    expect(runScore(scores)).toBe(expected);
  });
});

const kinds = [...Object.keys(SCORE_WEIGHTS), 'other'];
const assertionArb = fc.record({ kind: fc.constantFrom(...kinds), verdict: fc.constantFrom<V>('pass', 'fail', 'inconclusive') });
const scenarioArb = fc.record({ assertions: fc.array(assertionArb, { maxLength: 12 }), showed: fc.boolean() });

describe('score invariants (property-based, seeded)', () => {
  const params = { seed: 20261125, numRuns: 500 };

  it('is within 0..100 or null (only without assertions)', () => {
    fc.assert(
      fc.property(fc.array(scenarioArb, { maxLength: 6 }), (scenarios) => {
        const scores = scenarios.map((s) => scenarioScore(s.assertions, s.showed));
        scores.forEach((score, i) => {
          if (score === null) expect(scenarios[i]?.assertions.length).toBe(0);
          else expect(score >= 0 && score <= 100).toBe(true);
        });
        const run = runScore(scores);
        if (run !== null) expect(run >= 0 && run <= 100).toBe(true);
      }),
      params,
    );
  });

  it('never rises when an assertion turns from pass to fail or inconclusive (scenario and run)', () => {
    fc.assert(
      fc.property(fc.array(scenarioArb, { minLength: 1, maxLength: 6 }), fc.nat(), fc.nat(), fc.constantFrom<V>('fail', 'inconclusive'), (scenarios, si, ai, worse) => {
        const s = scenarios[si % scenarios.length] as (typeof scenarios)[number];
        const passes = s.assertions.map((x, i) => (x.verdict === 'pass' ? i : -1)).filter((i) => i >= 0);
        fc.pre(passes.length > 0);
        const index = passes[ai % passes.length] as number;
        const after = scenarios.map((x) => (x === s ? { ...x, assertions: x.assertions.map((y, i) => (i === index ? { ...y, verdict: worse } : y)) } : x));
        const score = (list: typeof scenarios) => list.map((x) => scenarioScore(x.assertions, x.showed));
        const before = score(scenarios);
        const later = score(after);
        const i = scenarios.indexOf(s);
        expect(later[i] as number).toBeLessThanOrEqual(before[i] as number);
        expect(runScore(later) as number).toBeLessThanOrEqual(runScore(before) as number);
      }),
      params,
    );
  });

  it('is 100 exactly when every assertion of a scenario that showed its faults passed (even among thousands)', () => {
    fc.assert(
      fc.property(fc.array(assertionArb, { minLength: 1, maxLength: 3000 }), (assertions) => {
        expect(scenarioScore(assertions, true) === 100).toBe(assertions.every((x) => x.verdict === 'pass'));
      }),
      params,
    );
  });
});
