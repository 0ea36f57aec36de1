import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ApiError } from './api-error.js';

export interface HostPort {
  host: string;
  port: number;
}

/** Splits `host:port` (`[v6]:port` for IPv6) the way Go's net.SplitHostPort does. */
export function splitHostPort(address: string, op: 'listen' | 'dial'): HostPort {
  const fail = (why: string): ApiError => new ApiError(500, `${op} tcp: address ${address}: ${why}`);
  let host: string;
  let portText: string;
  if (address.startsWith('[')) {
    const close = address.indexOf(']');
    if (close === -1) throw fail('missing \']\' in address');
    host = address.slice(1, close);
    if (address[close + 1] !== ':') throw fail('missing port in address');
    portText = address.slice(close + 2);
  } else {
    const colon = address.lastIndexOf(':');
    if (colon === -1) throw fail('missing port in address');
    host = address.slice(0, colon);
    if (host.includes(':')) throw fail('too many colons in address');
    portText = address.slice(colon + 1);
  }
  const port = portText === '' ? 0 : Number(portText);
  if (!/^\d*$/.test(portText) || !Number.isInteger(port) || port < 0 || port > 65_535) throw fail('invalid port');
  return { host, port };
}

export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address === '::ffff:127.0.0.1';
}

/**
 * Resolves a listen address to the IP the proxy will bind. An empty host means every interface
 * in Toxiproxy; here it means loopback unless the server allows other interfaces.
 */
export async function resolveListen(address: string, allowRemote: boolean): Promise<HostPort> {
  // An empty listen address is "any interface, any port" in Go.
  const { host, port } = address === '' ? { host: '', port: 0 } : splitHostPort(address, 'listen');
  let ip: string;
  if (host === '') ip = allowRemote ? '0.0.0.0' : '127.0.0.1';
  else if (isIP(host) !== 0) ip = host;
  else {
    try {
      ip = (await lookup(host, { family: 0, verbatim: false })).address;
    } catch (error) {
      throw new ApiError(500, `listen tcp: lookup ${host}: ${(error as NodeJS.ErrnoException).code ?? 'no such host'}`);
    }
  }
  if (!allowRemote && !isLoopback(ip)) {
    throw new ApiError(
      403,
      `listen address ${address} is not on the loopback interface; start the server with --allow-remote to bind other interfaces`,
    );
  }
  return { host: ip, port };
}
