import { FaultlineError } from '../errors.js';
import type { LoadSecond } from '../record/types.js';
import { LoadGenerator } from './load-generator.js';
import { resolveLoadOptions, type LoadOptions } from './load-options.js';
import type { FailureKind } from './load-second.js';

export type { LoadOptions, LoadRequest } from './load-options.js';
export type { FailureKind } from './load-second.js';

/**
 * faultline's load generator: an open model (request i is due at start + i / rate, whatever
 * the answers do), latency measured from each request's intended time and from its actual
 * send, outcomes classified per second into the Recording's LoadSecond.
 */
export interface LoadRun {
  /** When request 0 was due, run ms; second k of the load starts at startedAt + k × 1000. */
  readonly startedAt: number;
  /**
   * Stops scheduling (requests already due are still sent), waits for the requests in flight
   * (at most timeoutMs, then they count as timeouts), closes every connection and returns every
   * second, in order. Resolves within timeoutMs + ~1.5 s whatever the server does. Idempotent.
   * Rejects only if `onSecond` threw (with that error, after cleaning up).
   */
  stop(): Promise<LoadSecond[]>;
  /** Error codes seen so far per failure kind, e.g. { unanswered: { UND_ERR_SOCKET: 3 } }; for notes in the report. */
  errorCodes(): Partial<Record<FailureKind, Record<string, number>>>;
}

/**
 * Starts an open-model load at once (request 0 is sent before this returns). Throws a
 * FaultlineError (FAULTLINE_USAGE) for bad options or a host that is not loopback without
 * `allowRemote`. The caller must call stop(): until then the connections stay open.
 */
export function startLoad(options: LoadOptions): LoadRun {
  const generator = new LoadGenerator(resolveLoadOptions(options));
  generator.start();
  // Request 0 went to undici synchronously, and undici checks a request (header names and
  // values, forbidden headers such as transfer-encoding or expect) before it opens a socket:
  // a request it refuses is bad input, not 100% errors from the service.
  const refused = generator.invalidRequest;
  if (refused !== undefined) {
    void generator.stop().catch(() => undefined);
    throw new FaultlineError('FAULTLINE_USAGE', `load: the request cannot be sent: ${refused.message}`, {
      hint: 'check the load request\'s method and headers (undici refuses transfer-encoding, keep-alive, upgrade and expect)',
      cause: refused,
    });
  }
  return generator;
}
