import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { FaultlineError } from '../../../src/errors.js';
import { validateDocuments } from '../../../src/scenario/load.js';
import type { ResolvedAlert, ResolvedSlo } from '../../../src/scenario/types.js';
import { buildRules, errorRatioRecord, renderRules, targetDownAlertName, type AlertingRule, type RecordingRule, type SuiteRulesInput } from '../../../src/slo/rules.js';
import { ROOT } from '../../helpers/processes.js';

/** The bundled suite file alone (its scenarios do not matter to the rules). */
function bundledSuite(): SuiteRulesInput {
  const file = `${ROOT}scenarios/faultline.yaml`;
  const result = validateDocuments({ path: file, file: 'scenarios/faultline.yaml', text: readFileSync(file, 'utf8') }, [], { HOME: '/tmp' });
  expect(result.files.flatMap((f) => f.issues)).toEqual([]);
  if (result.loaded === undefined) throw new Error('not loaded');
  return result.loaded.suite;
}

const availability = (over: Partial<ResolvedSlo> = {}): ResolvedSlo => ({
  name: 'availability',
  kind: 'availability',
  objective: 0.99,
  thresholdMs: null,
  client: true,
  server: {
    kind: 'availability',
    total: { metric: 'http_requests_total', matchers: [{ label: 'route', op: '=', value: '/v1/orders' }] },
    errors: { metric: 'http_requests_total', matchers: [{ label: 'route', op: '=', value: '/v1/orders' }, { label: 'code', op: '=~', value: '5..' }] },
  },
  windowMs: 30_000,
  description: '',
  ...over,
});

const latency = (thresholdMs: number, over: Partial<ResolvedSlo> = {}): ResolvedSlo => ({
  name: 'latency',
  kind: 'latency',
  objective: 0.99,
  thresholdMs,
  client: true,
  server: { kind: 'latency', histogram: { metric: 'http_request_duration_seconds', matchers: [{ label: 'route', op: '=', value: '/v1/orders' }] } },
  windowMs: 30_000,
  description: '',
  ...over,
});

const alert = (over: Partial<ResolvedAlert> = {}): ResolvedAlert => ({
  name: 'BudgetBurnFast',
  slo: 'availability',
  burnRate: 14.4,
  longMs: 30_000,
  shortMs: 5_000,
  forMs: 0,
  keepFiringForMs: 0,
  severity: 'page',
  source: 'server',
  ...over,
});

const suiteOf = (slos: ResolvedSlo[], alerts: ResolvedAlert[], intervalMs = 1_000): SuiteRulesInput => ({ name: 'shop', slos, alerts, evaluation: { intervalMs, minEvents: 20 } });

const rulesOf = (suite: SuiteRulesInput) => buildRules(suite).groups.flatMap((g) => g.rules);
const alertRule = (suite: SuiteRulesInput, name: string): AlertingRule => {
  const rule = rulesOf(suite).find((r): r is AlertingRule => 'alert' in r && r.alert === name);
  if (rule === undefined) throw new Error(`no alert ${name}`);
  return rule;
};
const recordings = (suite: SuiteRulesInput): RecordingRule[] => rulesOf(suite).filter((r): r is RecordingRule => 'record' in r);

describe('the rules of the bundled suite', () => {
  const suite = bundledSuite();
  const { groups, skipped } = buildRules(suite);

  it('has one group per server-side SLO, evaluated at the suite evaluation interval', () => {
    expect(groups.map((g) => [g.name, g.interval])).toEqual([
      ['faultline/agent-runtime/availability', '1s'],
      ['faultline/agent-runtime/latency', '1s'],
    ]);
  });

  it('records the availability error ratio over 5s and 30s, from the suite selectors', () => {
    expect(groups[0]?.rules.filter((r) => 'record' in r)).toEqual([
      {
        record: 'slo:sli_error:ratio_rate5s',
        expr: '(sum(rate(http_requests_total{route="/v1/actions",status_code=~"5.."}[5s])) or vector(0)) / sum(rate(http_requests_total{route="/v1/actions"}[5s]))',
        labels: { slo: 'availability' },
      },
      {
        record: 'slo:sli_error:ratio_rate30s',
        expr: '(sum(rate(http_requests_total{route="/v1/actions",status_code=~"5.."}[30s])) or vector(0)) / sum(rate(http_requests_total{route="/v1/actions"}[30s]))',
        labels: { slo: 'availability' },
      },
    ]);
  });

  it('records the latency error ratio from the 0.25 s bucket and _count', () => {
    expect(groups[1]?.rules.find((r) => 'record' in r && r.record === 'slo:sli_error:ratio_rate30s')).toEqual({
      record: 'slo:sli_error:ratio_rate30s',
      expr: '1 - (sum(rate(http_request_duration_seconds_bucket{route="/v1/actions",le="0.25"}[30s])) / sum(rate(http_request_duration_seconds_count{route="/v1/actions"}[30s])))',
      labels: { slo: 'latency' },
    });
  });

  it('writes BudgetBurnFast as long AND short above 14.4 × 0.01, with no for or keep_firing_for', () => {
    expect(alertRule(suite, 'BudgetBurnFast')).toEqual({
      alert: 'BudgetBurnFast',
      expr: '(slo:sli_error:ratio_rate30s{slo="availability"} > (14.4 * 0.01))\nand\n(slo:sli_error:ratio_rate5s{slo="availability"} > (14.4 * 0.01))',
      labels: { severity: 'page', slo: 'availability' },
      annotations: {
        summary: 'SLO availability (objective 99%) is burning its error budget more than 14.4× as fast as it may, over 30s and over 5s',
        description: 'Actions answered without a 5xx, a timeout or a connection error.',
      },
    });
  });

  it('adds a TargetDown alert per group that waits 0.144 × 30s = 4.32s', () => {
    expect(alertRule(suite, 'AvailabilityTargetDown')).toMatchObject({ expr: 'absent(sum(http_requests_total{route="/v1/actions"}))', for: '4s320ms', labels: { severity: 'page', slo: 'availability' } });
    expect(alertRule(suite, 'LatencyTargetDown')).toMatchObject({ expr: 'absent(sum(http_request_duration_seconds_count{route="/v1/actions"}))', for: '4s320ms', labels: { severity: 'page', slo: 'latency' } });
  });

  it('skips the client-side alert and says why, in a comment of the rendered file', () => {
    expect(skipped).toEqual([{ alert: 'ClientBudgetBurnFast', slo: 'availability', reason: expect.stringContaining('source: client') }]);
    const text = renderRules(suite);
    expect(text).toMatch(/^# - ClientBudgetBurnFast \(SLO availability\): source: client reads faultline's load generator, which Prometheus cannot see\.$/m);
    expect(text).not.toMatch(/^\s+- alert: ClientBudgetBurnFast/m);
  });

  it('renders YAML that parses back to exactly the built groups, one line per expression', () => {
    const text = renderRules(suite);
    expect(parseDocument(text).errors).toEqual([]);
    expect(parse(text)).toEqual({ groups: JSON.parse(JSON.stringify(groups)) });
    // Recording expressions stay on one line (no folding); alert expressions are block literals.
    expect(text).toContain('        expr: (sum(rate(http_requests_total{route="/v1/actions",status_code=~"5.."}[30s])) or vector(0)) / sum(rate(http_requests_total{route="/v1/actions"}[30s]))\n');
    expect(text).toContain('        expr: |-\n          (slo:sli_error:ratio_rate30s{slo="availability"} > (14.4 * 0.01))\n          and\n');
    expect(text).not.toContain('keep_firing_for');
  });
});

describe('edge cases', () => {
  it.each<[string, Partial<ResolvedAlert>, { for?: string; keep_firing_for?: string }]>([
    ['both 0: neither key', { forMs: 0, keepFiringForMs: 0 }, {}],
    ['for only', { forMs: 2_500 }, { for: '2s500ms' }],
    ['keep_firing_for only', { keepFiringForMs: 90_000 }, { keep_firing_for: '1m30s' }],
    ['both', { forMs: 1_000, keepFiringForMs: 5_000 }, { for: '1s', keep_firing_for: '5s' }],
    ['a fraction of a ms below 1 rounds up, so it is kept', { forMs: 0.4 }, { for: '1ms' }],
  ])('for / keep_firing_for: %s', (_name, over, expected) => {
    const rule = alertRule(suiteOf([availability()], [alert(over)]), 'BudgetBurnFast');
    expect({ for: rule.for, keep_firing_for: rule.keep_firing_for }).toEqual({ for: undefined, keep_firing_for: undefined, ...expected });
    expect(Object.keys(rule).filter((k) => k === 'for' || k === 'keep_firing_for')).toEqual(Object.keys(expected));
  });

  it('says keep_firing_for needs Prometheus 2.42 only when a rule uses it', () => {
    expect(renderRules(suiteOf([availability()], [alert()]))).not.toContain('2.42');
    expect(renderRules(suiteOf([availability()], [alert({ keepFiringForMs: 1_000 })]))).toContain('keep_firing_for needs Prometheus >= 2.42');
  });

  it('escapes quotes, backslashes and newlines in selector values', () => {
    const slo = availability({
      server: {
        kind: 'availability',
        total: { metric: 'app:requests_total', matchers: [{ label: 'path', op: '=', value: 'C:\\dir "x"\ny' }] },
        errors: { metric: 'app:requests_total', matchers: [{ label: 'code', op: '=~', value: '5\\d\\d' }] },
      },
    });
    const [short] = recordings(suiteOf([slo], [alert()]));
    expect(short?.expr).toBe('(sum(rate(app:requests_total{code=~"5\\\\d\\\\d"}[5s])) or vector(0)) / sum(rate(app:requests_total{path="C:\\\\dir \\"x\\"\\ny"}[5s]))');
    expect(alertRule(suiteOf([slo], [alert()]), 'AvailabilityTargetDown').expr).toBe('absent(sum(app:requests_total{path="C:\\\\dir \\"x\\"\\ny"}))');
  });

  it.each<[number, string]>([
    [250, 'le="0.25"'],
    [100, 'le="0.1"'],
    [2_500, 'le="2.5"'],
    // Prometheus 3 writes whole-second edges as "1.0": accept both spellings.
    [1_000, 'le=~"1|1\\\\.0"'],
    [10_000, 'le=~"10|10\\\\.0"'],
  ])('latency threshold %s ms → %s', (thresholdMs, matcher) => {
    const [rule] = recordings(suiteOf([latency(thresholdMs)], [alert({ name: 'LatencyBurn', slo: 'latency' })]));
    expect(rule?.expr).toContain(`http_request_duration_seconds_bucket{route="/v1/orders",${matcher}}[5s]`);
  });

  it('records each window once, shortest first, when alerts share windows', () => {
    const suite = suiteOf(
      [availability()],
      [alert({ name: 'Fast', longMs: 30_000, shortMs: 5_000 }), alert({ name: 'Slow', burnRate: 6, longMs: 180_000, shortMs: 30_000 }), alert({ name: 'Odd', longMs: 90_000, shortMs: 500 })],
    );
    expect(recordings(suite).map((r) => r.record)).toEqual(['500ms', '5s', '30s', '1m30s', '3m'].map((w) => `slo:sli_error:ratio_rate${w}`));
    expect(alertRule(suite, 'Slow').expr).toBe('(slo:sli_error:ratio_rate3m{slo="availability"} > (6 * 0.01))\nand\n(slo:sli_error:ratio_rate30s{slo="availability"} > (6 * 0.01))');
  });

  it('names the ratio recordings after the window', () => {
    expect([5_000, 30_000, 90_000, 500, 3_600_000].map(errorRatioRecord)).toEqual(['slo:sli_error:ratio_rate5s', 'slo:sli_error:ratio_rate30s', 'slo:sli_error:ratio_rate1m30s', 'slo:sli_error:ratio_rate500ms', 'slo:sli_error:ratio_rate1h']);
  });

  it.each<[string, string]>([
    ['availability', 'AvailabilityTargetDown'],
    ['server-only', 'ServerOnlyTargetDown'],
    ['p99.latency_v2', 'P99LatencyV2TargetDown'],
    ['_internal', 'InternalTargetDown'],
    ['_1x', 'Slo1xTargetDown'],
  ])('TargetDown name of SLO %s is %s', (slo, name) => {
    expect(targetDownAlertName(slo)).toBe(name);
  });

  it('TargetDown waits as long as the fastest server alert needs at 100% errors, plus its for', () => {
    const suite = suiteOf(
      [availability({ objective: 0.999 })],
      [
        alert({ name: 'Page', burnRate: 14.4, longMs: 60_000, forMs: 1_000, severity: 'page' }), // 0.0144 × 60 s + 1 s = 1.864 s
        alert({ name: 'Ticket', burnRate: 6, longMs: 60_000, severity: 'ticket' }), // 0.006 × 60 s = 0.36 s: the fastest
      ],
    );
    expect(alertRule(suite, 'AvailabilityTargetDown')).toMatchObject({ for: '360ms', labels: { severity: 'ticket' } });
    // A threshold at or above 100% errors can never be crossed: the whole long window counts.
    const never = suiteOf([availability({ objective: 0.5 })], [alert({ burnRate: 4, longMs: 10_000 })]);
    expect(alertRule(never, 'AvailabilityTargetDown').for).toBe('10s');
  });

  it('writes no group for an SLO without server-side alerts, and says so when nothing is left', () => {
    const clientOnly = suiteOf([availability({ server: null })], [alert({ source: 'client' })]);
    expect(buildRules(clientOnly).groups).toEqual([]);
    const text = renderRules(clientOnly);
    expect(parse(text)).toEqual({ groups: [] });
    expect(text).toContain('# No SLO has a server-side alert, so there are no rules.');
    expect(buildRules(suiteOf([availability(), latency(250)], [alert()])).groups.map((g) => g.name)).toEqual(['faultline/shop/availability']);
  });

  it('writes the group interval from evaluation.interval', () => {
    expect(buildRules(suiteOf([availability()], [alert()], 250)).groups[0]?.interval).toBe('250ms');
  });

  it('escapes Go template braces in labels and annotations, which Prometheus expands', () => {
    const rule = alertRule(suiteOf([availability({ description: 'uses {{ $value }}' })], [alert({ severity: '{{sev}}' })]), 'BudgetBurnFast');
    expect(rule.labels['severity']).toBe('{{ "{{" }}sev}}');
    expect(rule.annotations['description']).toBe('uses {{ "{{" }} $value }}');
  });

  it('refuses a generated TargetDown name that a suite alert already uses', () => {
    const clash = suiteOf([availability()], [alert(), alert({ name: 'AvailabilityTargetDown', source: 'client' })]);
    expect(() => buildRules(clash)).toThrow(FaultlineError);
    try {
      buildRules(clash);
    } catch (error) {
      expect(error).toMatchObject({ code: 'FAULTLINE_USAGE' });
    }
  });

  it('keeps the objective and burn rate free of float noise', () => {
    const rule = alertRule(suiteOf([availability({ objective: 0.999 })], [alert({ burnRate: 6 })]), 'BudgetBurnFast');
    expect(rule.expr).toContain('> (6 * 0.001)');
    expect(rule.annotations['summary']).toContain('(objective 99.9%)');
  });
});
