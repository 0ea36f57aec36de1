import type { FailureKind } from './load-second.js';

/**
 * How a failed load request counts (LoadErrors), from undici's error and whether the request
 * had been handed to a connected socket (`started`: undici's onRequestStart, just before the
 * write). Each class below was checked against a real misbehaving server in
 * test/integration/observe/load.test.ts:
 *
 * - no connection: ECONNREFUSED from net.connect (a closed port), EHOSTUNREACH / ENETUNREACH /
 *   EADDRNOTAVAIL, DNS failures, and undici's ConnectTimeoutError (UND_ERR_CONNECT_TIMEOUT).
 * - written, then the connection ended before a complete answer: undici's SocketError
 *   (UND_ERR_SOCKET, "other side closed" on a FIN, also a body cut short), or the raw
 *   ECONNRESET / EPIPE of a reset.
 * - a reset before the request was ever written is a connection that did not work: `refused`.
 * - our own abort at the load timeout is classified by the caller, never here; undici's own
 *   headers/body timeouts (set above the load timeout, a backstop) still count as `timeout`.
 * - anything else (a malformed answer: HPE_* parser errors, a content-length mismatch) is
 *   `other`, with its code kept for the report.
 */
const NO_CONNECTION = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const CONNECTION_LOST = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'ECONNABORTED']);
const TIMED_OUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** The error's `code` (undici's UND_ERR_*, HPE_*, or a system errno name), else its name. */
export function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string' && name !== '') return name;
  }
  return 'unknown';
}

export function classifyFailure(code: string, started: boolean): FailureKind {
  if (NO_CONNECTION.has(code)) return 'refused';
  if (TIMED_OUT.has(code)) return 'timeout';
  if (CONNECTION_LOST.has(code)) return started ? 'unanswered' : 'refused';
  return 'other';
}
