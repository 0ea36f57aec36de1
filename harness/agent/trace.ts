import { randomBytes } from 'node:crypto';

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): the agent accepts a
 * `traceparent` header, keeps its trace id for logs and the bus, and sends a child
 * `traceparent` (same trace id, new span id) to the downstream service.
 */
export interface TraceContext {
  traceId: string;
  /** The span id of the caller, when one came in. */
  parentId: string | undefined;
  /** The span id this agent uses for its own work. */
  spanId: string;
  flags: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** Parses a traceparent header; returns undefined for anything the spec says to ignore. */
export function parseTraceparent(header: string | undefined): Omit<TraceContext, 'spanId'> | undefined {
  if (header === undefined) return undefined;
  const match = TRACEPARENT.exec(header.trim().toLowerCase());
  if (match === null) return undefined;
  const [, version, traceId, parentId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  // Version ff is invalid; version 00 has no trailing fields; all-zero ids are invalid.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || parentId === ZERO_SPAN) return undefined;
  return { traceId, parentId, flags };
}

export function newSpanId(): string {
  return randomBytes(8).toString('hex');
}

export function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

/** The context for one incoming request: continue the caller's trace or start one. */
export function traceFromHeader(header: string | undefined): TraceContext {
  const parent = parseTraceparent(header);
  if (parent !== undefined) return { ...parent, spanId: newSpanId() };
  return { traceId: newTraceId(), parentId: undefined, spanId: newSpanId(), flags: '01' };
}

/** A trace context for work that arrived with only a trace id (e.g. a bus message). */
export function traceFromId(traceId: string | undefined): TraceContext {
  const valid = traceId !== undefined && /^[0-9a-f]{32}$/.test(traceId) && traceId !== ZERO_TRACE;
  return { traceId: valid ? traceId : newTraceId(), parentId: undefined, spanId: newSpanId(), flags: '01' };
}

/** The header value for a call this agent makes on behalf of `trace`. */
export function formatTraceparent(trace: TraceContext): string {
  return `00-${trace.traceId}-${trace.spanId}-${trace.flags}`;
}
