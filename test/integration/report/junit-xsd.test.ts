import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, execaSync } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderJunit } from '../../../src/report/junit.js';
import type { Report } from '../../../src/report/model.js';
import { FIXTURES, HOSTILE, assertion, fault, fixtureReport, report, scenario } from '../../helpers/sample-report.js';

/**
 * faultline's JUnit XML against the Apache Ant JUnit schema (test/fixtures/junit/JUnit.xsd),
 * judged by libxml2's xmllint, the validator CI systems' own tooling is built on. xmllint is
 * required, not optional: CI installs it (Debian libxml2-utils), so a missing binary fails here.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const XSD = path.join(ROOT, 'test/fixtures/junit/JUnit.xsd');

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'faultline-junit-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

// Looked up in each test, so that a missing xmllint fails every test rather than skipping them.
function xmllint(): string {
  const found = execaSync('sh', ['-c', 'command -v xmllint'], { reject: false });
  if (found.exitCode !== 0 || found.stdout.trim() === '') throw new Error('xmllint is not installed: apt-get install -y --no-install-recommends libxml2-utils (CI installs it in .ci/run)');
  return found.stdout.trim();
}

let n = 0;
async function validate(xml: string) {
  const file = path.join(work, `junit-${n++}.xml`);
  await writeFile(file, xml);
  const result = await execa(xmllint(), ['--noout', '--schema', XSD, file], { reject: false, timeout: 30_000 });
  return { file, exitCode: result.exitCode, stderr: result.stderr };
}

const hostile = `${HOSTILE}\u0000\u001b\uFFFE\uD800 end`;

const reports: [string, () => Report][] = [
  ...FIXTURES.map((name): [string, () => Report] => [`the real report ${name}`, () => fixtureReport(name)]),
  ['an all-skipped run', () => report([], { skipped: [{ name: 'a', reason: 'filtered' }, { name: 'b', reason: 'filtered' }], run: { reason: 'no scenario ran' } })],
  ['an empty run', () => report([], { run: { reason: 'no scenario ran' } })],
  [
    'every outcome at once: fail, inconclusive, aborted, no assertions, skipped, cleanup failure',
    () =>
      report(
        [
          scenario({ name: 'failing', verdict: 'fail', assertions: [assertion(), assertion({ id: 'slo[0]', kind: 'slo', verdict: 'fail' }), assertion({ id: 'alerts[0].fires', verdict: 'inconclusive' })] }),
          scenario({ name: 'aborted', verdict: 'fail', status: 'aborted', statusReason: 'error ratio above 50%', reason: 'aborted: error ratio above 50%' }),
          scenario({ name: 'silent', verdict: 'inconclusive', assertions: [], score: null, faults: [fault({ effect: 'not-effective', mttdMs: null, mttrMs: null })] }),
        ],
        { skipped: [{ name: 'later', reason: 'not selected' }], run: { cleanupFailures: ['toxic left on proxy db'], shard: { index: 1, total: 3 } } },
      ),
  ],
  [
    'hostile strings everywhere',
    () =>
      report(
        [scenario({ name: `s${HOSTILE}`, verdict: 'fail', reason: hostile, findings: [hostile], assertions: [assertion({ id: `a${HOSTILE}`, verdict: 'fail', kind: hostile, expected: hostile, actual: 'two\nlines\r\tand tab', evidence: { text: hostile } })] })],
        { run: { host: hostile, release: hostile, suite: hostile }, skipped: [{ name: hostile, reason: hostile }] },
      ),
  ],
];

describe('JUnit output against the Ant JUnit schema', () => {
  it.each(reports)('%s validates', async (_, make) => {
    const result = await validate(renderJunit(make()));
    expect(result.stderr).toBe(`${result.file} validates`);
    expect(result.exitCode).toBe(0);
  });

  it('a real parser reads hostile strings back exactly', async () => {
    const r = reports.find(([name]) => name === 'hostile strings everywhere')?.[1]() as Report;
    const { file } = await validate(renderJunit(r));
    const read = async (xpath: string) => (await execa(xmllint(), ['--xpath', xpath, file], { timeout: 30_000 })).stdout;
    expect(await read('string(//testsuite[1]/@name)')).toBe(`s${HOSTILE}`);
    expect(await read('string(//testsuite[1]/testcase[1]/failure/@message)')).toBe(`expected ${HOSTILE} end; actual two\nlines\r\tand tab`);
    expect(await read('string(//testsuite[1]/testcase[1]/failure)')).toContain(`expected: ${HOSTILE} end\nactual: two\nlines\r\tand tab\n`);
    expect(await read('string(//testsuite[2]/testcase[1]/skipped/@message)')).toBe(`${HOSTILE} end`);
    expect(await read('string(//testsuite[1]/system-out)')).toContain(`finding: ${HOSTILE} end`);
  });
});

/** Negative controls: a document that breaks one rule of the schema is rejected, so "validates" above means something. */
const broken: [string, (xml: string) => string, RegExp][] = [
  ['a testsuite without its required hostname', (xml) => xml.replace(/ hostname="[^"]*"/, ''), /hostname/],
  ['a timestamp with a time zone', (xml) => xml.replace(/ timestamp="([^"]*)"/, ' timestamp="$1Z"'), /timestamp/],
  ['a testsuite without system-err', (xml) => xml.replace('<system-err/>', ''), /system-err|Missing child element/],
  ['a testsuite without properties', (xml) => xml.replace(/<properties>[\s\S]*?<\/properties>/, ''), /properties/],
  ['a failure without its type', (xml) => xml.replace(/(<failure [^>]*?) type="[^"]*"/, '$1'), /type/],
  ['a time in exponent notation', (xml) => xml.replace(/ time="[^"]*"/, ' time="1e-7"'), /time/],
];

describe('the schema check can fail', () => {
  it.each(broken)('rejects %s', async (_, mutate, where) => {
    const xml = renderJunit(fixtureReport('no-timeout'));
    const bad = mutate(xml);
    expect(bad).not.toBe(xml);
    const result = await validate(bad);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('fails to validate');
    expect(result.stderr).toMatch(where);
  });
});
