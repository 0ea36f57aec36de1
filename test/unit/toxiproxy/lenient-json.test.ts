import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/toxiproxy/api-error.js';
import { GoObject, parseFirstValue } from '../../../src/toxiproxy/lenient-json.js';

function badBody(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    return (error as ApiError).message;
  }
  throw new Error('expected a 400');
}

describe('parseFirstValue', () => {
  it.each([
    ['{"a":1}', { a: 1 }],
    ['  {"a":1} trailing garbage', { a: 1 }],
    ['{"a":{"b":"}"}} {"second":true}', { a: { b: '}' } }],
    ['[{"name":"x"}] x', [{ name: 'x' }]],
    ['"s" rest', 's'],
    ['true false', true],
  ])('reads only the first value of %j', (text, value) => {
    expect(parseFirstValue(text)).toEqual(value);
  });

  it('calls an empty body EOF, as Go does', () => {
    expect(badBody(() => parseFirstValue('   '))).toBe('bad request body: EOF');
  });

  it('refuses malformed JSON with a bad request body error', () => {
    expect(badBody(() => parseFirstValue('{"type":'))).toMatch(/^bad request body: /);
  });
});

describe('GoObject', () => {
  const obj = (text: string) => GoObject.from(parseFirstValue(text), 'T');

  it('matches keys exactly first, then case-insensitively, and ignores unknown keys', () => {
    const o = obj('{"Name":"a","STREAM":"up","name":"exact","other":1}');
    expect(o.string('name')).toBe('exact');
    expect(o.string('stream')).toBe('up');
    expect(o.raw('missing')).toBeUndefined();
  });

  it('treats null as absent', () => {
    const o = obj('{"name":null,"toxicity":null,"attributes":null}');
    expect(o.string('name')).toBeUndefined();
    expect(o.number('toxicity', 'float32')).toBeUndefined();
    expect(o.object('attributes', 'A')).toBeUndefined();
  });

  it.each(['1.5', '1e3', '1.0', '-2.5E-1'])('refuses %s for an int64 field', (literal) => {
    expect(badBody(() => obj(`{"n":${literal}}`).number('n', 'int64'))).toBe(
      `bad request body: json: cannot unmarshal number ${literal} into Go struct field T.n of type int64`,
    );
  });

  it('accepts fractions and exponents for a float32 field, rounded to float32', () => {
    expect(obj('{"t":0.2}').number('t', 'float32')).toBe(Math.fround(0.2));
    expect(obj('{"t":5e-1}').number('t', 'float32')).toBe(0.5);
  });

  it.each([
    ['{"n":"5"}', 'number', 'string'],
    ['{"n":true}', 'number', 'bool'],
    ['{"s":5}', 'string', 'number'],
    ['{"b":"yes"}', 'boolean', 'string'],
  ] as const)('refuses a wrong JSON type in %s', (text, reader, got) => {
    const o = obj(text);
    const message = badBody(() => (reader === 'number' ? o.number('n', 'int64') : reader === 'string' ? o.string('s') : o.boolean('b')));
    expect(message).toContain(`cannot unmarshal ${got}`);
  });

  it('refuses a body that is not an object', () => {
    expect(badBody(() => GoObject.from([1], 'proxy.Proxy'))).toBe('bad request body: json: cannot unmarshal array into Go value of type proxy.Proxy');
  });
});
