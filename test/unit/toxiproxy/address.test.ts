import { describe, expect, it } from 'vitest';
import { isLoopback, joinHostPort, resolveListen, splitHostPort } from '../../../src/toxiproxy/address.js';
import { ApiError } from '../../../src/toxiproxy/api-error.js';

describe('addresses', () => {
  it.each([
    ['127.0.0.1:8474', { host: '127.0.0.1', port: 8474 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
    [':9000', { host: '', port: 9000 }],
    ['[::1]:80', { host: '::1', port: 80 }],
  ])('splits %s', (address, expected) => {
    expect(splitHostPort(address, 'listen')).toEqual(expected);
  });

  it.each(['local373', '127.0.0.1', '[::1', '::1:80', 'host:99999', 'host:abc'])('refuses %s like Go (500)', (address) => {
    let caught: unknown;
    try {
      splitHostPort(address, 'listen');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ApiError);
    expect((caught as ApiError).status).toBe(500);
    expect((caught as ApiError).message).toMatch(new RegExp(`^listen tcp: address ${address.replace(/[[\]]/g, '\\$&')}: `));
  });

  it('joins IPv6 with brackets', () => {
    expect(joinHostPort('::1', 5)).toBe('[::1]:5');
    expect(joinHostPort('127.0.0.1', 5)).toBe('127.0.0.1:5');
  });

  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '10.0.0.1', '::'].some(isLoopback)).toBe(false);
  });

  it('resolves localhost and an empty listen to loopback, and refuses other interfaces unless allowed', async () => {
    expect(await resolveListen('localhost:0', false)).toEqual({ host: '127.0.0.1', port: 0 });
    expect(await resolveListen('', false)).toEqual({ host: '127.0.0.1', port: 0 });
    await expect(resolveListen('0.0.0.0:0', false)).rejects.toMatchObject({ status: 403 });
    expect(await resolveListen('0.0.0.0:0', true)).toEqual({ host: '0.0.0.0', port: 0 });
  });
});
