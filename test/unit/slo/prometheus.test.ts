import { describe, expect, it } from 'vitest';
import { alertTransitions, historyOf, parseRules, rulesEndpoint, type AlertState, type AlertStateSample, type AlertTransition } from '../../../src/slo/prometheus.js';

const answer = (groups: unknown[]): string => JSON.stringify({ status: 'success', data: { groups } });
const alerting = (name: string, state: AlertState, extra: Record<string, unknown> = {}) => ({ type: 'alerting', name, state, health: 'ok', alerts: [], ...extra });

describe('rulesEndpoint', () => {
  it.each([
    ['http://127.0.0.1:9090', 'http://127.0.0.1:9090/api/v1/rules?type=alert'],
    ['http://127.0.0.1:9090/', 'http://127.0.0.1:9090/api/v1/rules?type=alert'],
    ['http://127.0.0.1:9090/prometheus', 'http://127.0.0.1:9090/prometheus/api/v1/rules?type=alert'],
  ])('%s → %s', (base, url) => {
    expect(rulesEndpoint(base)).toBe(url);
  });

  it('refuses what is not a URL with a coded error', () => {
    expect(() => rulesEndpoint('127.0.0.1:9090/x y')).toThrow(expect.objectContaining({ code: 'FAULTLINE_INTERNAL' }));
  });
});

describe('parseRules: a /api/v1/rules answer', () => {
  it('lists every alerting rule with its state, inactive ones included, and ignores recording rules', () => {
    const text = answer([
      { name: 'a', rules: [{ type: 'recording', name: 'slo:sli_error:ratio_rate5s', health: 'ok' }, alerting('BudgetBurnFast', 'firing'), alerting('AvailabilityTargetDown', 'inactive')] },
      { name: 'b', rules: [alerting('LatencyBurnFast', 'pending')] },
    ]);
    expect(parseRules(text)).toEqual({ alerts: { BudgetBurnFast: { state: 'firing' }, AvailabilityTargetDown: { state: 'inactive' }, LatencyBurnFast: { state: 'pending' } } });
  });

  it('merges rules that share a name into the most advanced state', () => {
    const text = answer([{ name: 'a', rules: [alerting('Burn', 'pending'), alerting('Burn', 'firing'), alerting('Burn', 'inactive')] }]);
    expect(parseRules(text)).toEqual({ alerts: { Burn: { state: 'firing' } } });
  });

  it('keeps the error of a rule Prometheus failed to evaluate', () => {
    const text = answer([{ name: 'a', rules: [alerting('Burn', 'inactive', { health: 'err', lastError: 'many-to-many matching not allowed' })] }]);
    expect(parseRules(text)).toEqual({ alerts: { Burn: { state: 'inactive', error: 'many-to-many matching not allowed' } } });
  });

  it('an empty rule set is no alerts, not an error', () => {
    expect(parseRules(answer([]))).toEqual({ alerts: {} });
  });

  it.each<[string, string, RegExp]>([
    ['not JSON', '<html>', /not JSON/],
    ['an API error', JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'invalid parameter' }), /status "error": invalid parameter/],
    ['no groups', JSON.stringify({ status: 'success', data: {} }), /no data\.groups/],
    ['a group without rules', answer([{ name: 'a' }]), /no rules list/],
    ['an unknown state', answer([{ name: 'a', rules: [{ type: 'alerting', name: 'x', state: 'resolved' }] }]), /no name or state/],
    ['a rule without a name', answer([{ name: 'a', rules: [{ type: 'alerting', state: 'firing' }] }]), /no name or state/],
  ])('%s is an error', (_what, text, message) => {
    const parsed = parseRules(text);
    expect('error' in parsed && parsed.error).toMatch(message);
  });
});

describe('historyOf', () => {
  it('folds polls into per-name samples from the first poll that lists a name, and failures', () => {
    const history = historyOf([
      { t: 0, alerts: { A: { state: 'inactive' } } },
      { t: 250, error: 'ECONNREFUSED' },
      { t: 500, alerts: { A: { state: 'pending' }, B: { state: 'inactive', error: 'bad' } } },
    ]);
    expect(history).toEqual({
      alerts: { A: [{ t: 0, state: 'inactive' }, { t: 500, state: 'pending' }], B: [{ t: 500, state: 'inactive', error: 'bad' }] },
      failures: [{ t: 250, error: 'ECONNREFUSED' }],
      polls: 3,
    });
  });
});

describe('alertTransitions', () => {
  const samples = (...states: AlertState[]): AlertStateSample[] => states.map((state, i) => ({ t: i * 1_000, state }));

  it.each<[string, AlertState[], AlertTransition[]]>([
    ['never active', ['inactive', 'inactive'], []],
    ['no samples', [], []],
    [
      'inactive → pending → firing → resolved',
      ['inactive', 'pending', 'pending', 'firing', 'inactive'],
      [
        { kind: 'pending', t: 1_000, after: 0 },
        { kind: 'firing', t: 3_000, after: 2_000 },
        { kind: 'resolved', t: 4_000, after: 3_000 },
      ],
    ],
    ['for: 0 fires without a visible pending', ['inactive', 'firing'], [{ kind: 'firing', t: 1_000, after: 0 }]],
    [
      'a pending alert whose condition clears is dropped, not resolved',
      ['inactive', 'pending', 'inactive'],
      [
        { kind: 'pending', t: 1_000, after: 0 },
        { kind: 'dropped', t: 2_000, after: 1_000 },
      ],
    ],
    [
      'firing → pending between polls: resolved and pending again at that poll',
      ['firing', 'pending'],
      [
        { kind: 'firing', t: 0, after: null },
        { kind: 'resolved', t: 1_000, after: 0 },
        { kind: 'pending', t: 1_000, after: 0 },
      ],
    ],
    ['already firing at the first poll: no earlier poll', ['firing', 'firing'], [{ kind: 'firing', t: 0, after: null }]],
  ])('%s', (_name, states, expected) => {
    expect(alertTransitions(samples(...states))).toEqual(expected);
  });

  it('a gap of failed polls widens the interval of the next transition', () => {
    expect(
      alertTransitions([
        { t: 0, state: 'inactive' },
        { t: 4_000, state: 'firing' },
      ]),
    ).toEqual([{ kind: 'firing', t: 4_000, after: 0 }]);
  });
});
