import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv } from 'ajv';
import { execa, type ResultPromise } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Assertion, ScenarioVerdict } from '../../src/judge/judge.js';
import type { Report } from '../../src/report/model.js';
import { checkReportInBrowser } from '../helpers/browser.js';
import { ROOT } from '../helpers/processes.js';
import { faultline, marked, readRecording, withoutGenerationStamp } from '../helpers/run-cli.js';

/**
 * The acceptance, on the bundled suite as shipped (scenarios/ against harness/agent):
 * it passes on the healthy agent, and every seeded bug (AGENT_BUG) makes the scenario that is
 * meant to catch it fail, on the assertion that names the symptom. These are real chaos runs,
 * timed on a 2-core machine, so they run one at a time; each run's margins are annotated on its
 * test (shown by `--reporter=verbose` and in JUnit output).
 */

const SCENARIOS = path.join(ROOT, 'scenarios');
/** Every scenario of the bundled suite: its file names are its scenario names. */
const BUNDLED = readdirSync(SCENARIOS).filter((f) => f.endsWith('.yaml') && f !== 'faultline.yaml').map((f) => f.slice(0, -'.yaml'.length)).sort();

/** [bug, the scenario that catches it, the assertion that must fail, its `actual` naming the symptom]. */
const BUGS: [string, string, string, RegExp][] = [
  ['no-timeout', 'network-latency', 'slo[0]', /server: [\d.]+% good/],
  ['health-always-up', 'heap-growth', 'health[0]', /no UP → DOWN/],
  ['leak', 'heap-growth', 'steady-state.after', /health not UP in \d+ of \d+ polls/],
  ['no-graceful-stop', 'graceful-restart', 'errors[0]', /[1-9]\d* unanswered of \d+ requests/],
  ['wal-no-fsync', 'process-kill', 'durability', /[1-9]\d* acknowledged writes lost/],
];

let work: string;
const runs: ResultPromise[] = [];
/** Run folders by bug ('' = healthy), for the report and compare checks that follow the runs. */
const outs = new Map<string, string>();

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'faultline-bugs-'));
});
afterEach(async () => {
  for (const run of runs.splice(0)) {
    run.kill('SIGKILL');
    await run;
  }
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/**
 * `faultline run PATH` with AGENT_BUG set (empty: the healthy agent). The runner passes its own
 * environment to every process it starts (scenario-run.ts makeProcess), so the marker in it
 * reaches the agent and the upstream without editing the suite file.
 */
async function run(target: string, bug: string, timeoutMs: number): Promise<{ exitCode: number | undefined; output: string; out: string; marker: string }> {
  const marker = randomUUID();
  const out = path.join(work, `out-${bug === '' ? 'healthy' : bug}`);
  const started = faultline(work, ['run', target, '--out', out], { env: { AGENT_BUG: bug, FAULTLINE_TEST_MARK: marker }, timeoutMs });
  runs.push(started);
  const result = await started;
  outs.set(bug, out);
  return { exitCode: result.exitCode, output: String(result.all), out, marker };
}

const readVerdicts = async (out: string, scenario: string): Promise<ScenarioVerdict> => JSON.parse(await readFile(path.join(out, scenario, 'verdicts.json'), 'utf8')) as ScenarioVerdict;

const line = (a: Assertion): string => `${a.id} ${a.verdict}: expected ${a.expected}; actual ${a.actual}`;

/** What each timed assertion took against its limit, and what the rest measured. */
function margins(v: ScenarioVerdict): string {
  const taken = (a: Assertion): string => {
    const ms = a.evidence['afterMs'] ?? a.evidence['recoveryMs'];
    return typeof ms === 'number' ? ` [${(ms / 1000).toFixed(1)} s]` : '';
  };
  return [`${v.scenario}: ${v.verdict}`, ...v.assertions.map((a) => `  ${a.id}${taken(a)} ${a.actual} (expected ${a.expected})`)].join('\n');
}

/** The tail of the run's output, for a failure message when the verdicts do not explain it. */
const tail = (output: string): string => output.split('\n').slice(-40).join('\n');

describe.sequential('the bundled suite against the seeded bugs', () => {
  it('passes on the healthy agent: every scenario, every assertion', { timeout: 600_000 }, async ({ annotate }) => {
    const { exitCode, output, out, marker } = await run(SCENARIOS, '', 570_000);
    expect(marked(marker)).toEqual([]);
    const ran = readdirSync(out, { withFileTypes: true }).filter((d) => d.isDirectory() && BUNDLED.includes(d.name)).map((d) => d.name).sort();
    expect(ran, tail(output)).toEqual(BUNDLED);
    const verdicts = await Promise.all(BUNDLED.map((s) => readVerdicts(out, s)));
    await annotate(verdicts.map(margins).join('\n'), 'margins');
    const notPassed = verdicts.filter((v) => v.verdict !== 'pass');
    const explanation = notPassed.map((v) => [`${v.scenario}: ${v.verdict} (${v.reason})`, ...v.assertions.filter((a) => a.verdict !== 'pass').map((a) => `  ${line(a)}`)].join('\n')).join('\n');
    expect(notPassed.map((v) => v.scenario), explanation).toEqual([]);
    expect(exitCode, tail(output)).toBe(0);
  });

  it.for(BUGS)('AGENT_BUG=%s: %s fails on %s', { timeout: 180_000 }, async ([bug, scenario, id, symptom], { annotate }) => {
    const { exitCode, output, out, marker } = await run(path.join(SCENARIOS, `${scenario}.yaml`), bug, 170_000);
    expect(marked(marker)).toEqual([]);
    const verdicts = await readVerdicts(out, scenario);
    const all = verdicts.assertions.map(line).join('\n');
    await annotate(margins(verdicts), 'margins');
    // A fault that did not take effect, or an assertion without data, would be a pass-by-absence:
    // the bug must be caught by a chaos run that happened and was measured.
    const recording = await readRecording(out, scenario);
    for (const fault of recording.faults) expect(fault.effect, `${fault.name}: ${fault.evidence}`).toBe('effective');
    expect(verdicts.assertions.filter((a) => a.verdict === 'inconclusive').map(line), all).toEqual([]);
    const caught = verdicts.assertions.find((a) => a.id === id);
    expect(caught?.verdict, all).toBe('fail');
    expect(caught?.actual).toMatch(symptom);
    expect(verdicts.verdict).toBe('fail');
    expect(exitCode, tail(output)).toBe(1);
  });

  it('the healthy run files every report format: schema-valid JSON, XSD-valid JUnit, re-rendered byte for byte, an offline HTML with every chart', { timeout: 180_000 }, async () => {
    const out = outs.get('');
    expect(out, 'the healthy run did not happen').toBeDefined();
    const dir = out as string;
    const report = JSON.parse(await readFile(path.join(dir, 'report.json'), 'utf8')) as Report;
    const validate = new Ajv({ strict: true, allowUnionTypes: true, strictRequired: false }).compile(JSON.parse(await readFile(path.join(ROOT, 'schema/report.schema.json'), 'utf8')) as object);
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report.scenarios.map((s) => s.name).sort()).toEqual(BUNDLED);
    expect(report.run.verdict).toBe('pass');
    expect(report.run.score).toBe(100);

    const xsd = await execa('xmllint', ['--noout', '--schema', path.join(ROOT, 'test/fixtures/junit/JUnit.xsd'), path.join(dir, 'junit.xml')], { reject: false });
    expect(xsd.exitCode, xsd.stderr).toBe(0);

    const again = path.join(work, 'rerendered');
    const rerender = await faultline(work, ['report', path.join(dir, 'report.json'), '--out', again], { timeoutMs: 60_000 });
    expect(rerender.exitCode, String(rerender.all)).toBe(0);
    for (const file of ['junit.xml', 'summary.md']) expect(await readFile(path.join(again, file), 'utf8'), file).toBe(await readFile(path.join(dir, file), 'utf8'));
    expect(withoutGenerationStamp(await readFile(path.join(again, 'report.html'), 'utf8'))).toBe(withoutGenerationStamp(await readFile(path.join(dir, 'report.html'), 'utf8')));

    // Opened from disk with the network blocked; the screenshot stays in the run's folder.
    const html = path.join(dir, 'report.html');
    const seen = await checkReportInBrowser(html, path.join(dir, 'report.png'));
    expect(seen.requests).toEqual([pathToFileURL(html).href]);
    expect(seen.consoleErrors).toEqual([]);
    expect(seen.scenarios.map((s) => s.name).sort()).toEqual(BUNDLED);
    for (const s of seen.scenarios) {
      const faults = report.scenarios.find((r) => r.name === s.name)?.faults.length;
      expect({ name: s.name, charts: s.charts, faultWindows: s.faultWindows }).toEqual({ name: s.name, charts: 1, faultWindows: faults });
    }
  });

  it('compare: the healthy run against AGENT_BUG=no-timeout names network-latency regressed and fails with --fail-on-regression', { timeout: 60_000 }, async () => {
    const base = outs.get('');
    const head = outs.get('no-timeout');
    expect(base !== undefined && head !== undefined, 'both runs must have happened').toBe(true);
    const gate = await faultline(work, ['compare', base as string, head as string, '--fail-on-regression', '--format', 'json'], { timeoutMs: 30_000 });
    expect(gate.exitCode, String(gate.all)).toBe(1);
    const comparison = JSON.parse(gate.stdout) as { rows: { scenario: string; status: string; reasons: string[] }[] };
    const regressed = comparison.rows.filter((r) => r.status === 'regressed');
    expect(regressed.map((r) => r.scenario)).toEqual(['network-latency']);
    expect(regressed[0]?.reasons.join('\n')).toMatch(/verdict pass → fail/);
    const table = await faultline(work, ['compare', base as string, head as string, '--format', 'markdown'], { timeoutMs: 30_000 });
    expect(table.exitCode, String(table.all)).toBe(0);
    expect(table.stdout).toMatch(/network-latency/);
  });
});
