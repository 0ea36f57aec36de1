import { describe, expect, it } from 'vitest';
import { SourceFile, type Path } from '../../../src/scenario/source.js';
import { SCENARIO_TEMPLATE_PATHS, SUITE_TEMPLATE_PATHS, expandTemplate, isTemplatePath, preparePlaceholders } from '../../../src/scenario/templates.js';

const ENV: Readonly<Record<string, string | undefined>> = Object.freeze({
  RELEASE: '1.2.3',
  RATE: '80/s',
  EMPTY: '',
  TRICKY: 'a${port:b}c',
  DOLLARS: 'x$${y}',
  UNDEFINED_ON_PURPOSE: undefined,
});

/** The YAML text as the loader sees it: parsed with positions, then prepared. */
function prepare(lines: readonly string[], templatePaths: readonly string[] = ['tpl', 'tpl.*', 'deep.**'], env = ENV) {
  const source = new SourceFile('demo.yaml', `${lines.join('\n')}\n`);
  expect(source.syntaxIssues()).toEqual([]);
  return preparePlaceholders(source.toJS(), source, templatePaths, env);
}

describe('isTemplatePath', () => {
  it.each<[string, Path, boolean]>([
    ['a.b', ['a', 'b'], true],
    ['a.b', ['a'], false],
    ['a.b', ['a', 'b', 'c'], false],
    ['a.b', ['a', 'c'], false],
    // * is exactly one segment, a key or an index.
    ['a.*', ['a', 'x'], true],
    ['a.*', ['a', 0], true],
    ['a.*', ['a'], false],
    ['a.*', ['a', 'x', 'y'], false],
    ['a.*.c', ['a', 'x', 'c'], true],
    ['a.*.c', ['a', 'c'], false],
    ['a.*.c', ['a', 'x', 'y', 'c'], false],
    ['*', [], false],
    // ** is any number of segments, including none.
    ['a.**', ['a'], true],
    ['a.**', ['a', 'x'], true],
    ['a.**', ['a', 'x', 0, 'y'], true],
    ['a.**', ['b', 'x'], false],
    ['a.**.c', ['a', 'c'], true],
    ['a.**.c', ['a', 'x', 'y', 'c'], true],
    ['a.**.c', ['a', 'x', 'y'], false],
    ['a.**.c', ['a', 'c', 'd'], false],
    ['**', [], true],
    ['**', ['anything', 3, 'at', 'all'], true],
    ['**.c', ['x', 'y', 'c'], true],
    ['**.c', ['x', 'c', 'y'], false],
    // A numeric pattern segment names an index.
    ['a.0', ['a', 0], true],
    ['a.0', ['a', 1], false],
  ])('%s matches %j: %s', (pattern, path, expected) => {
    expect(isTemplatePath([pattern], path)).toBe(expected);
  });

  it('matches when any pattern matches, and never with no patterns', () => {
    expect(isTemplatePath(['x', 'a.*'], ['a', 'b'])).toBe(true);
    expect(isTemplatePath([], ['a'])).toBe(false);
    expect(isTemplatePath([], [])).toBe(false);
  });

  it.each<[Path, boolean]>([
    [['services', 'upstream', 'command'], true],
    [['services', 'upstream', 'command', 0], true],
    [['services', 'upstream', 'env', 'UPSTREAM_PORT'], true],
    [['services', 'upstream', 'ready', 'http'], true],
    [['services', 'upstream', 'ready', 'tcp'], true],
    [['services', 'upstream', 'ready', 'log'], true],
    [['services', 'upstream', 'ready', 'timeout'], false],
    [['services', 'upstream', 'cwd'], false],
    [['target', 'command'], true],
    [['target', 'env', 'AGENT_WAL'], true],
    [['target', 'health', 'url'], true],
    [['target', 'health', 'interval'], false],
    [['target', 'metrics', 'url'], true],
    [['target', 'cwd'], false],
    [['proxies', 'upstream', 'upstream'], true],
    [['proxies', 'upstream', 'listen'], true],
    [['load', 'request', 'url'], true],
    [['load', 'request', 'headers', 'authorization'], true],
    [['load', 'request', 'body'], true],
    [['load', 'request', 'body', 'items', 0, 'id'], true],
    [['load', 'request', 'method'], false],
    [['load', 'rate'], false],
    [['name'], false],
    [['description'], false],
    [['slos', 'availability', 'server', 'total'], false],
  ])('suite field %j is a template field: %s', (path, expected) => {
    expect(isTemplatePath(SUITE_TEMPLATE_PATHS, path)).toBe(expected);
  });

  it.each<[Path, boolean]>([
    [['load', 'request', 'url'], true],
    [['load', 'request', 'body', 'nested', 'deeper'], true],
    [['expect', 'durability', 'url'], true],
    [['expect', 'durability', 'rate'], false],
    [['description'], false],
    [['faults', 0, 'network', 'proxy'], false],
    [['target', 'command'], false],
  ])('scenario field %j is a template field: %s', (path, expected) => {
    expect(isTemplatePath(SCENARIO_TEMPLATE_PATHS, path)).toBe(expected);
  });
});

describe('preparePlaceholders', () => {
  it('expands ${env:...} in every field, template or not, with defaults', () => {
    const result = prepare([
      'description: release ${env:RELEASE} at ${env:RATE}',
      'rate: ${env:NOPE:-50/s}',
      'empty: "[${env:EMPTY}][${env:NOPE:-}]"',
      'tpl: http://x/${env:RELEASE}?r=${env:NOPE:-d}',
      'list: ["a-${env:RELEASE}", 5]',
    ]);
    expect(result.issues).toEqual([]);
    expect(result.value).toEqual({
      description: 'release 1.2.3 at 80/s',
      rate: '50/s',
      empty: '[][]',
      tpl: 'http://x/1.2.3?r=d',
      list: ['a-1.2.3', 5],
    });
  });

  it('uses the default for an empty variable too, like a shell\'s ${NAME:-default}', () => {
    const result = prepare(['a: "[${env:EMPTY:-fallback}]"', 'tpl: "[${env:EMPTY:-fallback}]"', 'b: "[${env:EMPTY}]"']);
    expect(result.value).toEqual({ a: '[fallback]', tpl: '[fallback]', b: '[]' });
  });

  it('keeps ${port:..}, ${proxy:..}, ${tmp:..} and $${ escapes in template fields, and records the uses', () => {
    const result = prepare([
      'tpl: http://127.0.0.1:${port:agent}/x?u=${proxy:upstream}&r=${env:RELEASE}',
      'deep:',
      '  body:',
      '    - { wal: "${tmp:state}/agent.wal", cost: "$${port:not-a-placeholder} $5" }',
    ]);
    expect(result.issues).toEqual([]);
    expect(result.value).toEqual({
      tpl: 'http://127.0.0.1:${port:agent}/x?u=${proxy:upstream}&r=1.2.3',
      deep: { body: [{ wal: '${tmp:state}/agent.wal', cost: '$${port:not-a-placeholder} $5' }] },
    });
    expect(result.uses).toEqual([
      { kind: 'port', name: 'agent', path: ['tpl'], text: '${port:agent}' },
      { kind: 'proxy', name: 'upstream', path: ['tpl'], text: '${proxy:upstream}' },
      { kind: 'tmp', name: 'state', path: ['deep', 'body', 0, 'wal'], text: '${tmp:state}' },
    ]);
  });

  it('inserts env values verbatim into non-template fields, ${ and $${ included', () => {
    const result = prepare(['other: "<${env:TRICKY}>"', 'a: ${env:DOLLARS}']);
    expect(result.issues).toEqual([]);
    expect(result.uses).toEqual([]);
    expect(result.value).toEqual({ other: '<a${port:b}c>', a: 'x$${y}' });
  });

  it('unescapes $${ in non-template fields only', () => {
    const result = prepare(['description: "literal $${port:x} and $${env:HOME}"', 'tpl: "literal $${port:x}"', 'plain: "a lone $ and $5 and $$"']);
    expect(result.issues).toEqual([]);
    expect(result.value).toEqual({ description: 'literal ${port:x} and ${env:HOME}', tpl: 'literal $${port:x}', plain: 'a lone $ and $5 and $$' });
  });

  // Regression (src/scenario/templates.ts, expandEnv): `value.replaceAll('${', '$${')` uses a
  // string replacement, in which `$$` means one `$`, so nothing is escaped and an env value
  // holding `${port:b}` becomes a live placeholder in a template field (the runner expands it,
  // or throws "no value for ${port:b}"; load-time checks never saw it). Fix: a replacer
  // function, `value.replaceAll('${', () => '$${')`.
  it('escapes ${ in env values inserted into template fields, so the runner never reads them as placeholders', () => {
    const result = prepare(['tpl: "<${env:TRICKY}>"', 'deep: ${env:DOLLARS}']);
    expect(result.issues).toEqual([]);
    expect(result.uses).toEqual([]);
    expect(result.value).toEqual({ tpl: '<a$${port:b}c>', deep: 'x$$${y}' });
    // ...and the runner's expansion turns the escapes back into the variables' exact values.
    const none = { port: () => undefined, proxy: () => undefined, tmp: () => undefined };
    const value = result.value as { tpl: string; deep: string };
    expect(expandTemplate(value.tpl, none)).toBe('<a${port:b}c>');
    expect(expandTemplate(value.deep, none)).toBe('x$${y}');
  });

  it('leaves numbers, booleans, nulls and keys alone', () => {
    const result = prepare(['n: 5', 'b: true', 'z: null', '"${port:key}": 1', 'tpl: { x: 1.5 }']);
    expect(result.issues).toEqual([]);
    expect(result.value).toEqual({ n: 5, b: true, z: null, '${port:key}': 1, tpl: { x: 1.5 } });
  });

  it('reports an unset variable at the placeholder, keeping the text as written', () => {
    const result = prepare(['name: demo', 'description: "run ${env:NOPE} now"', 'tpl: x ${env:ALSO_NOPE}', 'list:', '  - ${env:UNDEFINED_ON_PURPOSE}']);
    expect(result.value).toEqual({ name: 'demo', description: 'run ${env:NOPE} now', tpl: 'x ${env:ALSO_NOPE}', list: ['${env:UNDEFINED_ON_PURPOSE}'] });
    expect(result.issues).toEqual([
      expect.objectContaining({ code: 'ENV_UNSET', file: 'demo.yaml', line: 2, column: 19, path: 'description', message: 'environment variable NOPE is not set' }),
      expect.objectContaining({ code: 'ENV_UNSET', line: 3, column: 8, path: 'tpl', message: 'environment variable ALSO_NOPE is not set' }),
      expect.objectContaining({ code: 'ENV_UNSET', line: 5, column: 5, path: 'list[0]', message: 'environment variable UNDEFINED_ON_PURPOSE is not set' }),
    ]);
    expect(result.issues[0]?.hint).toContain('${env:NOPE:-value}');
  });

  it.each<[string, RegExp]>([
    ['${host:x}', /unknown placeholder "\$\{host:x\}"/],
    ['${port:}', /needs a name/],
    ['${port:9x}', /needs a name/],
    ['${}', /unknown placeholder/],
    ['${env:A', /unclosed placeholder/],
  ])('reports the malformed placeholder %s at its position, in any field', (placeholder, message) => {
    for (const key of ['description', 'tpl']) {
      const result = prepare(['name: demo', `${key}: "go \${env:RELEASE} ${placeholder}"`]);
      expect(result.issues).toHaveLength(1);
      // The column of the opening quote, then `"go ${env:RELEASE} ` (19 characters).
      expect(result.issues[0]).toMatchObject({ code: 'BAD_PLACEHOLDER', file: 'demo.yaml', line: 2, column: key.length + 3 + 19, path: key });
      expect(result.issues[0]?.message).toMatch(message);
      // A string with a malformed placeholder is left as written, env included.
      expect((result.value as Record<string, string>)[key]).toBe(`go \${env:RELEASE} ${placeholder}`);
    }
  });

  it('reports port, proxy and tmp placeholders outside template fields', () => {
    const result = prepare(['name: demo', 'description: x ${port:agent}', 'nested:', '  - { at: "${proxy:up} and ${tmp:dir}" }']);
    expect(result.uses).toEqual([]);
    expect(result.issues).toEqual([
      expect.objectContaining({ code: 'PLACEHOLDER_NOT_ALLOWED', line: 2, column: 16, path: 'description', message: '${port:agent} cannot be used in description' }),
      expect.objectContaining({ code: 'PLACEHOLDER_NOT_ALLOWED', line: 4, column: 12, path: 'nested[0].at', message: '${proxy:up} cannot be used in nested[0].at' }),
      expect.objectContaining({ code: 'PLACEHOLDER_NOT_ALLOWED', line: 4, column: 28, path: 'nested[0].at', message: '${tmp:dir} cannot be used in nested[0].at' }),
    ]);
  });

  it('works on the bundled suite\'s shape with the real template paths', () => {
    const result = prepare(
      [
        'services:',
        '  upstream:',
        '    env: { UPSTREAM_PORT: "${port:upstream}" }',
        'target:',
        '  cwd: ${env:NOPE:-..}',
        '  env:',
        '    UPSTREAM_URL: http://${proxy:upstream}',
        '    AGENT_BUG: ${env:AGENT_BUG:-}',
        '    AGENT_HEALTH_INTERVAL_MS: 250',
        'slos:',
        '  availability: { description: "uses ${port:agent}" }',
      ],
      SUITE_TEMPLATE_PATHS,
    );
    expect(result.value).toEqual({
      services: { upstream: { env: { UPSTREAM_PORT: '${port:upstream}' } } },
      target: { cwd: '..', env: { UPSTREAM_URL: 'http://${proxy:upstream}', AGENT_BUG: '', AGENT_HEALTH_INTERVAL_MS: 250 } },
      slos: { availability: { description: 'uses ${port:agent}' } },
    });
    expect(result.uses.map((u) => `${u.kind}:${u.name}`)).toEqual(['port:upstream', 'proxy:upstream']);
    expect(result.issues.map((i) => `${i.code} ${i.path}`)).toEqual(['PLACEHOLDER_NOT_ALLOWED slos.availability.description']);
  });
});

describe('expandTemplate', () => {
  const values = {
    port: (name: string) => ({ agent: 43123, upstream: 41000 })[name],
    proxy: (name: string) => ({ upstream: '127.0.0.1:41001' })[name],
    tmp: (name: string) => ({ state: '/tmp/faultline-x/state' })[name],
  };

  it.each<[string, string]>([
    ['http://127.0.0.1:${port:agent}/health', 'http://127.0.0.1:43123/health'],
    ['http://${proxy:upstream}', 'http://127.0.0.1:41001'],
    ['${tmp:state}/agent.wal', '/tmp/faultline-x/state/agent.wal'],
    ['${port:agent}${port:upstream}', '4312341000'],
    ['no placeholders', 'no placeholders'],
    ['', ''],
    ['literal $${port:agent} and $${', 'literal ${port:agent} and ${'],
    ['lone $ and $5', 'lone $ and $5'],
    ['${env:GONE:-fallback}', 'fallback'],
  ])('%j → %j', (template, expected) => {
    expect(expandTemplate(template, values)).toBe(expected);
  });

  it('throws naming every placeholder without a value', () => {
    expect(() => expandTemplate('${port:nope} ${proxy:gone} ${tmp:none} ${port:agent} ${env:UNSET}', values)).toThrow('no value for ${port:nope}, ${proxy:gone}, ${tmp:none}, ${env:UNSET}');
  });

  it('is the runner half of preparePlaceholders: load then expand gives the final text', () => {
    const prepared = prepare(['tpl: "http://127.0.0.1:${port:agent}/v1?release=${env:RELEASE}&raw=$${port:agent}"']);
    expect(expandTemplate((prepared.value as { tpl: string }).tpl, values)).toBe('http://127.0.0.1:43123/v1?release=1.2.3&raw=${port:agent}');
  });
});
