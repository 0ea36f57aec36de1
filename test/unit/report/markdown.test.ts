import { afterEach, describe, expect, it, vi } from 'vitest';
import { MARKDOWN_MAX_BYTES, renderMarkdown } from '../../../src/report/markdown.js';
import { md, mdLine } from '../../../src/report/markdown-text.js';
import { reportSchema, type Report, type ScenarioReport } from '../../../src/report/model.js';
import { FIXTURES, HOSTILE, assertion, fault, fixtureReport, report, scenario } from '../../helpers/sample-report.js';

/** The Markdown summary: content from the real reports and hand-made ones, escaping, the size cap, determinism. */

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const lines = (text: string) => text.split('\n');
/** Table-cell separators: pipes not escaped with a backslash. */
const pipes = (line: string) => line.replace(/\\\\/g, '').replace(/\\\|/g, '').split('|').length - 1;
/** The HTML the renderer writes itself; anything else in angle brackets came from a report string. */
const OWN_TAGS = /<\/?(?:br|details|summary|sub)>/g;

describe('renderMarkdown on the real reports', () => {
  it('no-timeout: FAIL headline, the scenario row, the failed assertions with expected and actual, every assertion collapsed', () => {
    const text = renderMarkdown(fixtureReport('no-timeout'));
    expect(text.startsWith('## ❌ faultline: FAIL\n\n1 scenario failed: network-latency\n\n**Release** dev · **Commit** unknown · **Score** 65/100 · **Suite** agent-runtime\n')).toBe(true);
    expect(lines(text)).toContain('| network-latency | ❌ fail | 65 | 7/10 | 999 ms | 0 ms | latency 1.69% in chaos (server; objective 99.00%) |');
    expect(text).toContain(
      "- ❌ **slo\\[0\\]** (slo, fail)\n  - Expected: latency at least 99.00% good during chaos (by the service's metrics)\n  - Actual: server: 1.69% good (1451 bad of 1476)\n",
    );
    expect(text).toContain('- ❌ **alerts\\[0\\].fires** (alert-fires, fail)\n  - Expected: BudgetBurnFast fires within 20 s of slow-upstream.start\n  - Actual: never fired after it\n');
    expect(text).toContain('<details>\n<summary>All 10 assertions</summary>\n');
    expect(lines(text).filter((l) => l.startsWith('| ✅ | ')).length).toBe(7);
    expect(lines(text).filter((l) => l.startsWith('| ❌ | ')).length).toBe(3);
  });

  it('run-inconclusive: INCONCLUSIVE headline, five rows, only cpu-saturation explained, with its ineffective fault and finding', () => {
    const text = renderMarkdown(fixtureReport('run-inconclusive'));
    expect(text.startsWith('## ⚠️ faultline: INCONCLUSIVE\n\n1 scenario was inconclusive: cpu-saturation\n')).toBe(true);
    expect(lines(text)).toContain('| cpu-saturation | ⚠️ inconclusive | 0 | 6/6 | 210 ms (not-effective) | 8.48 s | latency 5.10% in chaos (client; objective 99.00%) |');
    expect(lines(text)).toContain('| heap-growth | ✅ pass | 100 | 5/5 | 12.5 s | 519 ms | 100.00% (no bad events) |');
    expect(lines(text).filter((l) => l.startsWith('### '))).toEqual(['### ⚠️ cpu-saturation: inconclusive']);
    expect(text).toContain('- ⚠️ fault **burn-cpu** not-effective: 16 threads averaged 5% busy');
    expect(text).toContain("Findings:\n\n- availability during recover: clients saw 75.00% good, the service's metrics say 98.64%");
    expect(lines(text).filter((l) => l.startsWith('| ✅ | ')).length).toBe(27);
  });

  it.each(FIXTURES)('%s renders the same bytes from the object, from its JSON read back, and whatever the clock says', (name) => {
    const r = fixtureReport(name);
    const once = renderMarkdown(r);
    expect(renderMarkdown(reportSchema.parse(JSON.parse(JSON.stringify(r)))) === once).toBe(true);
    vi.useFakeTimers({ now: new Date('2099-12-31T23:59:59Z') });
    expect(renderMarkdown(r) === once).toBe(true);
  });

  afterEach(() => {
    vi.useRealTimers();
  });
});

/** Hand-made reports: [what, report, lines the output must contain, strings it must not contain]. */
const cases: [string, Report, string[], string[]][] = [
  ['a passing run', report([scenario()]), ['## ✅ faultline: PASS', '| s | ✅ pass | 100 | 1/1 | 1.00 s | 2.50 s | – |'], ['\n### ', '_… the rest is left out']],
  [
    'an inconclusive assertion: listed with expected and actual',
    report([scenario({ verdict: 'inconclusive', score: 0, assertions: [assertion({ verdict: 'inconclusive', actual: 'no health samples' })] })]),
    ['## ⚠️ faultline: INCONCLUSIVE', '### ⚠️ s: inconclusive', '- ⚠️ **health\\[0\\]** (health, inconclusive)', '  - Expected: UP → DOWN within 10 s of f.start', '  - Actual: no health samples'],
    [],
  ],
  [
    'a skipped scenario: a row and its reason',
    report([scenario()], { skipped: [{ name: 'later', reason: 'not selected by --tag cpu' }] }),
    ['| later | ⏭️ skipped | – | – | – | – | – |', '- later: not selected by --tag cpu', 'Scenarios: 1 passed, 0 failed, 0 inconclusive, 1 skipped · Assertions: 1 of 1 passed'],
    [],
  ],
  [
    'several faults: MTTD and MTTR per fault, by name',
    report([scenario({ faults: [fault({ name: 'a' }), fault({ name: 'b', mttdMs: null, mttrMs: null, effect: 'unverified' })] })]),
    ['| s | ✅ pass | 100 | 1/1 | a: 1.00 s<br>b: not detected (unverified) | a: 2.50 s<br>b: not recovered | – |'],
    [],
  ],
  [
    'the worst SLI is the one burning most of its budget',
    report([
      scenario({
        slis: [
          { slo: 'availability', phase: 'chaos', source: 'client', total: 100, bad: 5, sli: 0.95, objective: 0.9, burn: 0.5 },
          { slo: 'latency', phase: 'chaos', source: 'server', total: 100, bad: 2, sli: 0.98, objective: 0.999, burn: 20 },
          { slo: 'latency', phase: 'all', source: 'server', total: 300, bad: 90, sli: 0.7, objective: 0.999, burn: 300 },
        ],
      }),
    ]),
    ['| s | ✅ pass | 100 | 1/1 | 1.00 s | 2.50 s | latency 98.00% in chaos (server; objective 99.90%) |'],
    [],
  ],
  [
    'an aborted scenario: its status reason',
    report([scenario({ verdict: 'fail', status: 'aborted', statusReason: 'error ratio above 50%', reason: 'aborted: error ratio above 50%' })]),
    ['### ❌ s: fail', 'aborted: error ratio above 50%', 'Status: aborted (error ratio above 50%)'],
    [],
  ],
  ['an empty run', report([], { run: { reason: 'no scenario ran' } }), ['## ⚠️ faultline: INCONCLUSIVE', 'No scenario ran.'], ['<details>', '| Scenario |']],
  [
    'cleanup failures and an interrupted run are called out',
    report([scenario()], { run: { verdict: 'fail', reason: 'cleanup failed: toxic left', cleanupFailures: ['toxic left on proxy db'], interrupted: true } }),
    ['## ❌ faultline: FAIL', '> ❌ Cleanup failed: toxic left on proxy db', '> ⚠️ The run was interrupted: scenarios after the interruption did not run.'],
    [],
  ],
  [
    'a full commit is shortened, the shard named',
    report([scenario()], { run: { shard: { index: 2, total: 4 }, score: 100 } }),
    ['**Release** v1.2.3 · **Commit** 0123456789ab · **Score** 100/100 · **Suite** demo · **Shard** 2/4'],
    ['0123456789abcdef'],
  ],
];

describe('renderMarkdown content', () => {
  it.each(cases)('%s', (_, r, want, not) => {
    const text = renderMarkdown(r);
    for (const line of want) expect(lines(text)).toContain(line);
    for (const s of not) expect(text).not.toContain(s);
    expect(text.endsWith('</sub>\n')).toBe(true);
  });
});

describe('renderMarkdown escaping', () => {
  const hostile = `<script>alert(1)</script> ${HOSTILE} *b* _i_ \`c\` [l](http://x) ~~s~~ $x$ &amp; \\`;
  const r = report(
    [
      scenario({
        name: `s${HOSTILE}`,
        verdict: 'fail',
        reason: `# not a heading\n${hostile}`,
        findings: [`first\nsecond ${hostile}`],
        faults: [fault({ name: `f${HOSTILE}` }), fault({ name: 'g|h', effect: 'not-effective', evidence: hostile })],
        assertions: [assertion({ id: `a${HOSTILE}`, kind: hostile, verdict: 'fail', expected: `${hostile}\nline two`, actual: `1. ${hostile}\r\n\tend` })],
        slis: [{ slo: `slo${HOSTILE}`, phase: 'chaos', source: 'client', total: 10, bad: 5, sli: 0.5, objective: 0.99, burn: 50 }],
      }),
    ],
    { run: { release: hostile, reason: `- ${hostile}`, host: hostile, commit: hostile }, skipped: [{ name: hostile, reason: `${hostile}\n2. item` }] },
  );
  const text = renderMarkdown(r);

  it('writes no HTML but its own tags', () => {
    expect(text.replace(OWN_TAGS, '')).not.toMatch(/[<>]/);
    expect(text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(text).toContain('&amp;amp;');
  });

  it('keeps every table row on one line with its own number of cells', () => {
    const rows = lines(text).filter((l) => l.startsWith('|'));
    expect(rows.length).toBe(2 + 2 + 2 + 1);
    const scenarioTable = rows.slice(0, 4);
    const assertionTable = rows.slice(4);
    for (const row of scenarioTable) expect(pipes(row), row).toBe(8);
    for (const row of assertionTable) expect(pipes(row), row).toBe(5);
  });

  it('neutralises Markdown formatting, math and line starts', () => {
    expect(text).toContain('\\*b\\* \\_i\\_ \\`c\\` \\[l\\](http://x) \\~\\~s\\~\\~ \\$x\\$');
    expect(text).toContain('\n\\# not a heading<br>');
    expect(text).toContain('\n\\- &lt;script&gt;');
    expect(text).toContain('  - Actual: 1. &lt;script&gt;');
    expect(text).toContain('<br> end |');
  });

  const helpers: [string, string, string][] = [
    ['md', HOSTILE, '&lt;\\]\\]&gt;&amp;"\'\\|'],
    ['md', 'a\r\nb\nc\u0000\u001b\u007fd\te', 'a<br>b<br>cd e'],
    ['md', 'back\\slash', 'back\\\\slash'],
    ['mdLine', '  # h', '\\# h'],
    ['mdLine', '+ item', '\\+ item'],
    ['mdLine', '12. item', '12\\. item'],
    ['mdLine', '3) item', '3\\) item'],
    ['mdLine', '=== under', '\\=== under'],
    ['mdLine', 'plain - text', 'plain - text'],
  ];
  it.each(helpers)('%s(%j) is %j', (fn, input, want) => {
    expect((fn === 'md' ? md : mdLine)(input)).toBe(want);
  });
});

describe('renderMarkdown size', () => {
  const long = (seed: string) => `${seed} `.repeat(60);
  const big = (count: number, assertionsEach: number): Report => {
    const scenarios: ScenarioReport[] = Array.from({ length: count }, (_, i) =>
      scenario({
        name: `scenario-${i}`,
        verdict: i % 10 === 0 ? 'fail' : 'pass',
        assertions: Array.from({ length: assertionsEach }, (_, j) => assertion({ id: `a[${j}]`, verdict: i % 10 === 0 && j === 0 ? 'fail' : 'pass', expected: long(`expected ${i}.${j}`), actual: long(`actual ${i}.${j}`) })),
      }),
    );
    return report(scenarios);
  };

  it('keeps a big suite under the default limit, cutting the collapsed details with a note', () => {
    const r = big(200, 25);
    const text = renderMarkdown(r);
    expect(bytes(text)).toBeLessThanOrEqual(MARKDOWN_MAX_BYTES);
    expect(MARKDOWN_MAX_BYTES).toBeLessThan(1024 * 1024);
    expect(text).toContain("_… the rest is left out to keep this summary under 1000000 bytes (GitHub's step-summary limit is 1 MiB); report.json and junit.xml have every assertion._");
    expect(text.match(/<details>/g)?.length).toBe(1);
    expect(text.match(/<\/details>/g)?.length).toBe(1);
    expect(lines(text).filter((l) => l.startsWith('| scenario-')).length).toBe(200);
    expect(lines(text).filter((l) => l.startsWith('### ❌ ')).length).toBe(20);
    expect(text.endsWith('</sub>\n')).toBe(true);
  });

  const limits: [number, number, number][] = [
    [20, 5, 8_000],
    [500, 1, 10_000],
    [3, 2, 1],
  ];
  it.each(limits)('%i scenarios × %i assertions stay within maxBytes %i (at least 4 KiB)', (count, each, maxBytes) => {
    const text = renderMarkdown(big(count, each), { maxBytes });
    expect(bytes(text)).toBeLessThanOrEqual(Math.max(maxBytes, 4096));
    expect(text).toContain('_… the rest is left out');
    expect(text.match(/<details>/g)?.length ?? 0).toBe(text.match(/<\/details>/g)?.length ?? 0);
    expect(text.startsWith('## ❌ faultline: FAIL\n')).toBe(true);
  });

  it('leaves a summary that fits alone', () => {
    const text = renderMarkdown(big(3, 2));
    expect(text).not.toContain('_… the rest is left out');
    expect(lines(text).filter((l) => l.startsWith('| ✅ | ') || l.startsWith('| ❌ | ')).length).toBe(6);
  });
});
