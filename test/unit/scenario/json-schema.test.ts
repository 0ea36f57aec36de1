import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
// The named export: ajv is CommonJS, and under `module: nodenext` TypeScript types a default
// import of it as the module object (not constructable), although Node hands over the class.
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SCHEMA_FILES, jsonSchemaText, type SchemaFileName } from '../../../src/scenario/json-schema.js';

/**
 * The committed JSON Schemas (schema/*.json) are what editors use through the
 * `# yaml-language-server: $schema=...` line of every scenario file. These tests keep them in
 * step with the zod source, prove the bundled files pass them, and prove they reject
 * something (a schema that accepts everything would pass the rest).
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCHEMA_DIR = `${ROOT}schema/`;
const SCENARIO_DIR = `${ROOT}scenarios/`;
const REGENERATE = 'npm run build && node dist/src/cli/main.js schema --out schema';

const schemaFiles = Object.keys(SCHEMA_FILES) as SchemaFileName[];
const bundled = readdirSync(SCENARIO_DIR)
  .filter((file) => /\.ya?ml$/.test(file))
  .sort();

const schemaFor = (file: string): SchemaFileName => (file === 'faultline.yaml' || file === 'faultline.yml' ? 'suite.schema.json' : 'scenario.schema.json');
const committed = (file: SchemaFileName): string => readFileSync(`${SCHEMA_DIR}${file}`, 'utf8');
const bundledText = (file: string): string => readFileSync(`${SCENARIO_DIR}${file}`, 'utf8');

function compile(file: SchemaFileName): ValidateFunction {
  // ajv's strict mode stays on (it catches unknown keywords, i.e. a broken generator) with two
  // relaxations, both for legal JSON Schema draft-07 that zod emits and editors accept:
  // - allowUnionTypes: `type: ["boolean", "string"]` (e.g. a scenario's `skip`, env values);
  // - strictRequired: false: a fault's `oneOf: [{ required: ["network"] }, ...]` names
  //   properties defined by the enclosing object, not by the `oneOf` branch itself.
  // allErrors gives every reason in a failure message.
  const ajv = new Ajv({ strict: true, allowUnionTypes: true, strictRequired: false, allErrors: true });
  return ajv.compile(JSON.parse(committed(file)) as object);
}

const validators = new Map<SchemaFileName, ValidateFunction>(schemaFiles.map((file) => [file, compile(file)]));
const validator = (file: SchemaFileName): ValidateFunction => validators.get(file) as ValidateFunction;

function errorsOf(validate: ValidateFunction, value: unknown): string {
  return validate(value) ? '' : JSON.stringify(validate.errors, null, 2);
}

describe('committed JSON Schemas', () => {
  it('covers both schema files and at least the bundled suite and five scenarios', () => {
    expect(schemaFiles.sort()).toEqual(['scenario.schema.json', 'suite.schema.json']);
    expect(bundled).toContain('faultline.yaml');
    expect(bundled.length).toBeGreaterThanOrEqual(6);
  });

  describe.each(schemaFiles)('%s', (file) => {
    it('matches the zod source byte for byte (no drift)', () => {
      const generated = jsonSchemaText(file);
      const onDisk = committed(file);
      // A plain equality first with a short message; toBe's diff of 40 KB of JSON follows.
      expect(onDisk === generated, `schema/${file} is out of date with src/scenario/schema/*.ts: run \`${REGENERATE}\` and commit the result`).toBe(true);
      expect(onDisk).toBe(generated);
    });

    it('is valid JSON Schema draft-07 with the right $id and a final newline', () => {
      const text = committed(file);
      expect(text.endsWith('}\n')).toBe(true);
      const schema = JSON.parse(text) as Record<string, unknown>;
      expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
      expect(schema.$id).toBe(`urn:faultline:schema:${file.replace('.schema.json', '')}:v1`);
      expect(new Ajv({ strict: true, allowUnionTypes: true, strictRequired: false }).validateSchema(schema)).toBe(true);
    });
  });
});

describe('bundled scenario files against the committed schemas (what an editor sees)', () => {
  it.each(bundled)('%s validates', (file) => {
    const value: unknown = parse(bundledText(file));
    expect(errorsOf(validator(schemaFor(file)), value)).toBe('');
  });

  it.each(bundled)('%s starts with the yaml-language-server line for its schema', (file) => {
    const firstLine = bundledText(file).split('\n', 1)[0];
    expect(firstLine).toBe(`# yaml-language-server: $schema=../schema/${schemaFor(file)}`);
  });
});

describe('the committed schemas are not vacuous', () => {
  const scenario = (): Record<string, unknown> => parse(bundledText('network-latency.yaml')) as Record<string, unknown>;
  const suite = (): Record<string, unknown> => parse(bundledText('faultline.yaml')) as Record<string, unknown>;
  const firstFault = (doc: Record<string, unknown>): Record<string, unknown> => (doc.faults as Record<string, unknown>[])[0] as Record<string, unknown>;

  const broken: [string, SchemaFileName, () => unknown, RegExp][] = [
    ['an unknown top-level scenario key', 'scenario.schema.json', () => ({ ...scenario(), faultz: [] }), /additionalProperties/],
    [
      'an unknown key inside a fault',
      'scenario.schema.json',
      () => {
        const doc = scenario();
        Object.assign(firstFault(doc), { latnecy: '500ms' });
        return doc;
      },
      /additionalProperties/,
    ],
    [
      'a fault with two kinds',
      'scenario.schema.json',
      () => {
        const doc = scenario();
        Object.assign(firstFault(doc), { cpu: { workers: 2 } });
        return doc;
      },
      /oneOf/,
    ],
    [
      'a fault with no kind',
      'scenario.schema.json',
      () => {
        const doc = scenario();
        delete firstFault(doc).network;
        return doc;
      },
      /oneOf/,
    ],
    [
      'a duration without a unit (a string)',
      'scenario.schema.json',
      () => {
        const doc = scenario();
        firstFault(doc).duration = '30';
        return doc;
      },
      /pattern/,
    ],
    ['a duration without a unit (a number)', 'scenario.schema.json', () => ({ ...scenario(), steady: 10 }), /type/],
    ['a scenario without a name', 'scenario.schema.json', () => ({ ...scenario(), name: undefined }), /required/],
    ['an unknown top-level suite key', 'suite.schema.json', () => ({ ...suite(), proxys: {} }), /additionalProperties/],
    ['a suite duration without a unit', 'suite.schema.json', () => ({ ...suite(), evaluation: { interval: '1', minEvents: 20 } }), /pattern/],
  ];

  it.each(broken)('rejects %s', (_what, file, make, keyword) => {
    // JSON.parse(JSON.stringify(...)) drops `undefined` keys, like YAML would never have them.
    const value: unknown = JSON.parse(JSON.stringify(make()));
    const validate = validator(file);
    expect(validate(value)).toBe(false);
    expect(validate.errors?.map((e) => e.keyword).join(' ')).toMatch(keyword);
  });

  it('accepts the same documents before they are broken (so the rejections above are the breakage)', () => {
    expect(errorsOf(validator('scenario.schema.json'), scenario())).toBe('');
    expect(errorsOf(validator('suite.schema.json'), suite())).toBe('');
  });
});

describe('the committed schemas accept what the loader accepts', () => {
  it('unit and number fields may be whole ${env:...} placeholders (expanded before checking)', () => {
    const scenario = { name: 's', steady: '${env:STEADY:-10s}', load: { rate: '${env:RATE:-50/s}' }, faults: [{ name: 'f', duration: '5s', cpu: { workers: '${env:WORKERS}', load: '${env:LOAD:-80%}' } }] };
    expect(errorsOf(validator('scenario.schema.json'), scenario)).toBe('');
  });

  it('cpu workers may be a count or N/core with a whole N ≥ 1, like the parser', () => {
    const withWorkers = (workers: unknown) => ({ name: 's', faults: [{ name: 'f', duration: '5s', cpu: { workers } }] });
    for (const workers of [4, '2/core', '1/core', ' 16 / core ', '300/core']) expect(errorsOf(validator('scenario.schema.json'), withWorkers(workers)), String(workers)).toBe('');
    for (const workers of [0, 257, '0/core', '1.5/core', '4/cores', 'x/core', '-2/core']) expect(errorsOf(validator('scenario.schema.json'), withWorkers(workers)), String(workers)).not.toBe('');
  });

  it('a process restart is a policy word or a mapping with when, like the loader', () => {
    const withRestart = (restart: unknown) => ({ target: { command: 'node app.js', restart }, services: { db: { command: 'node db.js', restart } } });
    for (const restart of ['never', 'on-failure', 'always', { when: 'always' }, { when: 'on-failure', delay: '500ms', limit: 3 }]) expect(errorsOf(validator('suite.schema.json'), withRestart(restart)), JSON.stringify(restart)).toBe('');
    for (const restart of ['onfailure', true, ['always'], null, { delay: '1s' }, { when: 'always', limit: 0 }, { when: 'always', delay: '1' }, { when: 'always', dealy: '1s' }]) {
      expect(errorsOf(validator('suite.schema.json'), withRestart(restart)), JSON.stringify(restart)).not.toBe('');
    }
  });

  it('durations keep the largest unit first, like the parser', () => {
    const withSteady = (steady: string) => ({ name: 's', steady });
    expect(errorsOf(validator('scenario.schema.json'), withSteady('1m30s'))).toBe('');
    expect(errorsOf(validator('scenario.schema.json'), withSteady('30s1m'))).not.toBe('');
    expect(errorsOf(validator('scenario.schema.json'), withSteady('1s1s'))).not.toBe('');
  });
});
