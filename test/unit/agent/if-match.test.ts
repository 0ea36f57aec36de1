import { describe, expect, it } from 'vitest';
import { HttpError } from '../../../harness/agent/http/io.js';
import { parseIfMatch } from '../../../harness/agent/http/routes.js';

const HASH = 'a'.repeat(32) + '0123456789abcdef0123456789abcdef';

describe('parseIfMatch', () => {
  it.each([
    { header: undefined, expected: undefined },
    { header: `"${HASH}"`, expected: HASH },
    { header: HASH, expected: HASH },
    { header: `  "${HASH}"  `, expected: HASH },
    { header: '*', expected: '*' },
    { header: ' * ', expected: '*' },
  ])('reads $header as $expected', ({ header, expected }) => {
    expect(parseIfMatch(header)).toBe(expected);
  });

  it.each([
    { name: 'a weak ETag', header: `W/"${HASH}"`, message: /weak ETags/ },
    { name: 'a weak bare hash', header: `W/${HASH}`, message: /weak ETags/ },
    { name: 'garbage', header: 'hello', message: /If-Match must be one ETag/ },
    { name: 'an empty value', header: '', message: /If-Match must be one ETag/ },
    { name: 'a short hash', header: `"${HASH.slice(1)}"`, message: /If-Match must be one ETag/ },
    { name: 'a long hash', header: `"${HASH}0"`, message: /If-Match must be one ETag/ },
    { name: 'uppercase hex', header: `"${HASH.toUpperCase()}"`, message: /If-Match must be one ETag/ },
    { name: 'two ETags', header: `"${HASH}", "${HASH}"`, message: /If-Match must be one ETag/ },
    { name: 'a star inside quotes', header: '"*"', message: /If-Match must be one ETag/ },
    { name: 'an opening quote only', header: `"${HASH}`, message: /If-Match must be one ETag/ },
    { name: 'a closing quote only', header: `${HASH}"`, message: /If-Match must be one ETag/ },
  ])('refuses $name with 400 BAD_IF_MATCH', ({ header, message }) => {
    let caught: unknown;
    try {
      parseIfMatch(header);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(HttpError);
    expect(caught).toMatchObject({ status: 400, code: 'BAD_IF_MATCH' });
    expect((caught as Error).message).toMatch(message);
  });

  it('quotes at most 100 characters of a bad value in the message', () => {
    let caught: unknown;
    try {
      parseIfMatch('x'.repeat(500));
    } catch (error) {
      caught = error;
    }
    expect((caught as Error).message).toContain(JSON.stringify('x'.repeat(100)));
    expect((caught as Error).message).not.toContain('x'.repeat(101));
  });
});
