import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request the agent refuses, with the status and the code a client can match on. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: HttpError, traceId: string): void {
  sendJson(
    res,
    error.status,
    { error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) }, traceId },
    error.headers,
  );
}

/**
 * An oversize body is read to its end and thrown away (up to this many bytes past the limit)
 * before the 413 goes out, so that clients that only read the answer after sending their
 * whole body still see it. Beyond it the connection is cut.
 */
const DISCARD_CAP = 16 * 1024 * 1024;
/** Deeper JSON is refused: hashing and serialising it would overflow the stack. */
export const MAX_JSON_DEPTH = 64;

/** Reads a JSON request body of at most `limit` bytes and at most MAX_JSON_DEPTH levels. */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = req.headers['content-type'];
  if (type !== undefined && !/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', `expected Content-Type application/json, got "${type}"`);
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit + DISCARD_CAP) {
    throw new HttpError(413, 'BODY_TOO_LARGE', `request body of ${declared} bytes exceeds the ${limit}-byte limit`, { connection: 'close' });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit + DISCARD_CAP) {
      throw new HttpError(413, 'BODY_TOO_LARGE', `request body exceeds the ${limit}-byte limit`, { connection: 'close' });
    }
    if (size <= limit) chunks.push(chunk);
  }
  if (size > limit) throw new HttpError(413, 'BODY_TOO_LARGE', `request body of ${size} bytes exceeds the ${limit}-byte limit`);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'EMPTY_BODY', 'expected a JSON body, got an empty one');
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpError(400, 'BAD_JSON', `request body is not valid JSON: ${(error as Error).message}`);
  }
  if (deeperThan(value, MAX_JSON_DEPTH)) {
    throw new HttpError(400, 'JSON_TOO_DEEP', `request body nests deeper than ${MAX_JSON_DEPTH} levels`);
  }
  return value;
}

/** Iterative, so that the check itself cannot overflow the stack. */
function deeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [node, depth] = item;
    if (node === null || typeof node !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}
