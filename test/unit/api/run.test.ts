import { describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../../src/api/run.js';

/** run()'s exit code: the most telling outcome wins (cleanup, interrupt, verdict, report files). */
describe('exitCodeOf', () => {
  const none = { cleanupFailed: false, interrupted: false, verdict: 'pass', emptyShard: false, reportFailed: false } as const;
  it.each([
    ['every expectation held', 0, {}],
    ['a failed scenario', 1, { verdict: 'fail' }],
    ['an inconclusive scenario', 1, { verdict: 'inconclusive' }],
    ['a shard with nothing to run (inconclusive, not a failure)', 0, { verdict: 'inconclusive', emptyShard: true }],
    ['a report format not written', 3, { reportFailed: true }],
    ['a failed verdict outranks a report format not written', 1, { verdict: 'fail', reportFailed: true }],
    ['an empty shard whose report format was not written (the verdict decides first)', 0, { verdict: 'inconclusive', emptyShard: true, reportFailed: true }],
    ['an interrupt', 130, { interrupted: true, verdict: 'inconclusive' }],
    ['an interrupt outranks a failed verdict', 130, { interrupted: true, verdict: 'fail' }],
    ['a failed cleanup outranks everything', 4, { cleanupFailed: true, interrupted: true, verdict: 'fail', reportFailed: true }],
  ] as const)('%s → %i', (_, code, outcome) => {
    expect(exitCodeOf({ ...none, ...outcome })).toBe(code);
  });
});
