import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../../src/report/html.js';
import type { Report, ScenarioReport } from '../../../src/report/model.js';
import { FIXTURES, assertion, fault, fixtureReport, report, scenario } from '../../helpers/sample-report.js';

const HOSTILE_NAME = `<script>alert(1)</script>&"'`;
const HOSTILE_ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;';

/** The markup of each scenario section, by its data-scenario attribute (still escaped). */
function sections(html: string): { name: string; body: string }[] {
  const parts = html.split('<section class="scenario" data-scenario="').slice(1);
  return parts.map((part) => ({ name: part.slice(0, part.indexOf('"')), body: part.slice(0, part.indexOf('</section>')) }));
}

/** The page without its fixed style and script, for checks on what the report's data produced. */
const markup = (html: string): string => html.replace(/<style>[\s\S]*?<\/style>/, '').replace(/<script>[\s\S]*?<\/script>/, '');

const count = (text: string, needle: string | RegExp): number => (typeof needle === 'string' ? text.split(needle).length - 1 : (text.match(needle) ?? []).length);

/**
 * Every reference the page could load or navigate to from an attribute or a stylesheet
 * (src, href, xlink:href, action, poster, srcset, url(), @import) that is absolute: a scheme
 * with `//`, or protocol-relative `//host`. The report must have none.
 */
function externalReferences(html: string): string[] {
  const found: string[] = [];
  const attribute = /\b(?:src|href|xlink:href|action|formaction|poster|srcset|data)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi;
  const css = /url\(\s*(?:"([^"]*)"|'([^']*)'|([^)]*))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')/gi;
  const absolute = (value: string) => /^\s*(?:[a-z][a-z0-9+.-]*:)?\/\//i.test(value) || /^\s*(?:https?|ftp|wss?):/i.test(value);
  for (const pattern of [attribute, css]) {
    for (const match of html.matchAll(pattern)) {
      const value = match.slice(1).find((v) => v !== undefined) ?? '';
      if (absolute(value)) found.push(value);
    }
  }
  return found;
}

describe('renderHtml on the real reports', () => {
  it.each(FIXTURES)('%s: one section per scenario, each with one timeline and one fault window per fault', (name) => {
    const fixture = fixtureReport(name);
    const html = renderHtml(fixture);
    const found = sections(html);
    expect(found.map((s) => s.name)).toEqual(fixture.scenarios.map((s) => s.name));
    for (const [i, section] of found.entries()) {
      const s = fixture.scenarios[i] as ScenarioReport;
      expect(count(section.body, 'data-chart="timeline"'), s.name).toBe(1);
      const windows = [...section.body.matchAll(/data-fault-window="([^"]*)"/g)].map((m) => m[1]);
      expect(windows, s.name).toEqual(s.faults.map((f) => f.name));
      // Every assertion is a row with its verdict in words, not only a colour.
      expect(count(section.body, '<tr class="row-'), s.name).toBe(s.assertions.length);
      for (const a of s.assertions) expect(section.body).toContain(`</span> ${a.verdict}</span>`);
      expect(count(section.body, '<details class="evidence">')).toBe(s.assertions.length);
    }
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
  });

  it.each(FIXTURES)('%s: no NaN, Infinity or undefined leaks into the markup', (name) => {
    const html = markup(renderHtml(fixtureReport(name)));
    expect(html).not.toMatch(/NaN|Infinity|undefined|\[object Object\]/);
  });

  it('draws the panels that have data and names the ones that do not', () => {
    const fixture = fixtureReport('run-inconclusive');
    const byName = new Map(sections(renderHtml(fixture)).map((s) => [s.name, s.body]));
    // heap-growth has the injector's heap; process-kill has none (all null), so its memory panel is RSS only.
    expect(byName.get('heap-growth')).toContain('heap used (target)');
    expect(byName.get('process-kill')).not.toContain('heap used (target)');
    expect(byName.get('process-kill')).toContain('RSS target');
    // An alert that fired: its firing periods are marked in its burn panel.
    expect(count(byName.get('network-latency') ?? '', 'class="firing"')).toBe(2);
    expect(count(byName.get('process-kill') ?? '', 'class="firing"')).toBe(0);
  });

  it('header and summary: run metadata, counts and links to each section', () => {
    const fixture = fixtureReport('run-inconclusive');
    const html = renderHtml(fixture);
    for (const text of ['agent-runtime', '20261125', 'v20.20.2', 'faultline 0.1.0', '1 scenario was inconclusive: cpu-saturation', '2026-11-25 20:16:19 UTC']) expect(html).toContain(text);
    const ids = [...html.matchAll(/<section class="scenario" data-scenario="[^"]*" id="([^"]+)">/g)].map((m) => m[1]);
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);
    for (const id of ids) expect(html).toContain(`<a href="#${id}">`);
    expect(html).toContain('<a href="cpu-saturation/recording.json">');
    expect(html).toContain('<a href="cpu-saturation/target.log">');
  });
});

describe('escaping', () => {
  const hostile = (): Report => {
    const s = scenario({
      name: HOSTILE_NAME,
      description: HOSTILE_NAME,
      tags: [HOSTILE_NAME],
      file: `${HOSTILE_NAME}.yaml`,
      reason: HOSTILE_NAME,
      faults: [fault({ name: HOSTILE_NAME, evidence: HOSTILE_NAME, requested: { [HOSTILE_NAME]: HOSTILE_NAME }, detectedBy: HOSTILE_NAME })],
      assertions: [assertion({ id: HOSTILE_NAME, expected: HOSTILE_NAME, actual: HOSTILE_NAME, evidence: { note: '</script><script>alert(2)</script>', [HOSTILE_NAME]: 1 } })],
      findings: [HOSTILE_NAME],
      events: [{ t: 1, type: HOSTILE_NAME, text: HOSTILE_NAME }],
      series: {
        stepMs: 1000,
        t: [0, 1000],
        rps: [1, 2],
        errorRatio: [0, 0],
        p50: [1, 2],
        p95: [1, 2],
        p99: [1, 2],
        health: ['UP', 'UP'],
        cpu: { [HOSTILE_NAME]: [0.1, 0.2] },
        rssBytes: { [`</script>${HOSTILE_NAME}`]: [1e6, 2e6] },
        heapUsedBytes: [null, null],
        burn: {},
      },
      files: { recording: `${HOSTILE_NAME}/recording.json`, logs: [`${HOSTILE_NAME}.log`] },
    });
    return report([s], { run: { suite: HOSTILE_NAME, release: HOSTILE_NAME, id: HOSTILE_NAME, host: HOSTILE_NAME, commit: HOSTILE_NAME }, skipped: [{ name: HOSTILE_NAME, reason: HOSTILE_NAME }] });
  };

  it('prints a hostile name as text everywhere and never opens a script', () => {
    const html = renderHtml(hostile());
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('</script><script>');
    // The only script elements: one per chart's JSON block and the page script.
    expect(count(html, '<script')).toBe(2);
    expect(count(html, '</script>')).toBe(2);
    expect(count(html, HOSTILE_ESCAPED)).toBeGreaterThan(15);
    expect(html).toContain(`data-scenario="${HOSTILE_ESCAPED}"`);
    expect(html).toContain(`data-fault-window="${HOSTILE_ESCAPED}"`);
    // The chart's JSON block holds the names with <, > and & as \u escapes.
    const json = /<script type="application\/json" class="chart-data">([^<]*)<\/script>/.exec(html)?.[1] ?? '';
    expect(json).not.toBe('');
    expect(JSON.parse(json).faults[0][2]).toBe(HOSTILE_NAME);
  });

  it('percent-encodes file links and keeps them relative', () => {
    const html = renderHtml(hostile());
    // The name's own "/" is a path separator: the file is in a folder "<script>alert(1)<".
    expect(html).toContain('<a href="%3Cscript%3Ealert(1)%3C/script%3E%26%22&#39;/recording.json">');
    expect(html).toContain('<a href="%3Cscript%3Ealert(1)%3C/script%3E%26%22&#39;.log">');
  });
});

describe('no network references', () => {
  it('the check finds every kind of absolute reference (it can fail)', () => {
    const bad = [
      '<img src="https://example.com/a.png">',
      "<link rel=stylesheet href='http://example.com/a.css'>",
      '<script src=//cdn.example.com/x.js></script>',
      '<style>body { background: url(https://example.com/bg.png) } @import "//example.com/font.css";</style>',
      '<svg><image xlink:href="HTTPS://EXAMPLE.COM/x.svg"/></svg>',
      '<div style="background-image: url( \'//example.com/x\' )"></div>',
    ].join('\n');
    expect(externalReferences(bad).sort()).toEqual(['//cdn.example.com/x.js', '//example.com/font.css', '//example.com/x', 'HTTPS://EXAMPLE.COM/x.svg', 'http://example.com/a.css', 'https://example.com/a.png', 'https://example.com/bg.png']);
    expect(externalReferences('<a href="#s-1">x</a><a href="logs/a.log">y</a><img src="data:,">')).toEqual([]);
  });

  it.each(FIXTURES)('%s has none', (name) => {
    expect(externalReferences(renderHtml(fixtureReport(name)))).toEqual([]);
  });

  it.each([
    ['https://example.com/recording.json', false],
    ['//example.com/recording.json', false],
    ['javascript:alert(1)', false],
    ['/etc/passwd', false],
    ['C:\\reports\\rec.json', false],
    ['s/log file #1?.log', 'href="s/log%20file%20%231%3F.log"'],
    ['..\\other\\rec.json', 'href="../other/rec.json"'],
  ] as const)('a file named %s in the report links only when it is relative', (file, link) => {
    const html = renderHtml(report([scenario({ files: { recording: file, logs: [] } })]));
    expect(externalReferences(html)).toEqual([]);
    expect(html).not.toContain('href="javascript:');
    if (link === false) expect(html).toContain(`Recording: <code>`);
    else expect(html).toContain(link);
  });

  it('declares a Content-Security-Policy whose hashes match the inline style and script', () => {
    const html = renderHtml(fixtureReport('no-timeout'));
    const csp = (/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '').replaceAll('&#39;', "'");
    expect(csp).toContain("default-src 'none'");
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    const hash = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64');
    expect(csp).toContain(`style-src 'sha256-${hash(style)}'`);
    expect(csp).toContain(`script-src 'sha256-${hash(script)}'`);
    expect(count(html, '<style')).toBe(1);
    expect(html).not.toMatch(/\sstyle="/);
    expect(html).not.toMatch(/\son[a-z]+="/);
  });
});

describe('fault windows', () => {
  it.each([
    ['none', []],
    ['applied and reverted', [fault({ name: 'a' })]],
    ['never applied: the planned window', [fault({ name: 'planned', appliedAtMs: null, revertedAtMs: null, effect: 'not-effective' })]],
    ['never reverted: to the end', [fault({ name: 'open', revertedAtMs: null })]],
    ['an instant (process kill)', [fault({ name: 'kill', kind: 'process', plannedStartMs: 15_000, plannedEndMs: 15_000, appliedAtMs: 15_001, revertedAtMs: 15_037 })]],
    ['three, overlapping', [fault({ name: 'x' }), fault({ name: 'y', appliedAtMs: 12_000 }), fault({ name: 'z', appliedAtMs: 11_000, revertedAtMs: 25_000 })]],
  ])('%s', (_label, faults) => {
    const html = renderHtml(report([scenario({ faults })]));
    const windows = [...html.matchAll(/<g class="fault-window( planned)?" data-fault-window="([^"]*)">/g)];
    expect(windows.map((m) => m[2])).toEqual(faults.map((f) => f.name));
    expect(windows.map((m) => m[1] !== undefined)).toEqual(faults.map((f) => f.appliedAtMs === null));
  });

  it('shades a window in every panel, at least 2 units wide', () => {
    const s = scenario({
      faults: [fault({ name: 'kill', plannedStartMs: 15_000, plannedEndMs: 15_000, appliedAtMs: 15_001, revertedAtMs: 15_037 })],
      healthChanges: [{ t: 0, state: 'UP' }],
      series: { stepMs: 1000, t: [0, 1000, 2000], rps: [1, 2, 3], errorRatio: [0, 0, 0], p50: [1, 1, 1], p95: [2, 2, 2], p99: [3, 3, 3], health: ['UP', 'UP', 'UP'], cpu: {}, rssBytes: {}, heapUsedBytes: [null, null, null], burn: {} },
    });
    const html = renderHtml(report([s]));
    const group = /<g class="fault-window" data-fault-window="kill">[\s\S]*?<\/g>/.exec(html)?.[0] ?? '';
    // health, throughput, error ratio, latency
    expect(count(group, 'class="fault-shade"')).toBe(4);
    for (const m of group.matchAll(/width="([\d.]+)"/g)) expect(Number(m[1])).toBeGreaterThanOrEqual(2);
  });
});

describe('empty and missing data', () => {
  const nulls = (n: number) => Array.from({ length: n }, () => null);
  it.each<[string, ScenarioReport['series']]>([
    ['no buckets at all', { stepMs: 1000, t: [], rps: [], errorRatio: [], p50: [], p95: [], p99: [], health: [], cpu: {}, rssBytes: {}, heapUsedBytes: [], burn: {} }],
    ['buckets, every value null', { stepMs: 1000, t: [0, 1000, 2000], rps: nulls(3), errorRatio: nulls(3), p50: nulls(3), p95: nulls(3), p99: nulls(3), health: nulls(3), cpu: { target: nulls(3) }, rssBytes: { target: nulls(3) }, heapUsedBytes: nulls(3), burn: { A: { long: nulls(3), short: nulls(3) } } }],
    ['a zero step', { stepMs: 0, t: [0], rps: [null], errorRatio: [null], p50: [null], p95: [null], p99: [null], health: [null], cpu: {}, rssBytes: {}, heapUsedBytes: [null], burn: {} }],
  ])('%s: the chart still has its phases and fault windows, no line, and says what was not recorded', (_label, series) => {
    const html = renderHtml(report([scenario({ series, timelineMs: 0 })]));
    expect(count(html, '<svg class="chart" data-chart="timeline"')).toBe(1);
    expect(count(html, 'data-fault-window=')).toBe(1);
    expect(html).not.toContain('class="line');
    expect(html).toContain('Not recorded in this run, so not drawn: health, throughput, error ratio, latency');
    expect(markup(html)).not.toMatch(/NaN|Infinity|undefined/);
  });

  it('draws an isolated value as a dot and breaks lines at nulls', () => {
    const s = scenario({ series: { stepMs: 1000, t: [0, 1000, 2000, 3000, 4000], rps: [5, null, 7, 8, null], errorRatio: nulls(5), p50: nulls(5), p95: nulls(5), p99: nulls(5), health: nulls(5), cpu: {}, rssBytes: {}, heapUsedBytes: nulls(5), burn: {} } });
    const html = renderHtml(report([s]));
    expect(count(html, '<circle class="dot k-blue"')).toBe(1);
    const d = /<path class="line k-blue" d="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(count(d, 'M')).toBe(1);
    expect(count(d, 'L')).toBe(1);
  });

  it('a run without scenarios renders a page that says so', () => {
    const html = renderHtml(report([], { skipped: [{ name: 'slow', reason: 'not selected' }] }));
    expect(html).toContain('No scenario ran.');
    expect(html).toContain('<strong>slow</strong>: not selected');
    expect(sections(html)).toEqual([]);
  });

  it('optional blocks appear only with their data: Prometheus, durability, alerts, levels', () => {
    const plain = renderHtml(report([scenario()]));
    for (const title of ['Prometheus comparison', 'Durability', '<h3>Alerts</h3>', 'Error budget']) expect(plain).not.toContain(title);
    const rich = renderHtml(
      report([
        scenario({
          prometheus: [{ alert: 'A', firing: [{ from: 12_000, to: 20_000 }], own: [{ from: 12_001, to: null }], fireDeltaMs: 1, resolveDeltaMs: -1000 }],
          durability: { attempted: 10, acknowledged: 9, verified: 8, lost: 1, mismatched: 0, failedWrites: { ECONNREFUSED: 1 }, examples: ['k-1'] },
          alerts: [{ name: 'A', slo: 'availability', source: 'client', severity: 'page', burnRate: 14.4, longWindowMs: 30_000, shortWindowMs: 5_000, forMs: 0, keepFiringForMs: 0, transitions: [], firing: [{ from: 12_000, to: null }] }],
          levels: [{ slo: 'availability', source: 'client', windowMs: 30_000, spans: [{ from: 1000, to: 9000, level: 'green' }, { from: 10_000, to: 30_000, level: 'red' }] }],
        }),
      ]),
    );
    for (const text of ['Prometheus comparison', '+1 ms', '−1000 ms', 'Durability', 'k-1', '<h3>Alerts</h3>', '12.0 s–end', 'Error budget', 'data-chart="levels"']) expect(rich).toContain(text);
    // The alert fired without burn data: its panel is drawn for the firing period alone.
    expect(rich).toContain('Burn rate · A (availability, client)');
    // Level spans tile the timeline: green from one tick before its first (0 s) to 9 s, red from 9 s.
    expect(rich).toContain('<title>green 0.0–9.0 s</title>');
    expect(rich).toContain('<title>red 9.0–30.0 s</title>');
  });
});

describe('determinism', () => {
  it.each(FIXTURES)('%s renders the same bytes twice; generatedAt changes only the stamp', (name) => {
    const fixture = fixtureReport(name);
    const first = renderHtml(fixture);
    expect(renderHtml(structuredClone(fixture))).toBe(first);
    const a = renderHtml(fixture, { generatedAt: '2026-11-25T20:30:00.000Z' });
    const b = renderHtml(fixture, { generatedAt: '2027-01-01T00:00:00.000Z' });
    expect(a).not.toBe(b);
    expect(a).toContain('2026-11-25 20:30:00 UTC');
    const unstamp = (html: string) => html.replace(/ at <time class="generated-at"[^>]*>[^<]*<\/time>/, '');
    expect(unstamp(a)).toBe(first);
    expect(unstamp(b)).toBe(first);
  });
});
