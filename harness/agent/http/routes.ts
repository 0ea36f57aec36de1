import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ContextBus } from '../bus/context-bus.js';
import type { BehaviorEngine } from '../engine/engine.js';
import { ActionError } from '../engine/errors.js';
import type { HealthMonitor } from '../health/monitor.js';
import type { AgentMetrics } from '../metrics.js';
import { CasConflictError, type Snapshot, type StateCoordinator } from '../state/coordinator.js';
import { WalFailedError } from '../state/wal.js';
import type { TraceContext } from '../trace.js';
import { HttpError, readJsonBody, sendJson } from './io.js';

export interface RouteDeps {
  engine: BehaviorEngine;
  state: StateCoordinator;
  bus: ContextBus;
  health: HealthMonitor;
  metrics: AgentMetrics;
  maxBodyBytes: number;
  /** Called for every action request (the `leak` seeded bug hooks in here). */
  onActionRequest: (trace: TraceContext) => void;
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  trace: TraceContext;
  params: Record<string, string>;
}

type Handler = (ctx: RequestContext, deps: RouteDeps) => Promise<void>;

export interface Route {
  method: string;
  /** Template used as the `route` metric label, e.g. /v1/state/:id. */
  template: string;
  pattern: RegExp;
  /** Whether the route is work the agent refuses while stopping (health and metrics stay up). */
  work: boolean;
  handle: Handler;
}

const STATE_ID = '([A-Za-z0-9._~-]{1,128})';

export const ROUTES: readonly Route[] = [
  { method: 'POST', template: '/v1/actions', pattern: /^\/v1\/actions$/, work: true, handle: postAction },
  { method: 'GET', template: '/v1/state/:id', pattern: new RegExp(`^/v1/state/${STATE_ID}$`), work: true, handle: getState },
  { method: 'PUT', template: '/v1/state/:id', pattern: new RegExp(`^/v1/state/${STATE_ID}$`), work: true, handle: putState },
  { method: 'POST', template: '/v1/bus', pattern: /^\/v1\/bus$/, work: true, handle: postBus },
  { method: 'GET', template: '/v1/bus', pattern: /^\/v1\/bus$/, work: false, handle: getBus },
  { method: 'GET', template: '/health', pattern: /^\/health$/, work: false, handle: getHealth },
  { method: 'GET', template: '/metrics', pattern: /^\/metrics$/, work: false, handle: getMetrics },
];

async function postAction({ req, res, trace }: RequestContext, deps: RouteDeps): Promise<void> {
  deps.onActionRequest(trace);
  const action = deps.engine.validate(await readJsonBody(req, deps.maxBodyBytes));
  const outcome = await deps.engine.submit(action, trace);
  sendJson(res, 200, {
    type: outcome.type,
    status: 'ok',
    traceId: trace.traceId,
    durationMs: round(outcome.durationMs),
    queuedMs: round(outcome.queuedMs),
    result: outcome.result,
  });
}

function snapshotBody(snapshot: Snapshot): Snapshot {
  return { id: snapshot.id, version: snapshot.version, hash: snapshot.hash, data: snapshot.data, at: snapshot.at };
}

function getState({ res, params }: RequestContext, deps: RouteDeps): Promise<void> {
  const snapshot = deps.state.get(params.id ?? '');
  if (snapshot === undefined) throw new HttpError(404, 'STATE_NOT_FOUND', `no state with id "${params.id}"`);
  sendJson(res, 200, snapshotBody(snapshot), { etag: `"${snapshot.hash}"` });
  return Promise.resolve();
}

async function putState({ req, res, params }: RequestContext, deps: RouteDeps): Promise<void> {
  const id = params.id ?? '';
  const expected = parseIfMatch(req.headers['if-match']);
  const data = await readJsonBody(req, deps.maxBodyBytes);
  try {
    const snapshot = await deps.state.compareAndSwap(id, expected, data);
    sendJson(res, snapshot.version === 1 ? 201 : 200, snapshotBody(snapshot), { etag: `"${snapshot.hash}"` });
  } catch (error) {
    if (!(error instanceof CasConflictError)) throw error;
    const current = error.current;
    throw new HttpError(
      412,
      'CAS_CONFLICT',
      error.message,
      current === undefined ? {} : { etag: `"${current.hash}"` },
      { expected: error.expected, current: current === undefined ? null : { version: current.version, hash: current.hash } },
    );
  }
}

/**
 * If-Match carries the hash the client last read: `"<64 hex>"` (an ETag), the bare hash, or
 * `*` (any existing version). Absent means an unconditional write.
 */
export function parseIfMatch(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === '*') return '*';
  if (value.startsWith('W/')) {
    throw new HttpError(400, 'BAD_IF_MATCH', 'If-Match: weak ETags cannot be used for compare-and-swap; send the strong ETag from GET');
  }
  const match = /^(?:"([0-9a-f]{64})"|([0-9a-f]{64}))$/.exec(value);
  if (match === null) {
    throw new HttpError(400, 'BAD_IF_MATCH', `If-Match must be one ETag "<sha256 hex>" as returned by GET, or *; got ${JSON.stringify(value.slice(0, 100))}`);
  }
  return match[1] ?? match[2];
}

async function postBus({ req, res, trace }: RequestContext, deps: RouteDeps): Promise<void> {
  const message = deps.bus.validate(await readJsonBody(req, deps.maxBodyBytes), trace.traceId);
  const delivery = await deps.bus.publish(message);
  sendJson(res, delivery.delivered ? 200 : 202, { traceId: message.traceId, ...delivery });
}

function getBus({ res }: RequestContext, deps: RouteDeps): Promise<void> {
  sendJson(res, 200, deps.bus.stats());
  return Promise.resolve();
}

function getHealth({ res }: RequestContext, deps: RouteDeps): Promise<void> {
  const report = deps.health.report();
  sendJson(res, report.status === 'UP' ? 200 : 503, report);
  return Promise.resolve();
}

async function getMetrics({ res }: RequestContext, deps: RouteDeps): Promise<void> {
  const text = await deps.metrics.registry.metrics();
  res.writeHead(200, { 'content-type': deps.metrics.registry.contentType, 'cache-control': 'no-store' });
  res.end(text);
}

/** Maps the errors routes throw to HTTP; anything unexpected is a 500 that never crashes the agent. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof WalFailedError) {
    return new HttpError(503, 'STATE_UNAVAILABLE', `state cannot be written: ${error.message}`);
  }
  if (error instanceof ActionError) {
    const headers: Record<string, string> = error.status === 503 ? { 'retry-after': '1' } : {};
    return new HttpError(error.status, error.code, error.message, headers, error.details);
  }
  return new HttpError(500, 'INTERNAL', `internal error: ${error instanceof Error ? error.message : String(error)}`);
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
