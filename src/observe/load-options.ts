import type { Clock } from '../clock.js';
import { FaultlineError } from '../errors.js';
import type { LoadSecond } from '../record/types.js';
import { isLoopback } from '../scenario/addresses.js';

export interface LoadRequest {
  method: string;
  /** Already expanded: no placeholders left. */
  url: string;
  headers: Record<string, string>;
  body: string | null;
}

export interface LoadOptions {
  request: LoadRequest;
  /** Constant arrival rate (open model): request i is due at start + i / rate. */
  ratePerSecond: number;
  /** A request with no complete answer this long after it was sent is aborted and counted as a timeout. */
  timeoutMs: number;
  /** Connections, and so the most requests in flight; a request due while all are busy is skipped. */
  connections: number;
  clock: Clock;
  /** Answered requests with latency (from the intended time) at most each threshold are counted per second. Default none. */
  thresholdsMs: number[];
  /** Hard bound on requests scheduled (sent or skipped), a safety net. Default ratePerSecond × 3600. */
  maxRequests?: number;
  /** Aim at a host that is not loopback. Default false. */
  allowRemote?: boolean;
  /** Called once per second, in order, when all its requests have an outcome. Must not throw. */
  onSecond?: (second: LoadSecond) => void;
}

export interface ResolvedLoadOptions {
  method: string;
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | null;
  ratePerSecond: number;
  timeoutMs: number;
  connections: number;
  clock: Clock;
  thresholdsMs: number[];
  maxRequests: number;
  onSecond: ((second: LoadSecond) => void) | undefined;
}

function usage(message: string, hint?: string): FaultlineError {
  return new FaultlineError('FAULTLINE_USAGE', `load: ${message}`, hint === undefined ? {} : { hint });
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw usage(`${name} must be a positive number, got ${value}`);
  return value;
}

function parseUrl(text: string, allowRemote: boolean): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usage(`"${text}" is not a URL`, 'write a full URL like http://127.0.0.1:8080/path');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usage(`"${text}" is not an http(s) URL`);
  if (!allowRemote && !isLoopback(url.hostname)) {
    throw usage(`"${url.hostname}" is not a loopback address`, 'faultline loads 127.0.0.0/8 and ::1 by default; pass allowRemote: true to aim elsewhere');
  }
  return url;
}

/** Checks every option (all problems are usage errors) and fills the defaults. */
export function resolveLoadOptions(options: LoadOptions): ResolvedLoadOptions {
  const url = parseUrl(options.request.url, options.allowRemote === true);
  if (options.request.method.trim() === '') throw usage('request.method is empty');
  const ratePerSecond = positive('ratePerSecond', options.ratePerSecond);
  const timeoutMs = positive('timeoutMs', options.timeoutMs);
  if (!Number.isInteger(options.connections) || options.connections < 1) throw usage(`connections must be a whole number ≥ 1, got ${options.connections}`);
  for (const threshold of options.thresholdsMs) {
    if (!Number.isFinite(threshold) || threshold < 0) throw usage(`thresholdsMs must be numbers ≥ 0, got ${threshold}`);
  }
  const maxRequests = options.maxRequests ?? Math.ceil(ratePerSecond * 3600);
  if (!Number.isInteger(maxRequests) || maxRequests < 0) throw usage(`maxRequests must be a whole number ≥ 0, got ${maxRequests}`);
  return {
    method: options.request.method,
    origin: url.origin,
    path: `${url.pathname}${url.search}`,
    headers: { ...options.request.headers },
    body: options.request.body === null ? null : Buffer.from(options.request.body),
    ratePerSecond,
    timeoutMs,
    connections: options.connections,
    clock: options.clock,
    thresholdsMs: [...new Set(options.thresholdsMs)],
    maxRequests,
    onSecond: options.onSecond,
  };
}
