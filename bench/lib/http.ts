import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import type { Outcome } from './closed-loop.js';
import { LOOPBACK } from './processes.js';

/** Per-request limits: generous for a healthy agent, but no request can hang a benchmark. */
const HEADERS_TIMEOUT_MS = 10_000;
const BODY_TIMEOUT_MS = 10_000;

export interface HttpCall {
  method: Dispatcher.HttpMethod;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** Refuses any target that is not the loopback interface: a benchmark must never load a real host. */
export function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (host !== LOOPBACK) throw new Error(`refusing to benchmark ${url}: only ${LOOPBACK} is allowed`);
}

/**
 * A pool with exactly `connections` keep-alive sockets and no pipelining, so N clients in the
 * closed loop map onto N connections, as N independent callers would.
 */
export function createPool(url: string, connections: number): Pool {
  assertLoopback(url);
  return new Pool(url, {
    connections,
    pipelining: 1,
    headersTimeout: HEADERS_TIMEOUT_MS,
    bodyTimeout: BODY_TIMEOUT_MS,
    connect: { timeout: 5_000 },
  });
}

/** One request; the body is read to the end so the socket goes back to the pool clean. */
export async function send(pool: Pool, call: HttpCall): Promise<Outcome> {
  const response = await pool.request({ method: call.method, path: call.path, headers: call.headers, body: call.body });
  await response.body.text();
  return response.statusCode >= 200 && response.statusCode < 300 ? 'ok' : { status: response.statusCode };
}

/** Fails fast, with the agent's own words, when the target cannot serve this call at all. */
export async function preflight(url: string, call: HttpCall): Promise<void> {
  const pool = createPool(url, 1);
  try {
    const response = await pool.request({ method: call.method, path: call.path, headers: call.headers, body: call.body });
    const text = await response.body.text();
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw new Error(`preflight ${call.method} ${call.path} answered ${response.statusCode}: ${text.slice(0, 300)}`);
    }
  } finally {
    await pool.close();
  }
}

/**
 * Reads the sum of one Prometheus series family (all label sets) from GET /metrics, or
 * undefined when the agent does not expose it.
 */
export async function scrapeSum(url: string, name: string): Promise<number | undefined> {
  const pool = createPool(url, 1);
  try {
    const response = await pool.request({ method: 'GET', path: '/metrics' });
    const text = await response.body.text();
    if (response.statusCode !== 200) return undefined;
    let sum: number | undefined;
    for (const line of text.split('\n')) {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? ([^ ]+)/.exec(line);
      if (match?.[1] === name && match[3] !== undefined) sum = (sum ?? 0) + Number(match[3]);
    }
    return sum;
  } finally {
    await pool.close();
  }
}
