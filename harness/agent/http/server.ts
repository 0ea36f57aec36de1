import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { traceFromHeader } from '../trace.js';
import { HttpError, sendError, sendJson } from './io.js';
import { ROUTES, toHttpError, type RouteDeps } from './routes.js';

export interface HttpServerOptions {
  deps: RouteDeps;
  logger: Logger;
  /** True once the agent has begun stopping: work routes answer 503 and connections close. */
  isStopping: () => boolean;
}

export interface AgentHttpServer {
  server: Server;
  /** Requests being handled right now (work routes only). */
  readonly activeWork: number;
  /** Resolves when no work request is in progress. */
  whenIdle(): Promise<void>;
}

/**
 * The agent's HTTP front: routing, the request log line with `trace_id`, RED metrics per route
 * template, and the rule that no request can crash the process.
 */
export function createHttpServer(options: HttpServerOptions): AgentHttpServer {
  const { deps, logger } = options;
  let activeWork = 0;
  let idleWaiters: (() => void)[] = [];

  const server = createServer({ keepAliveTimeout: 5_000, requestTimeout: 60_000 }, (req, res) => {
    const started = performance.now();
    const trace = traceFromHeader(header(req, 'traceparent'));
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const method = req.method ?? 'GET';
    const matches = ROUTES.filter((r) => r.pattern.test(path));
    const route = matches.find((r) => r.method === method);
    const template = route?.template ?? matches[0]?.template ?? 'unmatched';
    const isWork = route?.work === true;
    if (isWork) activeWork++;

    res.setHeader('x-trace-id', trace.traceId);
    let finished = false;
    const done = (): void => {
      if (finished) return;
      finished = true;
      const status = res.writableFinished ? res.statusCode : 499; // 499: the client went away first
      const seconds = (performance.now() - started) / 1000;
      const labels = { method, route: template, status_code: String(status) };
      deps.metrics.httpRequests.inc(labels);
      deps.metrics.httpDuration.observe(labels, seconds);
      logger.info(
        { trace_id: trace.traceId, span_id: trace.spanId, method, route: template, url: req.url, status, duration_ms: Math.round(seconds * 1e6) / 1e3 },
        'request',
      );
      if (isWork && --activeWork === 0) {
        const waiters = idleWaiters;
        idleWaiters = [];
        for (const wake of waiters) wake();
      }
    };
    res.on('finish', done);
    res.on('close', done);

    void handle(req, res, route, matches.length > 0, path, trace).catch((error: unknown) => {
      // Last line of defence: log and answer 500 rather than crash.
      logger.error({ trace_id: trace.traceId, err: error }, 'unhandled error in request');
      if (!res.headersSent) sendError(res, toHttpError(error), trace.traceId);
      else res.destroy();
    });
  });

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    route: (typeof ROUTES)[number] | undefined,
    pathKnown: boolean,
    path: string,
    trace: ReturnType<typeof traceFromHeader>,
  ): Promise<void> {
    try {
      if (route === undefined) {
        if (pathKnown) {
          const allow = ROUTES.filter((r) => r.pattern.test(path)).map((r) => r.method);
          throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}; allowed: ${allow.join(', ')}`, {
            allow: allow.join(', '),
          });
        }
        if (req.method === 'GET' && path === '/') {
          sendJson(res, 200, { name: 'faultline-agent', endpoints: ROUTES.map((r) => `${r.method} ${r.template}`) });
          return;
        }
        throw new HttpError(404, 'NOT_FOUND', `no route for ${req.method} ${path}`);
      }
      if (route.work && options.isStopping()) {
        throw new HttpError(503, 'SHUTTING_DOWN', 'the agent is stopping and accepts no new work', { connection: 'close', 'retry-after': '1' });
      }
      const params: Record<string, string> = {};
      const id = route.pattern.exec(path)?.[1];
      if (id !== undefined) params.id = decodeURIComponent(id);
      await route.handle({ req, res, trace, params }, deps);
    } catch (error) {
      const httpError = toHttpError(error);
      if (httpError.status >= 500 && httpError.code === 'INTERNAL') {
        logger.error({ trace_id: trace.traceId, err: error }, 'request failed');
      }
      sendError(res, httpError, trace.traceId);
    }
  }

  // Malformed HTTP (bad request line, oversize headers): answer 400 and close, never throw.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (socket.writable && error.code !== 'ECONNRESET') {
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    } else {
      socket.destroy();
    }
  });

  return {
    server,
    get activeWork() {
      return activeWork;
    },
    whenIdle() {
      if (activeWork === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
