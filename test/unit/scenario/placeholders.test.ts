import { describe, expect, it } from 'vitest';
import { expandPlaceholders, scanPlaceholders } from '../../../src/scenario/placeholders.js';

describe('placeholders', () => {
  it('finds port, proxy and env placeholders with their offsets', () => {
    const { placeholders, problems } = scanPlaceholders('http://127.0.0.1:${port:agent}/x?u=${proxy:upstream}&r=${env:RELEASE:-dev}');
    expect(problems).toEqual([]);
    expect(placeholders).toEqual([
      { kind: 'port', name: 'agent', offset: 17, length: 13 },
      { kind: 'proxy', name: 'upstream', offset: 35, length: 17 },
      { kind: 'env', name: 'RELEASE', fallback: 'dev', offset: 55, length: 19 },
    ]);
  });

  it.each([
    ['${host:agent}', /unknown placeholder "\$\{host:agent\}"/],
    ['${port:}', /needs a name/],
    ['${port:9bad}', /needs a name/],
    ['${env:A', /unclosed placeholder/],
    ['${}', /unknown placeholder/],
  ])('reports %j', (text, message) => {
    const { problems } = scanPlaceholders(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toMatch(message);
    expect(problems[0]?.offset).toBe(0);
  });

  it('treats $${ as a literal ${ and leaves lone $ alone', () => {
    expect(scanPlaceholders('cost $5, literal $${port:x}')).toEqual({ placeholders: [], problems: [] });
    expect(expandPlaceholders('cost $5, literal $${port:x}', () => 'never').text).toBe('cost $5, literal ${port:x}');
  });

  it('expands with the resolver, falls back to env defaults, and reports what has no value', () => {
    const values: Record<string, string> = { 'port:agent': '43123', 'proxy:upstream': '127.0.0.1:41000' };
    const result = expandPlaceholders('${proxy:upstream} ${port:agent} ${env:MISSING:-fallback} ${env:NOPE}', (p) => values[`${p.kind}:${p.name}`]);
    expect(result.text).toBe('127.0.0.1:41000 43123 fallback ${env:NOPE}');
    expect(result.missing.map((p) => p.name)).toEqual(['NOPE']);
  });

  it('lets an env fallback be empty', () => {
    expect(expandPlaceholders('[${env:X:-}]', () => undefined).text).toBe('[]');
  });
});
