import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { startEcho, type TcpServer } from './toxiproxy-net.js';
/**
 * Control-plane helpers for the Toxiproxy conformance suite: start the embedded server, raw
 * HTTP calls (for what toxiproxy-node-client cannot reach), and Prometheus text parsing.
 */
import { request } from 'undici';
import { Toxiproxy, type ICreateToxicBody, type Proxy, type Toxic } from 'toxiproxy-node-client';
import { startToxiproxyServer } from '../../src/toxiproxy/index.js';

export interface Started {
  url: string;
  port: number;
  close(): Promise<void>;
  client: Toxiproxy;
  http: Http;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON when the body is JSON, otherwise undefined. */
  json: any;
  text: string;
}

export type Http = (method: string, path: string, body?: unknown, options?: { raw?: string; headers?: Record<string, string> }) => Promise<HttpResult>;

export function httpFor(base: string): Http {
  return async (method, path, body, options = {}) => {
    const payload = options.raw ?? (body === undefined ? undefined : JSON.stringify(body));
    const response = await request(`${base}${path}`, {
      method: method as 'GET',
      headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
      body: payload,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.body.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.statusCode, headers: response.headers, json, text };
  };
}

export async function startServer(seed = 42): Promise<Started> {
  const server = await startToxiproxyServer({ host: '127.0.0.1', port: 0, seed });
  return { url: server.url, port: server.port, close: () => server.close(), client: new Toxiproxy(server.url), http: httpFor(server.url) };
}

/** Deletes every proxy on the server (raw HTTP, so that it also works when the client misbehaves). */
export async function removeAllProxies(http: Http): Promise<void> {
  const list = await http('GET', '/proxies');
  for (const name of Object.keys(list.json ?? {})) {
    const res = await http('DELETE', `/proxies/${encodeURIComponent(name)}`);
    if (res.status !== 204) throw new Error(`DELETE /proxies/${name} gave ${res.status}: ${res.text}`);
  }
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text exposition into samples (comments skipped). */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0 || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1] as string] = pair[2] as string;
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of one counter sample whose labels include all of `labels`, or undefined. */
export function metricValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  const hit = parseMetrics(text).find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return hit?.value;
}

export interface ToxicSpec {
  type: string;
  name?: string;
  stream?: string;
  toxicity?: number;
  attributes?: Record<string, number>;
}

/** Adds a toxic through the npm client (its types demand every field and lack `noop`). */
export function addToxic(proxy: Proxy, spec: ToxicSpec): Promise<Toxic<Record<string, number>>> {
  return proxy.addToxic(spec as unknown as ICreateToxicBody<Record<string, number>>);
}

/** Updates a toxic through the npm client (POST with the body as given). */
export function updateToxic(toxic: Toxic<Record<string, number>>, body: { attributes?: Record<string, number>; toxicity?: number }): Promise<Toxic<Record<string, number>>> {
  return toxic.update(body as unknown as ICreateToxicBody<Record<string, number>>);
}

/** Creates a proxy on 127.0.0.1:0 through the npm client; returns it with its resolved port. */
export async function proxyTo(started: Started, name: string, upstream: string): Promise<{ proxy: Proxy; port: number }> {
  const proxy = await started.client.createProxy({ name, listen: '127.0.0.1:0', upstream });
  return { proxy, port: Number(proxy.listen.slice(proxy.listen.lastIndexOf(':') + 1)) };
}

/**
 * The common data-plane fixture: one server and one echo server for the whole file; after
 * each test every proxy is deleted and the extra servers a test pushed are closed. `bind`
 * receives the live objects once they exist.
 */
export function useEchoFixture(bind: (server: Started, echo: TcpServer) => void): TcpServer[] {
  const extra: TcpServer[] = [];
  let server: Started | undefined;
  let echo: TcpServer | undefined;
  beforeAll(async () => {
    server = await startServer();
    echo = await startEcho();
    bind(server, echo);
  });
  afterEach(async () => {
    if (server !== undefined) await removeAllProxies(server.http);
    for (const s of extra.splice(0)) await s.close();
  });
  afterAll(async () => {
    await server?.close();
    await echo?.close();
  });
  return extra;
}

/** An error response: exact `{error, status}` body, JSON whatever the content type says. */
export const expectError = (res: HttpResult, status: number, error: string | RegExp): void => {
  expect(res.status, res.text).toBe(status);
  const body = JSON.parse(res.text);
  expect(Object.keys(body).sort()).toEqual(['error', 'status']);
  if (typeof error === 'string') expect(body.error).toBe(error);
  else expect(body.error).toMatch(error);
  expect(body.status).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^(text\/plain|application\/json)/);
};
