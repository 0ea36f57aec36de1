import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareReports, type ChangeEffect, type Comparison } from '../../../src/report/compare.js';
import { renderCompareMarkdown, renderCompareText } from '../../../src/report/compare-render.js';
import type { Report, ReportVerdict, ScenarioReport } from '../../../src/report/model.js';
import { DEFAULT_TOLERANCES, parseTolerances, type Tolerances } from '../../../src/report/tolerances.js';

/** `faultline compare`'s rules (docs/reports.md) as hand-computed cases, on the real report fixtures. */

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/report/${name}.json`, import.meta.url), 'utf8')) as Report;
const healthy = fixture('run-inconclusive');
const noTimeout = fixture('no-timeout');
const template = healthy.scenarios.find((s) => s.name === 'network-latency') as ScenarioReport;

type Fault = [name: string, mttdMs: number | null, mttrMs: number | null];
type Sli = [slo: string, phase: 'steady' | 'chaos' | 'recover' | 'all', source: 'client' | 'server', sli: number | null];

/** A scenario from the fixture's network-latency with only the figures compare reads replaced. */
function scenario(name: string, figures: { verdict?: ReportVerdict; score?: number | null; faults?: Fault[]; slis?: Sli[] } = {}): ScenarioReport {
  const faultTemplate = template.faults[0] as ScenarioReport['faults'][number];
  const sliTemplate = template.slis[0] as ScenarioReport['slis'][number];
  return {
    ...template,
    name,
    verdict: figures.verdict ?? 'pass',
    score: figures.score === undefined ? 100 : figures.score,
    faults: (figures.faults ?? []).map(([fault, mttdMs, mttrMs]) => ({ ...faultTemplate, name: fault, mttdMs, mttrMs })),
    slis: (figures.slis ?? []).map(([slo, phase, source, sli]) => ({ ...sliTemplate, slo, phase, source, sli })),
  };
}

const report = (...scenarios: ScenarioReport[]): Report => ({ ...healthy, scenarios });

/** The one changed figure of a one-scenario comparison. */
function onlyChange(c: Comparison): { effect: ChangeEffect; text: string } | null {
  const row = c.rows[0];
  expect(row?.changes.length ?? 0).toBeLessThanOrEqual(1);
  const change = row?.changes[0];
  return change === undefined ? null : { effect: change.effect, text: change.text };
}

describe('verdict', () => {
  it.each([
    ['pass', 'fail', 'regression'],
    ['pass', 'inconclusive', 'regression'],
    ['inconclusive', 'fail', 'regression'],
    ['fail', 'inconclusive', 'improvement'],
    ['fail', 'pass', 'improvement'],
    ['inconclusive', 'pass', 'improvement'],
  ] as const)('%s → %s is a %s, whatever the tolerances', (from, to, effect) => {
    const loose: Tolerances = parseTolerances(['mttd=1000%,1h', 'mttr=1000%,1h', 'sli=100pp', 'score=100']);
    const c = compareReports(report(scenario('s', { verdict: from })), report(scenario('s', { verdict: to })), loose);
    expect(onlyChange(c)).toEqual({ effect, text: `verdict ${from} → ${to}` });
  });

  it('the same verdict is no change', () => {
    const c = compareReports(report(scenario('s', { verdict: 'fail' })), report(scenario('s', { verdict: 'fail' })), DEFAULT_TOLERANCES);
    expect(onlyChange(c)).toBeNull();
    expect(c.rows[0]?.status).toBe('unchanged');
  });
});

describe('MTTD and MTTR (default 20 % and 500 ms: both must be exceeded)', () => {
  it.each([
    // base, head, effect, text
    [1200, 3400, 'regression', 'MTTR f 1.2 s → 3.4 s (+183 %)'],
    [3400, 1200, 'improvement', 'MTTR f 3.4 s → 1.2 s (-65 %)'],
    // +50 %, but 100 ms is under the floor: noise
    [200, 300, 'noise', 'MTTR f 200 ms → 300 ms (+50 %)'],
    // +50 % and exactly the floor (strictly more is needed)
    [1000, 1500, 'noise', 'MTTR f 1.0 s → 1.5 s (+50 %)'],
    [1000, 1501, 'regression', 'MTTR f 1.0 s → 1.5 s (+50 %)'],
    // +900 ms but only +18 %: noise; exactly +20 %: noise; just over both: regression
    [5000, 5900, 'noise', 'MTTR f 5.0 s → 5.9 s (+18 %)'],
    [5000, 6000, 'noise', 'MTTR f 5.0 s → 6.0 s (+20 %)'],
    [5000, 6001, 'regression', 'MTTR f 5.0 s → 6.0 s (+20 %)'],
    // improvements mirror: 1000 > 500 × 1.2, but 500 ms is not more than the floor
    [1000, 500, 'noise', 'MTTR f 1.0 s → 500 ms (-50 %)'],
    [1600, 500, 'improvement', 'MTTR f 1.6 s → 500 ms (-69 %)'],
    // from 0 there is no ratio: the floor decides
    [0, 400, 'noise', 'MTTR f 0 ms → 400 ms'],
    [0, 900, 'regression', 'MTTR f 0 ms → 900 ms'],
    // null: never recovered
    [1200, null, 'regression', 'MTTR f 1.2 s → never recovered'],
    [null, 1200, 'improvement', 'MTTR f never recovered → 1.2 s'],
  ] as const)('MTTR %s → %s: %s', (from, to, effect, text) => {
    const c = compareReports(report(scenario('s', { faults: [['f', 100, from]] })), report(scenario('s', { faults: [['f', 100, to]] })), DEFAULT_TOLERANCES);
    expect(onlyChange(c)).toEqual({ effect, text });
    expect(c.rows[0]?.status).toBe(effect === 'regression' ? 'regressed' : effect === 'improvement' ? 'improved' : 'unchanged');
  });

  it.each([
    [950, 999, DEFAULT_TOLERANCES, 'noise', 'MTTD f 950 ms → 999 ms (+5 %)'],
    [950, null, DEFAULT_TOLERANCES, 'regression', 'MTTD f 950 ms → never detected'],
    [null, 950, DEFAULT_TOLERANCES, 'improvement', 'MTTD f never detected → 950 ms'],
    [100, 101, parseTolerances(['mttd=0%,0ms']), 'regression', 'MTTD f 100 ms → 101 ms (+1 %)'],
    // MTTR's tolerance does not apply to MTTD
    [100, 101, parseTolerances(['mttr=0%,0ms']), 'noise', 'MTTD f 100 ms → 101 ms (+1 %)'],
  ] as const)('MTTD %s → %s: %s', (from, to, tolerances, effect, text) => {
    const c = compareReports(report(scenario('s', { faults: [['f', from, 0]] })), report(scenario('s', { faults: [['f', to, 0]] })), tolerances);
    expect(onlyChange(c)).toEqual({ effect, text });
  });

  it('null to null is no change', () => {
    const c = compareReports(report(scenario('s', { faults: [['f', null, null]] })), report(scenario('s', { faults: [['f', null, null]] })), DEFAULT_TOLERANCES);
    expect(onlyChange(c)).toBeNull();
  });

  it('matches faults by name; a fault on one side only is a note, not a regression', () => {
    const c = compareReports(report(scenario('s', { faults: [['a', 100, 100], ['b', 100, 100]] })), report(scenario('s', { faults: [['c', null, null], ['a', 100, 100]] })), DEFAULT_TOLERANCES);
    expect(c.rows[0]?.status).toBe('unchanged');
    expect(c.rows[0]?.reasons).toEqual(['fault b only in base', 'fault c only in head']);
  });
});

describe('SLI (default 0.1 percentage points, objective 99 %)', () => {
  it.each([
    [0.992, 0.017, 'regression', 'SLI latency chaos server 99.2 % → 1.7 % (-97.5 pp)'],
    [0.017, 0.992, 'improvement', 'SLI latency chaos server 1.7 % → 99.2 % (+97.5 pp)'],
    // exactly 0.1 pp (0.10000000000000009 in floating point) is within tolerance
    [0.999, 0.998, 'noise', 'SLI latency chaos server 99.9 % → 99.8 % (-0.10 pp)'],
    // beyond 0.1 pp but still meeting the 99 % objective: no more budget spent than allowed
    [0.999, 0.9978, 'noise', 'SLI latency chaos server 99.9 % → 99.8 % (-0.12 pp)'],
    [0.9978, 0.999, 'noise', 'SLI latency chaos server 99.8 % → 99.9 % (+0.12 pp)'],
    // beyond 0.1 pp and below the objective
    [0.9905, 0.9893, 'regression', 'SLI latency chaos server 99.1 % → 98.9 % (-0.12 pp)'],
    [0.9893, 0.9905, 'improvement', 'SLI latency chaos server 98.9 % → 99.1 % (+0.12 pp)'],
    // decimals grow until the two values differ
    [0.9, 0.9004, 'noise', 'SLI latency chaos server 90.00 % → 90.04 % (+0.04 pp)'],
    [0.5, null, 'note', 'SLI latency chaos server 50.0 % → no events'],
    [null, 0.5, 'note', 'SLI latency chaos server no events → 50.0 %'],
  ] as const)('%s → %s: %s', (from, to, effect, text) => {
    const c = compareReports(report(scenario('s', { slis: [['latency', 'chaos', 'server', from]] })), report(scenario('s', { slis: [['latency', 'chaos', 'server', to]] })), DEFAULT_TOLERANCES);
    expect(onlyChange(c)).toEqual({ effect, text });
  });

  it('matches SLIs by slo, phase and source', () => {
    const base = scenario('s', { slis: [['latency', 'chaos', 'server', 0.99], ['latency', 'chaos', 'client', 0.5], ['availability', 'all', 'server', 1]] });
    const head = scenario('s', { slis: [['latency', 'chaos', 'client', 0.5], ['latency', 'chaos', 'server', 0.99], ['latency', 'steady', 'server', 1]] });
    const c = compareReports(report(base), report(head), DEFAULT_TOLERANCES);
    expect(c.rows[0]?.status).toBe('unchanged');
    expect(c.rows[0]?.reasons).toEqual(['SLI availability all server only in base', 'SLI latency steady server only in head']);
  });

  it('takes its tolerance in points: sli=5pp lets a 4.9-point drop pass', () => {
    const c = compareReports(report(scenario('s', { slis: [['a', 'all', 'client', 0.99]] })), report(scenario('s', { slis: [['a', 'all', 'client', 0.941]] })), parseTolerances(['sli=5pp']));
    expect(onlyChange(c)?.effect).toBe('noise');
  });
});

describe('score (default 5 points)', () => {
  it.each([
    [100, 65, 'regression', 'score 100 → 65 (-35)'],
    [70, 80, 'improvement', 'score 70 → 80 (+10)'],
    // 80.3 − 75.3 = 5.000000000000014: exactly 5 points, within tolerance
    [80.3, 75.3, 'noise', 'score 80.3 → 75.3 (-5)'],
    [80, 74.9, 'regression', 'score 80 → 74.9 (-5.1)'],
    [80, null, 'note', 'score 80 → none'],
  ] as const)('%s → %s: %s', (from, to, effect, text) => {
    const c = compareReports(report(scenario('s', { score: from })), report(scenario('s', { score: to })), DEFAULT_TOLERANCES);
    expect(onlyChange(c)).toEqual({ effect, text });
  });
});

describe('rows', () => {
  it('a row with a regression and an improvement regressed; regressions come first, noise is left out', () => {
    const base = scenario('s', { score: 90, faults: [['f', 1000, 1000]], slis: [['a', 'all', 'client', 0.9]] });
    const head = scenario('s', { score: 88, faults: [['f', 1100, 4000]], slis: [['a', 'all', 'client', 0.95]] });
    const c = compareReports(report(base), report(head), DEFAULT_TOLERANCES);
    expect(c.rows[0]?.status).toBe('regressed');
    expect(c.rows[0]?.changes.map((x) => x.effect)).toEqual(['noise', 'noise', 'regression', 'improvement']);
    expect(c.rows[0]?.reasons).toEqual(['MTTR f 1.0 s → 4.0 s (+300 %)', 'SLI a all client 90.0 % → 95.0 % (+5.0 pp)']);
    expect(c.regressed).toBe(true);
  });

  it('scenarios on one side only are new or missing, shown, and never regressions', () => {
    const c = compareReports(report(scenario('kept'), scenario('gone', { verdict: 'fail', score: 10 })), report(scenario('added', { verdict: 'fail', score: 0 }), scenario('kept')), DEFAULT_TOLERANCES);
    expect(c.rows.map((r) => [r.scenario, r.status, r.reasons])).toEqual([
      ['added', 'new', ['only in head (fail, score 0)']],
      ['gone', 'missing', ['only in base (fail, score 10)']],
      ['kept', 'unchanged', []],
    ]);
    expect(c.counts).toEqual({ regressed: 0, improved: 0, unchanged: 1, new: 1, missing: 1 });
    expect(c.regressed).toBe(false);
  });

  it('notes reports of different suites', () => {
    const other: Report = { ...report(scenario('s')), run: { ...healthy.run, suite: 'other' } };
    expect(compareReports(report(scenario('s')), other, DEFAULT_TOLERANCES).notes).toEqual(['different suites: base agent-runtime, head other']);
  });

  it('the fixtures: healthy agent → AGENT_BUG=no-timeout regresses network-latency; the other four are missing', () => {
    const c = compareReports(healthy, noTimeout, DEFAULT_TOLERANCES);
    expect(c.counts).toEqual({ regressed: 1, improved: 0, unchanged: 0, new: 0, missing: 4 });
    const row = c.rows.find((r) => r.scenario === 'network-latency');
    expect(row?.status).toBe('regressed');
    // Hand-read from the fixtures: verdict, score, the server-side latency SLI during chaos (1488 of 1490 good → 25 of 1476)
    expect(row?.reasons.slice(0, 3)).toEqual(['verdict pass → fail', 'score 100 → 65 (-35)', 'SLI latency chaos server 99.9 % → 1.7 % (-98.2 pp)']);
    // MTTD 950 → 999 ms is noise
    expect(row?.changes.find((x) => x.figure === 'mttd')).toMatchObject({ base: 950, head: 999, effect: 'noise' });
    // Compared with itself, nothing changed
    expect(compareReports(healthy, healthy, DEFAULT_TOLERANCES).counts).toEqual({ regressed: 0, improved: 0, unchanged: 5, new: 0, missing: 0 });
  });
});

describe('parseTolerances', () => {
  const d = DEFAULT_TOLERANCES;
  it.each([
    [[], d],
    [['mttr=50%,1s'], { ...d, mttr: { pct: 50, floorMs: 1000 } }],
    [['mttr=30%'], { ...d, mttr: { pct: 30, floorMs: 500 } }],
    [['mttd=2s'], { ...d, mttd: { pct: 20, floorMs: 2000 } }],
    [['MTTD = 1m30s , 5%'], { ...d, mttd: { pct: 5, floorMs: 90_000 } }],
    [['sli=0.5pp'], { ...d, sliPp: 0.5 }],
    [['sli=2'], { ...d, sliPp: 2 }],
    [['score=10'], { ...d, score: 10 }],
    [['score=2.5pts'], { ...d, score: 2.5 }],
    [['mttr=0%,0ms', 'score=0'], { ...d, mttr: { pct: 0, floorMs: 0 }, score: 0 }],
    // joined by commas: a part without "=" belongs to the figure before it
    [['mttr=50%,1s,sli=1pp,score=2'], { ...d, mttr: { pct: 50, floorMs: 1000 }, sliPp: 1, score: 2 }],
    // the last value wins
    [['score=1', 'score=3'], { ...d, score: 3 }],
  ])('%j', (specs, expected) => {
    expect(parseTolerances(specs)).toEqual(expected);
  });

  it('leaves the defaults alone', () => {
    parseTolerances(['mttr=1%,1ms']);
    expect(DEFAULT_TOLERANCES.mttr).toEqual({ pct: 20, floorMs: 500 });
  });

  it.each([
    [['mttr=fast'], 'mttr takes a percentage'],
    [['mttr='], 'mttr takes a percentage'],
    [['mttd=20'], 'mttd takes a percentage'],
    [['sli=5%'], 'write sli=5pp'],
    [['sli=high'], 'sli takes percentage points'],
    [['score=-1'], 'score takes points'],
    [['score=ten'], 'score takes points'],
    [['mtbf=1s'], 'unknown figure "mtbf"'],
    [['=5'], 'unknown figure ""'],
    [['500ms'], 'name the figure'],
    [[''], 'name the figure'],
  ])('%j is FAULTLINE_USAGE (%s)', (specs, says) => {
    let error: unknown;
    try {
      parseTolerances(specs);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'FAULTLINE_USAGE' });
    expect((error as Error).message).toContain(says);
    expect((error as { hint?: string }).hint).toContain('mttr=20%,500ms');
  });

  it('reports every bad part at once', () => {
    expect(() => parseTolerances(['mttr=fast', 'sli=x,score=y'])).toThrow(/"mttr=fast".*"sli=x,score=y": sli.*"sli=x,score=y": score/);
  });
});

describe('renderers', () => {
  const base = report(scenario('a|b', { score: 90, faults: [['f', 100, 1000]] }), scenario('steady'));
  const head = report(scenario('a|b', { verdict: 'fail', score: 50, faults: [['f', 100, 4000]] }), scenario('steady'));
  const c = compareReports(base, head, DEFAULT_TOLERANCES);

  it('text: a row per scenario with its reasons under each other, columns aligned', () => {
    const lines = renderCompareText(c).split('\n');
    const table = lines.slice(lines.findIndex((l) => l.trimStart().startsWith('scenario')));
    const header = table[0] as string;
    expect(table[1]).toMatch(/^ {2}a\|b +regressed +pass → fail +90 → 50 +verdict pass → fail$/);
    expect(table[2]?.trim()).toBe('score 90 → 50 (-40)');
    expect(table[3]?.trim()).toBe('MTTR f 1.0 s → 4.0 s (+300 %)');
    expect(table[4]).toMatch(/^ {2}steady +unchanged +pass +100 +no change$/);
    expect(table[1]?.indexOf('verdict pass')).toBe(header.indexOf('changes'));
    for (const line of table.slice(2, 4)) expect(line.indexOf(line.trim())).toBe(header.indexOf('changes'));
    expect(table[1]?.indexOf('regressed')).toBe(header.indexOf('status'));
    expect(table[4]?.indexOf('unchanged')).toBe(header.indexOf('status'));
    expect(lines).toContain('1 regressed, 0 improved, 1 unchanged, 0 new, 0 missing');
  });

  it('markdown: cells escaped, so every row of the table has its five columns', () => {
    const lines = renderCompareMarkdown(c).split('\n');
    const start = lines.indexOf('| scenario | status | verdict | score | changes |');
    const rows = lines.slice(start + 2, start + 4);
    expect(rows).toEqual([
      '| a\\|b | **regressed** | pass → fail | 90 → 50 | verdict pass → fail<br>score 90 → 50 (-40)<br>MTTR f 1.0 s → 4.0 s (+300 %) |',
      '| steady | unchanged | pass | 100 | no change |',
    ]);
    for (const row of rows) expect(row.split(/(?<!\\)\|/)).toHaveLength(7);
    expect(lines[start + 4]).toBe('');
  });
});
