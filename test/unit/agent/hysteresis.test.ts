import { describe, expect, it } from 'vitest';
import { Hysteresis } from '../../../harness/agent/health/hysteresis.js';
import type { CheckStatus } from '../../../harness/agent/health/hysteresis.js';

/** Feeds a string of observations ('+' good, '-' bad) and returns the status after each. */
function run(h: Hysteresis, observations: string): CheckStatus[] {
  return [...observations].map((c) => h.observe(c === '+'));
}

const U: CheckStatus = 'UP';
const D: CheckStatus = 'DOWN';

describe('Hysteresis', () => {
  it('starts UP with no bad observations', () => {
    const h = new Hysteresis(3, 2);
    expect(h.status).toBe('UP');
    expect(h.consecutiveBad).toBe(0);
  });

  it.each([
    { name: 'goes DOWN on the 3rd bad in a row, not before', fail: 3, recover: 2, obs: '---', statuses: [U, U, D] },
    { name: 'a good resets the bad count', fail: 3, recover: 2, obs: '--+--+--', statuses: [U, U, U, U, U, U, U, U] },
    { name: 'counts again from zero after a good', fail: 3, recover: 2, obs: '--+---', statuses: [U, U, U, U, U, D] },
    { name: 'stays DOWN on more bads', fail: 2, recover: 2, obs: '----', statuses: [U, D, D, D] },
    { name: 'comes back UP after 2 goods, not 1', fail: 2, recover: 2, obs: '--++', statuses: [U, D, D, U] },
    { name: 'a bad while recovering resets the good count', fail: 2, recover: 2, obs: '--+-++', statuses: [U, D, D, D, D, U] },
    { name: 'goods while UP do not pre-pay recovery', fail: 2, recover: 3, obs: '+++++--+', statuses: [U, U, U, U, U, U, D, D] },
    { name: 'threshold 1 flips on every change', fail: 1, recover: 1, obs: '-+-+', statuses: [D, U, D, U] },
    { name: 'recovers after exactly M goods', fail: 1, recover: 4, obs: '-++++', statuses: [D, D, D, D, U] },
  ])('$name', ({ fail, recover, obs, statuses }) => {
    const h = new Hysteresis(fail, recover);
    expect(run(h, obs)).toEqual(statuses);
    expect(h.status).toBe(statuses.at(-1));
  });

  it('reports consecutive bad observations, reset by a good one', () => {
    const h = new Hysteresis(5, 1);
    run(h, '---');
    expect(h.consecutiveBad).toBe(3);
    h.observe(true);
    expect(h.consecutiveBad).toBe(0);
    run(h, '------');
    expect(h.consecutiveBad).toBe(6);
    expect(h.status).toBe('DOWN');
  });
});
