import { describe, expect, it } from 'vitest';
import { reachableAddress } from '../../../src/faults/toxiproxy-control.js';

/**
 * Where the runner dials a proxy that Toxiproxy reports listening on `listen`: a proxy on every
 * interface of a Toxiproxy in a container is reached at the API URL's host (the stack publishes
 * the port there); any other address is dialled as it is.
 */
describe('reachableAddress', () => {
  it.each([
    // [listen as Toxiproxy reports it, API URL, address the runner dials]
    ['[::]:8666', 'http://127.0.0.1:8474', '127.0.0.1:8666'],
    ['0.0.0.0:8666', 'http://127.0.0.1:8474', '127.0.0.1:8666'],
    [':8666', 'http://localhost:8474', 'localhost:8666'],
    ['[::]:8666', 'http://[::1]:8474', '[::1]:8666'],
    ['0.0.0.0:8666', 'http://toxiproxy.internal:8474/', 'toxiproxy.internal:8666'],
    // Already an address to dial: unchanged.
    ['127.0.0.1:41234', 'http://127.0.0.1:8474', '127.0.0.1:41234'],
    ['[::1]:41234', 'http://127.0.0.1:8474', '[::1]:41234'],
    ['10.0.0.7:8666', 'http://127.0.0.1:8474', '10.0.0.7:8666'],
    // Not host:port, or an API URL that does not parse: left as it is.
    ['nonsense', 'http://127.0.0.1:8474', 'nonsense'],
    ['0.0.0.0:8666', 'not a url', '0.0.0.0:8666'],
  ])('%s via %s → %s', (listen, url, expected) => {
    expect(reachableAddress(listen, url)).toBe(expected);
  });
});
