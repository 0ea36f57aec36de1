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
 * Reads a JSON request body of at most `limit` bytes. Oversize bodies are refused from the
 * Content-Length header when there is one, else as soon as the limit is crossed, and the
 * connection is closed so the rest of the body is never buffered.
 */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = req.headers['content-type'];
  if (type !== undefined && !/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', `expected Content-Type application/json, got "${type}"`);
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    throw new HttpError(413, 'BODY_TOO_LARGE', `request body of ${declared} bytes exceeds the ${limit}-byte limit`, {
      connection: 'close',
    });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      throw new HttpError(413, 'BODY_TOO_LARGE', `request body exceeds the ${limit}-byte limit`, { connection: 'close' });
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'EMPTY_BODY', 'expected a JSON body, got an empty one');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpError(400, 'BAD_JSON', `request body is not valid JSON: ${(error as Error).message}`);
  }
}
