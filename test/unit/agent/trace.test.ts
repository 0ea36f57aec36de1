import { describe, expect, it } from 'vitest';
import { formatTraceparent, newSpanId, newTraceId, parseTraceparent, traceFromHeader, traceFromId } from '../../../harness/agent/trace.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('parseTraceparent', () => {
  it('parses a valid version 00 header', () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01`)).toEqual({ traceId: TRACE, parentId: SPAN, flags: '01' });
  });

  it.each([
    { name: 'surrounding whitespace', header: `  00-${TRACE}-${SPAN}-00 \t`, flags: '00' },
    { name: 'uppercase hex (lowercased by the parser)', header: `00-${TRACE.toUpperCase()}-${SPAN.toUpperCase()}-0A`, flags: '0a' },
    { name: 'a future version with extra fields', header: `01-${TRACE}-${SPAN}-01-what-the-future-holds`, flags: '01' },
    { name: 'a future version without extra fields', header: `cc-${TRACE}-${SPAN}-03`, flags: '03' },
  ])('accepts $name', ({ header, flags }) => {
    expect(parseTraceparent(header)).toEqual({ traceId: TRACE, parentId: SPAN, flags });
  });

  it.each([
    { name: 'undefined', header: undefined },
    { name: 'empty', header: '' },
    { name: 'garbage', header: 'not-a-traceparent' },
    { name: 'short trace id', header: `00-${TRACE.slice(1)}-${SPAN}-01` },
    { name: 'long trace id', header: `00-${TRACE}0-${SPAN}-01` },
    { name: 'short span id', header: `00-${TRACE}-${SPAN.slice(1)}-01` },
    { name: 'long span id', header: `00-${TRACE}-${SPAN}a-01` },
    { name: 'one-digit version', header: `0-${TRACE}-${SPAN}-01` },
    { name: 'three-digit flags', header: `00-${TRACE}-${SPAN}-011` },
    { name: 'non-hex characters', header: `00-${TRACE.slice(0, 31)}g-${SPAN}-01` },
    { name: 'missing flags', header: `00-${TRACE}-${SPAN}` },
    { name: 'version ff', header: `ff-${TRACE}-${SPAN}-01` },
    { name: 'all-zero trace id', header: `00-${'0'.repeat(32)}-${SPAN}-01` },
    { name: 'all-zero span id', header: `00-${TRACE}-${'0'.repeat(16)}-01` },
    { name: 'version 00 with an extra field', header: `00-${TRACE}-${SPAN}-01-extra` },
    { name: 'version 00 with a trailing dash', header: `00-${TRACE}-${SPAN}-01-` },
    { name: 'a future version with a non-dash suffix', header: `01-${TRACE}-${SPAN}-01x` },
  ])('rejects $name', ({ header }) => {
    expect(parseTraceparent(header)).toBeUndefined();
  });
});

describe('trace ids', () => {
  it('newTraceId and newSpanId are random lowercase hex of the right length', () => {
    const traces = new Set(Array.from({ length: 50 }, () => newTraceId()));
    const spans = new Set(Array.from({ length: 50 }, () => newSpanId()));
    expect(traces.size).toBe(50);
    expect(spans.size).toBe(50);
    for (const id of traces) expect(id).toMatch(/^[0-9a-f]{32}$/);
    for (const id of spans) expect(id).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('traceFromHeader', () => {
  it('continues the caller trace with a new span id', () => {
    const trace = traceFromHeader(`00-${TRACE}-${SPAN}-01`);
    expect(trace.traceId).toBe(TRACE);
    expect(trace.parentId).toBe(SPAN);
    expect(trace.flags).toBe('01');
    expect(trace.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(trace.spanId).not.toBe(SPAN);
    expect(traceFromHeader(`00-${TRACE}-${SPAN}-01`).spanId).not.toBe(trace.spanId);
  });

  it.each([undefined, 'garbage', `ff-${TRACE}-${SPAN}-01`])('starts a new sampled trace for %s', (header) => {
    const trace = traceFromHeader(header);
    expect(trace.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(trace.traceId).not.toBe(TRACE);
    expect(trace.parentId).toBeUndefined();
    expect(trace.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(trace.flags).toBe('01');
  });
});

describe('traceFromId', () => {
  it('keeps a valid trace id', () => {
    const trace = traceFromId(TRACE);
    expect(trace).toMatchObject({ traceId: TRACE, parentId: undefined, flags: '01' });
    expect(trace.spanId).toMatch(/^[0-9a-f]{16}$/);
  });

  it.each([undefined, '', TRACE.toUpperCase(), TRACE.slice(1), '0'.repeat(32)])('replaces %s with a fresh id', (id) => {
    const trace = traceFromId(id);
    expect(trace.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(trace.traceId).not.toBe(id);
    expect(trace.traceId).not.toBe('0'.repeat(32));
  });
});

describe('formatTraceparent', () => {
  it('writes version 00 with the trace id, our span id and the flags', () => {
    expect(formatTraceparent({ traceId: TRACE, parentId: 'ffffffffffffffff', spanId: SPAN, flags: '01' })).toBe(`00-${TRACE}-${SPAN}-01`);
  });

  it('round-trips through parseTraceparent, with our span as the next parent', () => {
    const trace = traceFromHeader(`00-${TRACE}-${SPAN}-00`);
    const header = formatTraceparent(trace);
    expect(header).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/);
    expect(parseTraceparent(header)).toEqual({ traceId: TRACE, parentId: trace.spanId, flags: '00' });
  });
});
