import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { reportJsonSchemaText } from '../../../src/report/json-schema.js';
import { readReport } from '../../../src/report/read.js';

/**
 * schema/report.schema.json is generated from src/report/model.ts. These tests keep the two in
 * step, prove real reports pass it, and prove it (and readReport) reject broken ones.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const committed = readFileSync(`${ROOT}schema/report.schema.json`, 'utf8');
const fixtures = ['run-inconclusive.json', 'no-timeout.json'].map((f) => `${ROOT}test/fixtures/report/${f}`);
const validate = new Ajv({ strict: true, allowUnionTypes: true, strictRequired: false }).compile(JSON.parse(committed) as object);

describe('schema/report.schema.json', () => {
  it('matches the zod source byte for byte', () => {
    expect(committed === reportJsonSchemaText(), 'schema/report.schema.json is out of date: run `npm run build && node dist/src/cli/main.js schema --out schema`').toBe(true);
  });

  it.each(fixtures)('accepts the real report %s', (file) => {
    expect(validate(JSON.parse(readFileSync(file, 'utf8'))), JSON.stringify(validate.errors)).toBe(true);
  });

  const broken: [string, (r: Record<string, any>) => void, RegExp][] = [
    ['a verdict outside the three', (r) => (r.scenarios[0].verdict = 'maybe'), /verdict/],
    ['a missing run id', (r) => delete r.run.id, /id/],
    ['an assertion without evidence', (r) => delete r.scenarios[0].assertions[0].evidence, /evidence/],
    ['a series value that is text', (r) => (r.scenarios[0].series.rps[0] = 'fifty'), /rps/],
  ];
  it.each(broken)('rejects %s (schema and readReport)', async (_, mutate, where) => {
    const report = JSON.parse(readFileSync(fixtures[0] as string, 'utf8')) as Record<string, any>;
    mutate(report);
    expect(validate(report)).toBe(false);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'faultline-report-')), 'report.json');
    writeFileSync(file, JSON.stringify(report));
    await expect(readReport(file)).rejects.toMatchObject({ code: 'FAULTLINE_USAGE', message: where });
  });

  it('readReport names an unsupported schemaVersion and non-JSON as bad input', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'faultline-report-'));
    writeFileSync(path.join(dir, 'v2.json'), JSON.stringify({ schemaVersion: 2 }));
    writeFileSync(path.join(dir, 'junk.json'), '{"schemaVersion": 1,');
    await expect(readReport(path.join(dir, 'v2.json'))).rejects.toMatchObject({ code: 'FAULTLINE_USAGE', message: /schemaVersion 2 is not supported/ });
    await expect(readReport(path.join(dir, 'junk.json'))).rejects.toMatchObject({ code: 'FAULTLINE_USAGE', message: /is not JSON/ });
  });
});
