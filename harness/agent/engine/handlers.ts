import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Agent as UndiciAgent, errors as undiciErrors, request } from 'undici';
import { formatTraceparent } from '../trace.js';
import type { ActionContext, ActionHandler } from './engine.js';
import { ActionError } from './errors.js';

/** Largest downstream body the `fetch` handler reads; the rest is an error, not a buffer. */
const MAX_DOWNSTREAM_BODY = 1024 * 1024;

/** `echo`: answers with what it was given. The cheapest action: it measures the agent itself. */
export const echoHandler: ActionHandler = (action) => Promise.resolve({ target: action.target ?? null, payload: action.payload ?? null });

/** Work units a `compute` action may ask for; one unit is ~10k rounds of integer mixing. */
export const MAX_COMPUTE_UNITS = 1_000_000;
const ROUNDS_PER_UNIT = 10_000;
/** The handler yields to the event loop after this much CPU so deadlines and health still run. */
const SLICE_MS = 5;

/**
 * `compute`: CPU-bound work of a given size (`target` = units). It runs on the event loop in
 * slices, like a real agent's in-process work, so heavy use shows up as event-loop delay and
 * an abort takes effect between slices.
 */
export const computeHandler: ActionHandler = async (action, { signal }) => {
  const units = Number(action.target ?? '1');
  if (!Number.isInteger(units) || units < 1 || units > MAX_COMPUTE_UNITS) {
    throw new ActionError('INVALID_ACTION', `compute: target is the number of work units, an integer from 1 to ${MAX_COMPUTE_UNITS}`);
  }
  let state = 0x9e3779b9;
  let done = 0;
  while (done < units) {
    const sliceEnd = performance.now() + SLICE_MS;
    while (done < units && performance.now() < sliceEnd) {
      for (let i = 0; i < ROUNDS_PER_UNIT; i++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
      }
      done++;
    }
    if (done < units) {
      await yieldToLoop();
      signal.throwIfAborted();
    }
  }
  return { units, checksum: (state >>> 0).toString(16) };
};

export interface FetchHandlerOptions {
  upstreamUrl: string | undefined;
  /** The `no-timeout` seeded bug: call the downstream without the action's signal. */
  ignoreSignal: boolean;
}

/**
 * `fetch`: GET `<UPSTREAM_URL><target>` with undici and return the downstream's status and
 * body. The action's signal aborts the request at the deadline; `traceparent` carries the
 * trace to the downstream.
 */
export function createFetchHandler(options: FetchHandlerOptions): { handler: ActionHandler; close: (graceMs: number) => Promise<void> } {
  const dispatcher = new UndiciAgent({ connections: 128, keepAliveTimeout: 10_000, connect: { timeout: 5_000 } });
  const handler: ActionHandler = async (action, context: ActionContext) => {
    if (options.upstreamUrl === undefined) {
      throw new ActionError('NOT_CONFIGURED', 'fetch: UPSTREAM_URL is not set, so the agent has no downstream to call');
    }
    const path = action.target ?? '/';
    if (!path.startsWith('/') || path.startsWith('//')) {
      throw new ActionError('INVALID_ACTION', `fetch: target must be a path on the downstream starting with "/", got "${path}"`);
    }
    const url = `${options.upstreamUrl}${path}`;
    const started = performance.now();
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(url, {
        method: 'GET',
        dispatcher,
        headers: { traceparent: formatTraceparent(context.trace), accept: 'application/json' },
        ...(options.ignoreSignal ? {} : { signal: context.signal }),
      });
    } catch (error) {
      context.signal.throwIfAborted();
      throw new ActionError('DOWNSTREAM_UNAVAILABLE', `fetch: ${url} failed: ${describe(error)}`, { url }, { cause: error });
    }
    const text = await readBody(response.body, url, context.signal);
    const latencyMs = performance.now() - started;
    const body = parseMaybeJson(text, response.headers['content-type']);
    if (response.statusCode >= 500) {
      throw new ActionError('DOWNSTREAM_ERROR', `fetch: ${url} answered ${response.statusCode}`, {
        url,
        downstreamStatus: response.statusCode,
        body,
      });
    }
    return { status: response.statusCode, latencyMs: Math.round(latencyMs * 1000) / 1000, body };
  };
  /** Lets open requests finish for `graceMs`, then destroys whatever is still open. */
  const close = async (graceMs: number): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), graceMs);
    });
    const outcome = await Promise.race([dispatcher.close().then(() => 'closed' as const), late]);
    clearTimeout(timer);
    if (outcome === 'late') await dispatcher.destroy();
  };
  return { handler, close };
}

async function readBody(body: AsyncIterable<Buffer> & { destroy(error?: Error): unknown }, url: string, signal: AbortSignal): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      size += chunk.length;
      if (size > MAX_DOWNSTREAM_BODY) {
        body.destroy();
        throw new ActionError('DOWNSTREAM_ERROR', `fetch: ${url} sent more than ${MAX_DOWNSTREAM_BODY} bytes`, { url });
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof ActionError) throw error;
    signal.throwIfAborted();
    throw new ActionError('DOWNSTREAM_UNAVAILABLE', `fetch: reading ${url} failed: ${describe(error)}`, { url }, { cause: error });
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseMaybeJson(text: string, contentType: string | string[] | undefined): unknown {
  const type = Array.isArray(contentType) ? contentType.join(',') : (contentType ?? '');
  if (!type.includes('json')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function describe(error: unknown): string {
  if (error instanceof undiciErrors.UndiciError) return `${error.code}: ${error.message}`;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return code !== undefined ? `${code}: ${message}` : message;
}
