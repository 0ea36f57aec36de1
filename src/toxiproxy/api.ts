import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './api-error.js';
import type { ProxyCollection } from './collection.js';
import { GoObject, parseFirstValue } from './lenient-json.js';
import type { ToxiproxyMetrics } from './metrics.js';
import { toxicJson } from './toxic-set.js';

export interface ApiContext {
  proxies: ProxyCollection;
  metrics: ToxiproxyMetrics;
  version: string;
}

type Handler = (ctx: ApiContext, req: IncomingMessage, params: string[]) => Reply | Promise<Reply>;
interface Reply {
  status: number;
  body?: unknown;
  /** Exact text for the body (e.g. /version's `{"version": "x"}`). */
  text?: string;
  contentType?: string;
}

const json = (status: number, body: unknown): Reply => ({ status, body });
const noContent: Reply = { status: 204 };

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 10 * 1024 * 1024) throw new ApiError(413, 'request body too large');
    chunks.push(chunk);
  }
  return parseFirstValue(Buffer.concat(chunks).toString('utf8'));
}

const body = async (req: IncomingMessage, what: string): Promise<GoObject> => GoObject.from(await readBody(req), what);

/** Toxiproxy 2.x's routes: [method(s), path pattern, handler]. */
const ROUTES: [string[], RegExp, Handler][] = [
  [['GET'], /^\/proxies$/, ({ proxies }) => json(200, Object.fromEntries(proxies.all().map((p) => [p.name, p.toJSON()])))],
  [['POST'], /^\/proxies$/, async ({ proxies }, req) => json(201, (await proxies.create(await body(req, 'proxy.Proxy'))).toJSON())],
  [
    ['POST'],
    /^\/populate$/,
    async ({ proxies }, req) => {
      const result = await proxies.populate(await readBody(req));
      const list = result.proxies.map((p) => p.toJSON());
      // Toxiproxy sends `"proxies": null` for an empty result, which crashes the npm client; send [].
      if (result.error !== undefined) return json(result.error.status, { error: result.error.message, status: result.error.status, proxies: list });
      return json(201, { proxies: list });
    },
  ],
  [['GET'], /^\/proxies\/([^/]+)$/, ({ proxies }, _req, [name]) => json(200, proxies.get(name as string).toJSON())],
  [
    ['POST', 'PATCH'],
    /^\/proxies\/([^/]+)$/,
    async ({ proxies }, req, [name]) => {
      proxies.get(name as string); // 404 before the body is read, as Toxiproxy checks
      return json(200, (await proxies.update(name as string, await body(req, 'proxy.Proxy'))).toJSON());
    },
  ],
  [
    ['DELETE'],
    /^\/proxies\/([^/]+)$/,
    async ({ proxies }, _req, [name]) => {
      await proxies.remove(name as string);
      return noContent;
    },
  ],
  [['GET'], /^\/proxies\/([^/]+)\/toxics$/, ({ proxies }, _req, [name]) => json(200, proxies.get(name as string).toxics.list().map(toxicJson))],
  [
    ['POST'],
    /^\/proxies\/([^/]+)\/toxics$/,
    async ({ proxies }, req, [name]) => {
      const proxy = proxies.get(name as string);
      return json(200, toxicJson(proxy.toxics.add(await body(req, 'toxics.ToxicWrapper'))));
    },
  ],
  [
    ['GET'],
    /^\/proxies\/([^/]+)\/toxics\/([^/]+)$/,
    ({ proxies }, _req, [name, toxic]) => json(200, toxicJson(proxies.get(name as string).toxics.get(toxic as string))),
  ],
  [
    ['POST', 'PATCH'],
    /^\/proxies\/([^/]+)\/toxics\/([^/]+)$/,
    async ({ proxies }, req, [name, toxic]) => {
      const toxics = proxies.get(name as string).toxics;
      toxics.get(toxic as string);
      return json(200, toxicJson(toxics.update(toxic as string, await body(req, 'toxics.ToxicWrapper'))));
    },
  ],
  [
    ['DELETE'],
    /^\/proxies\/([^/]+)\/toxics\/([^/]+)$/,
    ({ proxies }, _req, [name, toxic]) => {
      proxies.get(name as string).toxics.remove(toxic as string);
      return noContent;
    },
  ],
  [
    ['POST'],
    /^\/reset$/,
    async ({ proxies }) => {
      await proxies.reset();
      return noContent;
    },
  ],
  [['GET'], /^\/version$/, ({ version }) => ({ status: 200, text: `${JSON.stringify({ version }).replace('":', '": ')}\n`, contentType: 'application/json;charset=utf-8' })],
  [
    ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'],
    /^\/metrics$/,
    async ({ metrics }) => ({ status: 200, text: await metrics.registry.metrics(), contentType: metrics.registry.contentType }),
  ],
];

/** Handles one API request: middleware (browser block, request id), routing, errors. */
export async function handleApi(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let path: string;
  try {
    path = decodeURIComponent(new URL(req.url ?? '/', 'http://toxiproxy').pathname);
  } catch {
    path = req.url ?? '/';
  }
  const matches = ROUTES.filter(([, pattern]) => pattern.test(path));
  if (matches.length === 0) return send(res, { status: 404, text: '404 page not found\n', contentType: 'text/plain; charset=utf-8' });
  const route = matches.find(([methods]) => methods.includes(req.method ?? 'GET'));
  if (route === undefined) return send(res, { status: 405, text: '' });

  // Middleware of matched routes only, as with gorilla/mux.
  res.setHeader('X-Toxiproxy-Request-Id', randomBytes(10).toString('hex'));
  if ((req.headers['user-agent'] ?? '').startsWith('Mozilla/')) {
    return send(res, { status: 403, text: 'User agent not allowed\n', contentType: 'text/plain; charset=utf-8' });
  }
  const [, pattern, handler] = route;
  const params = (pattern.exec(path) ?? []).slice(1);
  try {
    send(res, await handler(ctx, req, params));
  } catch (error) {
    const apiError = error instanceof ApiError ? error : new ApiError(500, error instanceof Error ? error.message : String(error));
    send(res, json(apiError.status, { error: apiError.message, status: apiError.status }));
  }
}

function send(res: ServerResponse, reply: Reply): void {
  if (reply.status === 204) {
    res.writeHead(204).end();
    return;
  }
  const text = reply.text ?? `${JSON.stringify(reply.body)}\n`;
  res.writeHead(reply.status, {
    'content-type': reply.contentType ?? 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
