import { describe, expect, it } from 'vitest';
import { judgeScenario } from '../../../src/judge/judge.js';
import type { FaultRecord, HealthSample, LoadSecond, Recording } from '../../../src/record/types.js';
import type { EventRef, ResolvedExpectation, ResolvedScenario, ResolvedSuite } from '../../../src/scenario/types.js';

// A 60 s scenario: steady 0–10 s, chaos 10–40 s, recover 40–60 s; the run's clock starts the
// timeline at t = 1000 (T0). One fault applied at 12 s and reverted at 32 s (timeline time).
const T0 = 1_000;
const at = (s: number) => T0 + s * 1000;

const suite = {
  slos: [{ name: 'availability', kind: 'availability', objective: 0.99, thresholdMs: null, client: true, server: null, windowMs: 30_000, description: '' }],
  alerts: [{ name: 'Burn', slo: 'availability', burnRate: 14.4, longMs: 30_000, shortMs: 5_000, forMs: 0, keepFiringForMs: 0, severity: 'page', source: 'client' }],
  evaluation: { intervalMs: 1_000, minEvents: 20 },
} as unknown as ResolvedSuite;

const faultEnd: EventRef = { ref: 'f.end', of: 'fault', name: 'f', edge: 'end', atMs: 32_000 };
const faultStart: EventRef = { ref: 'f.start', of: 'fault', name: 'f', edge: 'start', atMs: 12_000 };

const scenarioWith = (expectations: ResolvedExpectation[]): ResolvedScenario =>
  ({
    name: 's',
    phases: [
      { name: 'steady', startMs: 0, endMs: 10_000 },
      { name: 'chaos', startMs: 10_000, endMs: 40_000 },
      { name: 'recover', startMs: 40_000, endMs: 60_000 },
    ],
    durationMs: 60_000,
    faults: [],
    expectations,
  }) as unknown as ResolvedScenario;

/** Health every 250 ms from 0 to 60 s: DOWN where `down(second)` holds. */
const health = (down: (s: number) => boolean): HealthSample[] =>
  Array.from({ length: 241 }, (_, i) => {
    const s = i / 4;
    return { t: at(s), state: down(s) ? 'DOWN' : 'UP', status: down(s) ? 503 : 200, latencyMs: 1 };
  });

/** 50 requests per second; `bad(second)` of them 5xx. */
const statusOf = (bad: number): Record<string, number> => {
  const status: Record<string, number> = { '200': 50 - bad };
  if (bad > 0) status['503'] = bad;
  return status;
};
const load = (bad: (s: number) => number): LoadSecond[] =>
  Array.from({ length: 60 }, (_, s) => ({
    t: at(s),
    due: 50,
    sent: 50,
    status: statusOf(bad(s)),
    errors: { unanswered: 0, refused: 0, timeout: 0, skipped: 0, other: 0 },
    latency: { count: 50, mean: 1, p50: 1, p90: 1, p95: 1, p99: 1, max: 1 },
    service: { count: 50, mean: 1, p50: 1, p90: 1, p95: 1, p99: 1, max: 1 },
    under: {},
    histogram: '',
    sendLagP99: 0,
  }));

const fault = (over: Partial<FaultRecord> = {}): FaultRecord => ({ name: 'f', kind: 'network', plannedStart: at(12), plannedEnd: at(32), appliedAt: at(12), revertedAt: at(32), requested: {}, achieved: {}, effect: 'effective', evidence: '', ...over });

const recording = (over: Partial<Recording> = {}): Recording => ({
  schemaVersion: 1,
  suite: 'x',
  scenario: 's',
  seed: 1,
  startedAt: '',
  durationMs: 62_000,
  status: 'completed',
  reason: null,
  phases: [
    { name: 'steady', plannedStart: at(0), plannedEnd: at(10), start: at(0), end: at(10) },
    { name: 'chaos', plannedStart: at(10), plannedEnd: at(40), start: at(10), end: at(40) },
    { name: 'recover', plannedStart: at(40), plannedEnd: at(60), start: at(40), end: at(60) },
  ],
  events: [],
  faults: [fault()],
  load: load(() => 0),
  health: health(() => false),
  metrics: { series: [], samples: [] },
  resources: [],
  injector: [],
  ...over,
});

const healthUpDown = (index: number, from: 'UP' | 'DOWN', to: 'UP' | 'DOWN', withinMs: number, after: EventRef): ResolvedExpectation => ({ id: `health[${index}]`, kind: 'health', index, from, to, withinMs, after });
const recovery = (withinMs: number, stableMs = 5_000): ResolvedExpectation => ({ id: 'recovery', kind: 'recovery', withinMs, stableMs, health: true, slos: ['availability'], after: faultEnd });

const judge = (expectations: ResolvedExpectation[], over: Partial<Recording> = {}) => judgeScenario(suite, scenarioWith(expectations), recording(over));

describe('health transitions', () => {
  const pair = [healthUpDown(0, 'UP', 'DOWN', 10_000, faultStart), healthUpDown(1, 'DOWN', 'UP', 15_000, faultEnd)];

  it.each([
    // [case, DOWN while, verdicts of the pair, actual of the failing one]
    ['down 2 s after the start, up 3 s after the end', (s: number) => s >= 14 && s < 35, ['pass', 'pass']],
    ['down too late (11 s after the start)', (s: number) => s >= 23 && s < 35, ['fail', 'pass']],
    ['never down', () => false, ['fail', 'fail']],
    ['never back up', (s: number) => s >= 14, ['pass', 'fail']],
    ['back up before the fault ended (already UP at the anchor)', (s: number) => s >= 14 && s < 20, ['pass', 'fail']],
    // Flapping: DOWN, UP, DOWN again, then back UP 2 s after the end. The second entry is
    // matched only after the first (at 14 s), at the first DOWN → UP after the fault's end.
    ['flapping during the fault', (s: number) => (s >= 14 && s < 18) || (s >= 20 && s < 34), ['pass', 'pass']],
  ] as const)('%s', (_, down, verdicts) => {
    const v = judge(pair, { health: health(down) });
    expect(v.assertions.map((a) => a.verdict)).toEqual(verdicts);
  });

  it('reports how long after the anchor, and is inconclusive without samples or when the fault never ran', () => {
    const ok = judge(pair, { health: health((s) => s >= 14 && s < 35) });
    expect(ok.assertions[0]).toMatchObject({ verdict: 'pass', actual: 'DOWN 2 s after f.start', evidence: { afterMs: 2000 } });
    expect(ok.assertions[1]).toMatchObject({ verdict: 'pass', actual: 'UP 3 s after f.end' });
    expect(judge(pair, { health: [] }).assertions.map((a) => a.verdict)).toEqual(['inconclusive', 'inconclusive']);
    const never = judge(pair, { faults: [fault({ appliedAt: null, revertedAt: null, effect: 'not-effective', evidence: 'aborted first' })] });
    expect(never.assertions.map((a) => a.verdict)).toEqual(['inconclusive', 'inconclusive']);
    expect(never.verdict).toBe('inconclusive');
  });
});

describe('recovery time', () => {
  it.each([
    // [case, DOWN while, bad requests per second, within, verdict, recovery ms]
    ['health back 3 s after the end', (s: number) => s >= 14 && s < 35, () => 0, 20_000, 'pass', 3_000],
    ['already recovered at the end (recovery before the fault end): 0', (s: number) => s >= 14 && s < 20, () => 0, 20_000, 'pass', 0],
    ['too slow', (s: number) => s >= 14 && s < 50, () => 0, 10_000, 'fail', 18_000],
    // UP at 35 s but DOWN again 36–38 s: the first 5 s of stable UP starts at 38 s.
    ['flapping after the end', (s: number) => (s >= 14 && s < 35) || (s >= 36 && s < 38), () => 0, 20_000, 'pass', 6_000],
    // Health UP at once, but 10 % of requests fail until 40 s: recovered only when a 5 s window is clean.
    ['health UP but the SLO still burning', () => false, (s: number) => (s >= 12 && s < 40 ? 5 : 0), 20_000, 'pass', 8_000],
  ] as const)('%s', (_, down, bad, within, verdict, recoveryMs) => {
    const v = judge([recovery(within)], { health: health(down), load: load(bad) });
    expect(v.assertions[0]).toMatchObject({ verdict, evidence: { recoveryMs } });
  });

  it('fails when it never recovers within the scenario', () => {
    const v = judge([recovery(20_000)], { health: health((s) => s >= 14) });
    expect(v.assertions[0]).toMatchObject({ verdict: 'fail' });
    expect(v.assertions[0]?.actual).toMatch(/never came back UP/);
  });
});

describe('alerts, SLOs and errors', () => {
  const fires: ResolvedExpectation = { id: 'alerts[0].fires', kind: 'alert-fires', alert: 'Burn', withinMs: 20_000, after: faultStart };
  const resolves: ResolvedExpectation = { id: 'alerts[1].resolves', kind: 'alert-resolves', alert: 'Burn', withinMs: 20_000, after: faultEnd };
  const never: ResolvedExpectation = { id: 'alerts[2].never', kind: 'alert-never', alert: 'Burn', phases: ['steady'] };
  const sloChaos: ResolvedExpectation = { id: 'slo[0]', kind: 'slo', slo: 'availability', phase: 'chaos', objective: 0.99, source: 'client' };
  const errors: ResolvedExpectation = { id: 'errors[0]', kind: 'errors', errorKind: '5xx', max: 10, ratio: null, phase: 'chaos' };

  it('half the requests failing from 12 s to 32 s: the alert fires, resolves, not in steady; the SLO and error limit fail', () => {
    const v = judge([fires, resolves, never, sloChaos, errors], { load: load((s) => (s >= 12 && s < 32 ? 25 : 0)) });
    // A load second counts at its end, so at tick T (≤ 30 s) the 30 s window holds every second
    // so far: 50T events, 25 (T − 12) bad. (T − 12) / 2T > 0.144 ⇔ T > 16.85: the first tick is
    // 17 s, when the 5 s window is all inside the fault (50 % bad). Fired 5 s after f.start.
    expect(v.assertions.map((a) => [a.id, a.verdict])).toEqual([
      ['alerts[0].fires', 'pass'],
      ['alerts[1].resolves', 'pass'],
      ['alerts[2].never', 'pass'],
      ['slo[0]', 'fail'],
      ['errors[0]', 'fail'],
    ]);
    expect(v.assertions[0]?.evidence).toMatchObject({ afterMs: 5_000, clientBadRatioDuringFault: 0.5 });
    expect(v.assertions[3]?.actual).toBe('client: 66.67% good (500 bad of 1500)');
    expect(v.assertions[4]?.actual).toBe('500 5xx of 1500 requests (33.33%)');
    expect(v.verdict).toBe('fail');
  });

  it('an alert that never fires fails `fires`; `resolves` needs it firing at the anchor', () => {
    const v = judge([fires, resolves, never]);
    expect(v.assertions.map((a) => a.verdict)).toEqual(['fail', 'fail', 'pass']);
    expect(v.assertions[1]?.actual).toMatch(/never fired/);
  });

  it('is inconclusive with too few events, and a not-effective fault makes the scenario inconclusive', () => {
    const empty = judge([sloChaos, never], { load: [] });
    expect(empty.assertions.map((a) => a.verdict)).toEqual(['inconclusive', 'inconclusive']);
    const ineffective = judge([never], { faults: [fault({ effect: 'not-effective', evidence: 'the probe answered at once' })] });
    expect(ineffective.assertions[0]?.verdict).toBe('pass');
    expect(ineffective.verdict).toBe('inconclusive');
    expect(ineffective.reason).toMatch(/did not take effect/);
  });

  it('measures MTTD (first sign: health or an alert) and MTTR per fault', () => {
    const v = judge([never], { health: health((s) => s >= 14 && s < 35), load: load((s) => (s >= 12 && s < 32 ? 25 : 0)) });
    expect(v.faults).toEqual([{ fault: 'f', effect: 'effective', mttdMs: 2_000, detectedBy: 'health DOWN', mttrMs: 3_000 }]);
  });
});
