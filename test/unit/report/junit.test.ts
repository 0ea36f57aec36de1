import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderJunit } from '../../../src/report/junit.js';
import { reportSchema, type Report } from '../../../src/report/model.js';
import { FIXTURES, HOSTILE, assertion, fault, fixtureReport, report, scenario } from '../../helpers/sample-report.js';

/**
 * The JUnit renderer's mapping, read back with a few regular expressions (the structure is
 * ours and regular). test/integration/report/junit-xsd.test.ts checks the same output against
 * the Ant schema with xmllint, and hostile strings through a real parser.
 */

const decode = (s: string): string =>
  s.replace(/&(lt|gt|amp|quot|apos|#\d+);/g, (_, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[e] ?? String.fromCodePoint(Number(e.slice(1))));

const attrs = (tag: string): Record<string, string> => Object.fromEntries([...tag.matchAll(/ ([\w-]+)="([^"]*)"/g)].map((m) => [m[1] as string, decode(m[2] as string)]));

type Known<K extends string> = Partial<Record<K, string>>;
type ParsedCase = Known<'name' | 'classname' | 'time'> & { outcome: (Known<'type' | 'message'> & { element: string; text: string }) | null };
type ParsedSuite = Known<'name' | 'package' | 'id' | 'timestamp' | 'hostname' | 'tests' | 'failures' | 'errors' | 'skipped' | 'time'> & { properties: Record<string, string>; cases: ParsedCase[]; out: string };

/** Each testsuite: its attributes, properties, testcases (attributes and outcome element) and system-out. */
function parse(xml: string): ParsedSuite[] {
  return [...xml.matchAll(/<testsuite( [^>]*)>([\s\S]*?)<\/testsuite>/g)].map((m) => {
    const body = m[2] as string;
    return {
      ...attrs(m[1] as string),
      properties: Object.fromEntries([...body.matchAll(/<property( [^>]*)\/>/g)].map((p) => { const a = attrs(p[1] as string); return [a['name'], a['value']]; })),
      cases: [...body.matchAll(/<testcase( [^>]*?)(?:\/>|>\s*<(failure|error|skipped)( [^>]*?)(?:\/>|>([\s\S]*?)<\/\2>)\s*<\/testcase>)/g)].map((c) => ({
        ...attrs(c[1] as string),
        outcome: c[2] === undefined ? null : { element: c[2], ...attrs(c[3] ?? ''), text: decode(c[4] ?? '') },
      })),
      out: decode(/<system-out>([\s\S]*?)<\/system-out>/.exec(body)?.[1] ?? ''),
    };
  });
}

describe('renderJunit on the real reports', () => {
  it('no-timeout: one testsuite, the three failed assertions as failures with expected, actual and evidence', () => {
    const [suite, ...rest] = parse(renderJunit(fixtureReport('no-timeout')));
    expect(rest).toEqual([]);
    expect(suite).toMatchObject({ name: 'network-latency', package: 'faultline.agent-runtime', id: '0', tests: '10', failures: '3', errors: '0', skipped: '0', timestamp: '2026-11-25T18:06:41', hostname: 'vm' });
    expect(suite?.time).toMatch(/^\d+\.\d{3}$/);
    const failed = suite?.cases.filter((c) => c.outcome !== null) ?? [];
    expect(failed.map((c) => c.name?.split(':')[0])).toEqual(['alerts[0].fires', 'alerts[1].resolves', 'slo[0]']);
    expect(failed.every((c) => c.classname === 'faultline.agent-runtime.network-latency')).toBe(true);
    expect(failed[2]?.outcome).toMatchObject({ element: 'failure', type: 'slo', message: "expected latency at least 99.00% good during chaos (by the service's metrics); actual server: 1.69% good (1451 bad of 1476)" });
    expect(failed[2]?.outcome?.text).toContain('evidence: {"server":{"total":1476,"bad":1451,"ratio":0.9830623306233063}}');
    expect(suite?.properties).toMatchObject({ 'run.verdict': 'fail', 'run.score': '65', 'run.release': 'dev', 'run.commit': '', 'run.seed': '20261125', 'run.id': 'dev', 'scenario.verdict': 'fail', 'scenario.score': '65', 'fault.slow-upstream.effect': 'effective', 'fault.slow-upstream.mttdMs': '999', 'fault.slow-upstream.mttrMs': '0' });
  });

  it('run-inconclusive: five testsuites; cpu-saturation, all of whose assertions passed, carries its verdict as an error', () => {
    const suites = parse(renderJunit(fixtureReport('run-inconclusive')));
    expect(suites.map((s) => [s.name, s.id, s.tests, s.failures, s.errors])).toEqual([
      ['cpu-saturation', '0', '7', '0', '1'],
      ['graceful-restart', '1', '2', '0', '0'],
      ['heap-growth', '2', '5', '0', '0'],
      ['network-latency', '3', '10', '0', '0'],
      ['process-kill', '4', '4', '0', '0'],
    ]);
    const verdict = suites[0]?.cases.at(-1);
    expect(verdict).toMatchObject({ name: 'scenario verdict', outcome: { element: 'error', type: 'inconclusive', message: expect.stringContaining('did not take effect') as string } });
    expect(suites[0]?.properties['fault.burn-cpu.effect']).toBe('not-effective');
    expect(suites[0]?.out).toContain('finding: availability during recover');
  });

  it.each(FIXTURES)('%s renders the same bytes from the object and from its JSON read back', (name) => {
    const r = fixtureReport(name);
    expect(renderJunit(reportSchema.parse(JSON.parse(JSON.stringify(r)))) === renderJunit(r)).toBe(true);
  });
});

type Case = [string, Report, { suites: string[]; cases: [string, string, string | null, string | null][] }];

/** Hand-made reports: [suite names], and per testcase [suite, testcase name, outcome element, type]. */
const cases: Case[] = [
  ['a passing assertion is an empty testcase', report([scenario()]), { suites: ['s'], cases: [['s', 'health[0]: UP → DOWN within 10 s of f.start', null, null]] }],
  [
    'a failed assertion is a failure typed by its kind',
    report([scenario({ verdict: 'fail', assertions: [assertion({ verdict: 'fail', kind: 'recovery', id: 'recovery' })] })]),
    { suites: ['s'], cases: [['s', 'recovery: UP → DOWN within 10 s of f.start', 'failure', 'recovery']] },
  ],
  [
    'an inconclusive assertion is an error, never a skip',
    report([scenario({ verdict: 'inconclusive', assertions: [assertion({ verdict: 'inconclusive' })] })]),
    { suites: ['s'], cases: [['s', 'health[0]: UP → DOWN within 10 s of f.start', 'error', 'inconclusive']] },
  ],
  [
    'a scenario without assertions still appears, its verdict as the one testcase',
    report([scenario({ verdict: 'inconclusive', reason: 'the scenario states no expectations', score: null, assertions: [] })]),
    { suites: ['s'], cases: [['s', 'scenario verdict', 'error', 'inconclusive']] },
  ],
  ['a passing scenario without assertions is an empty testsuite', report([scenario({ assertions: [], score: null })]), { suites: ['s'], cases: [] }],
  [
    'an aborted scenario whose assertions passed fails on a scenario verdict testcase',
    report([scenario({ verdict: 'fail', status: 'aborted', statusReason: 'error ratio above 50%', reason: 'aborted: error ratio above 50%' })]),
    { suites: ['s'], cases: [['s', 'health[0]: UP → DOWN within 10 s of f.start', null, null], ['s', 'scenario verdict', 'failure', 'aborted']] },
  ],
  [
    'a failed scenario explained by its failed assertion gets no extra testcase',
    report([scenario({ verdict: 'fail', faults: [fault({ effect: 'not-effective' })], assertions: [assertion({ verdict: 'fail' })] })]),
    { suites: ['s'], cases: [['s', 'health[0]: UP → DOWN within 10 s of f.start', 'failure', 'health']] },
  ],
  [
    'a skipped scenario is a testsuite with one skipped testcase',
    report([scenario()], { skipped: [{ name: 'later', reason: 'not selected by --tag cpu' }] }),
    { suites: ['s', 'later'], cases: [['s', 'health[0]: UP → DOWN within 10 s of f.start', null, null], ['later', 'later', 'skipped', null]] },
  ],
  [
    'an all-skipped run: skipped testsuites, and the inconclusive run verdict as an error',
    report([], { skipped: [{ name: 'a', reason: 'filtered' }, { name: 'b', reason: 'filtered' }], run: { reason: 'no scenario ran' } }),
    { suites: ['a', 'b', 'faultline run'], cases: [['a', 'a', 'skipped', null], ['b', 'b', 'skipped', null], ['faultline run', 'run verdict', 'error', 'inconclusive']] },
  ],
  ['an empty run still says it was inconclusive', report([], { run: { reason: 'no scenario ran' } }), { suites: ['faultline run'], cases: [['faultline run', 'run verdict', 'error', 'inconclusive']] }],
  [
    'a failed cleanup fails the run even when every scenario passed',
    report([scenario()], { run: { verdict: 'fail', reason: 'cleanup failed: toxic left on proxy db', cleanupFailures: ['toxic left on proxy db'] } }),
    { suites: ['s', 'faultline run'], cases: [['s', 'health[0]: UP → DOWN within 10 s of f.start', null, null], ['faultline run', 'run verdict', 'failure', 'cleanup']] },
  ],
  [
    'an interrupted run of passing scenarios is inconclusive',
    report([scenario()], { run: { verdict: 'inconclusive', reason: 'the run was interrupted', interrupted: true } }),
    { suites: ['s', 'faultline run'], cases: [['s', 'health[0]: UP → DOWN within 10 s of f.start', null, null], ['faultline run', 'run verdict', 'error', 'inconclusive']] },
  ],
];

describe('renderJunit mapping', () => {
  it.each(cases)('%s', (_, r, want) => {
    const suites = parse(renderJunit(r));
    expect(suites.map((s) => s.name)).toEqual(want.suites);
    expect(suites.flatMap((s) => s.cases.map((c) => [s.name, c.name, c.outcome?.element ?? null, c.outcome?.type ?? null]))).toEqual(want.cases);
    for (const [i, s] of suites.entries()) {
      const n = (e: string) => String(s.cases.filter((c) => c.outcome?.element === e).length);
      expect([s.id, s.tests, s.failures, s.errors, s.skipped]).toEqual([String(i), String(s.cases.length), n('failure'), n('error'), n('skipped')]);
    }
  });

  it('puts expected, actual and evidence of a failed assertion in the failure', () => {
    const r = report([scenario({ verdict: 'fail', assertions: [assertion({ verdict: 'fail', expected: 'p99 under 300 ms', actual: 'p99 812 ms', evidence: { p99: 812, from: 10_000 } })] })]);
    const outcome = parse(renderJunit(r))[0]?.cases[0]?.outcome;
    expect(outcome).toMatchObject({ message: 'expected p99 under 300 ms; actual p99 812 ms' });
    expect(outcome?.text).toBe('expected: p99 under 300 ms\nactual: p99 812 ms\nevidence: {"p99":812,"from":10000}\nkind: health');
  });

  it('gives the skip reason as the skipped message and in system-out', () => {
    const suite = parse(renderJunit(report([], { skipped: [{ name: 'later', reason: 'not selected by --tag cpu' }] })))[0];
    expect(suite?.cases[0]?.outcome).toMatchObject({ element: 'skipped', message: 'not selected by --tag cpu' });
    expect(suite?.out).toBe('skipped: not selected by --tag cpu');
    expect(suite?.properties).toMatchObject({ 'scenario.verdict': 'skipped', 'scenario.skipReason': 'not selected by --tag cpu' });
  });

  it('shortens a long expected text in the testcase name at a word', () => {
    const r = report([scenario({ assertions: [assertion({ id: 'steady-state.before', expected: `before the faults, ${'health UP and all fine '.repeat(10)}` })] })]);
    const name = parse(renderJunit(r))[0]?.cases[0]?.name ?? '';
    expect(name.startsWith('steady-state.before: before the faults, health UP')).toBe(true);
    expect(name.endsWith('…')).toBe(true);
    expect(Array.from(name.slice('steady-state.before: '.length)).length).toBeLessThanOrEqual(80);
  });

  it('caps a huge evidence and says how much is left out', () => {
    const r = report([scenario({ verdict: 'fail', assertions: [assertion({ verdict: 'fail', evidence: { changes: Array.from({ length: 2000 }, (_, t) => ({ t, to: 'DOWN' })) } })] })]);
    const text = parse(renderJunit(r))[0]?.cases[0]?.outcome?.text ?? '';
    expect(text).toMatch(/… \(\d+ more characters in report\.json\)/);
    expect(text.length).toBeLessThan(5_000);
  });
});

describe('renderJunit times and metadata', () => {
  const timestamps: [string, string][] = [
    ['2026-11-25T18:06:41.544Z', '2026-11-25T18:06:41'],
    ['2026-01-01T10:00:00+02:00', '2026-01-01T08:00:00'],
    ['not a date', '1970-01-01T00:00:00'],
  ];
  it.each(timestamps)('timestamp of a scenario started at %s is %s (UTC, no zone)', (startedAt, want) => {
    expect(parse(renderJunit(report([scenario({ startedAt })])))[0]?.timestamp).toBe(want);
  });

  it('gives suite time in decimal seconds from the measured phases, testcases 0', () => {
    const suite = parse(renderJunit(report([scenario()])))[0];
    expect(suite?.time).toBe('30.000');
    expect(suite?.cases[0]?.time).toBe('0.000');
    const unmeasured = scenario({ phases: scenario().phases.map((p) => ({ ...p, startMs: null, endMs: null })) });
    expect(parse(renderJunit(report([unmeasured])))[0]?.time).toBe('0.000');
  });

  it('carries run and scenario metadata as properties', () => {
    const r = report([scenario({ score: 72.5, faults: [fault({ name: 'slow-db', mttdMs: null, detectedBy: null })] })], { run: { score: 72.5, shard: { index: 2, total: 4 } } });
    expect(parse(renderJunit(r))[0]?.properties).toMatchObject({
      'faultline.version': '0.1.0',
      'run.release': 'v1.2.3',
      'run.commit': '0123456789abcdef0123456789abcdef01234567',
      'run.seed': '42',
      'run.id': 'run-1',
      'run.verdict': 'pass',
      'run.score': '72.5',
      'run.shard': '2/4',
      'scenario.verdict': 'pass',
      'scenario.score': '72.5',
      'fault.slow-db.effect': 'effective',
      'fault.slow-db.mttdMs': '',
      'fault.slow-db.detectedBy': '',
      'fault.slow-db.mttrMs': '2500',
    });
  });

  it('falls back to localhost and placeholder names for blank tokens the schema requires', () => {
    const xml = renderJunit(report([scenario({ name: ' \n ' })], { run: { host: '' } }));
    expect(parse(xml)[0]).toMatchObject({ name: '(unnamed)', hostname: 'localhost' });
  });
});

describe('renderJunit escaping', () => {
  const hostile = `${HOSTILE}\u0000\u001b\uFFFE\uD800 end`;
  const r = report(
    [
      scenario({
        name: `s${HOSTILE}`,
        verdict: 'fail',
        reason: hostile,
        findings: [hostile],
        assertions: [assertion({ id: `a${HOSTILE}`, verdict: 'fail', kind: hostile, expected: hostile, actual: `two\nlines\r\tand tab`, evidence: { text: hostile } })],
      }),
    ],
    { run: { host: hostile, release: hostile } },
  );
  const xml = renderJunit(r);

  it('leaves no markup, CDATA end or illegal character raw', () => {
    const body = xml.replace(/<\/?[a-z-]+(?: [\w-]+="[^"<>]*")*\s*\/?>|<\?xml [^>]*\?>/g, '');
    expect(body).not.toMatch(/[<>]/);
    expect(xml).not.toContain(']]>');
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    expect(xml).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/);
    expect(xml).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('keeps the text itself: quotes and newlines survive in attributes, markup in text', () => {
    const [suite] = parse(xml);
    expect(suite?.name).toBe(`s${HOSTILE}`);
    expect(suite?.hostname).toBe(`${HOSTILE} end`);
    const outcome = suite?.cases[0]?.outcome;
    expect(outcome?.message).toBe(`expected ${HOSTILE} end; actual two\nlines\r\tand tab`);
    expect(outcome?.text).toContain(`expected: ${HOSTILE} end\nactual: two\nlines\r\tand tab\n`);
    expect(outcome?.text).toContain('evidence: {"text":"<]]>&\\"\'|\\u0000\\u001b\uFFFE\\ud800 end"}'.replace('\uFFFE', ''));
    expect(suite?.out).toContain(`finding: ${HOSTILE} end`);
    expect(suite?.properties['run.release']).toBe(`${HOSTILE} end`);
  });
});

describe('renderJunit determinism', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('does not read the clock', () => {
    const r = fixtureReport('no-timeout');
    vi.useFakeTimers({ now: new Date('2001-01-01T00:00:00Z') });
    const before = renderJunit(r);
    vi.setSystemTime(new Date('2099-12-31T23:59:59Z'));
    expect(renderJunit(r) === before).toBe(true);
  });
});
