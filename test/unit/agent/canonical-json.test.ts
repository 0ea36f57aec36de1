import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, hashOf } from '../../../harness/agent/state/canonical-json.js';

describe('canonicalJson', () => {
  it.each([
    { value: null, json: 'null' },
    { value: true, json: 'true' },
    { value: false, json: 'false' },
    { value: 0, json: '0' },
    { value: -0, json: '0' },
    { value: 1.5, json: '1.5' },
    { value: 1e21, json: '1e+21' },
    { value: 'a"b\\c\n', json: '"a\\"b\\\\c\\n"' },
    { value: '', json: '""' },
    { value: [], json: '[]' },
    { value: {}, json: '{}' },
    { value: { b: 1, a: 2 }, json: '{"a":2,"b":1}' },
    { value: [3, 1, 2], json: '[3,1,2]' },
    { value: { z: [{ y: 1, x: [true, null] }], a: { d: 'd', c: {} } }, json: '{"a":{"c":{},"d":"d"},"z":[{"x":[true,null],"y":1}]}' },
    { value: { a: undefined, b: 1 }, json: '{"b":1}' },
    { value: { a: undefined }, json: '{}' },
  ])('writes $json', ({ value, json }) => {
    expect(canonicalJson(value)).toBe(json);
  });

  it('sorts keys by UTF-16 code unit, not by locale', () => {
    // 'B' (0x42) < '_' (0x5f) < 'a' (0x61) < 'é' (0xe9) < '😀' (0xd83d...) ; '10' < '2' as strings
    expect(canonicalJson({ a: 1, é: 2, '😀': 3, _: 4, B: 5, '2': 6, '10': 7 })).toBe('{"10":7,"2":6,"B":5,"_":4,"a":1,"é":2,"😀":3}');
  });

  it('does not depend on the order keys were written in', () => {
    const one = { id: 'x', nested: { list: [{ p: 1, q: 2 }], flag: true }, n: 3 };
    const two = { n: 3, nested: { flag: true, list: [{ q: 2, p: 1 }] }, id: 'x' };
    expect(canonicalJson(one)).toBe(canonicalJson(two));
    expect(hashOf(one)).toBe(hashOf(two));
  });

  it('keeps array order significant', () => {
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
    expect(hashOf({ a: [1, 2] })).not.toBe(hashOf({ a: [2, 1] }));
  });

  it('parses back to an equal value', () => {
    const value = { b: [1, 'two', { c: null, d: [false] }], a: 'x' };
    expect(JSON.parse(canonicalJson(value))).toEqual(value);
  });

  it('accepts the same object reached twice (shared, not cyclic)', () => {
    const shared = { k: 1 };
    expect(canonicalJson({ a: shared, b: [shared, shared] })).toBe('{"a":{"k":1},"b":[{"k":1},{"k":1}]}');
  });

  const cyclicObject: Record<string, unknown> = { a: 1 };
  cyclicObject.self = cyclicObject;
  const cyclicArray: unknown[] = [1];
  cyclicArray.push({ back: cyclicArray });

  it.each([
    { name: 'NaN', value: NaN, message: /non-finite/ },
    { name: 'Infinity', value: Infinity, message: /non-finite/ },
    { name: '-Infinity nested', value: { a: [-Infinity] }, message: /non-finite/ },
    { name: 'a function', value: { f: () => 1 }, message: /type function/ },
    { name: 'a symbol', value: Symbol('s'), message: /type symbol/ },
    { name: 'a bigint', value: 1n, message: /type bigint/ },
    { name: 'undefined at the top', value: undefined, message: /type undefined/ },
    { name: 'undefined in an array', value: [undefined], message: /type undefined/ },
    { name: 'a cyclic object', value: cyclicObject, message: /cyclic/ },
    { name: 'a cyclic array', value: cyclicArray, message: /cyclic/ },
  ])('throws a TypeError for $name', ({ value, message }) => {
    expect(() => canonicalJson(value)).toThrow(TypeError);
    expect(() => canonicalJson(value)).toThrow(message);
    expect(() => hashOf(value)).toThrow(TypeError);
  });
});

describe('hashOf', () => {
  it('is the sha256 hex of the canonical JSON', () => {
    const value = { b: 2, a: [1, { c: 'x' }] };
    const expected = createHash('sha256').update('{"a":[1,{"c":"x"}],"b":2}').digest('hex');
    expect(hashOf(value)).toBe(expected);
  });

  it('is 64 lowercase hex digits and stable across calls', () => {
    const hash = hashOf({ x: 1 });
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashOf({ x: 1 })).toBe(hash);
    // A fixed value pins the algorithm: sha256('{"x":1}').
    expect(hash).toBe('5041bf1f713df204784353e82f6a4a535931cb64f1f4b4a5aeaffcb720918b22');
  });

  it('differs for different values', () => {
    const hashes = new Set([hashOf(null), hashOf({}), hashOf([]), hashOf(''), hashOf(0), hashOf('0'), hashOf({ x: 1 }), hashOf({ x: '1' })]);
    expect(hashes.size).toBe(8);
  });
});
