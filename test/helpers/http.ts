import { request } from 'undici';

export interface JsonResponse<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
  text: string;
}

/** One HTTP call with a JSON body in and a (JSON when possible) body out. */
export async function call<T = any>(
  url: string,
  options: { method?: string; body?: unknown; raw?: string | Buffer; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<JsonResponse<T>> {
  const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const response = await request(url, {
    method: (options.method ?? (payload === undefined ? 'GET' : 'POST')) as 'GET',
    headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
    body: payload,
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  });
  const text = await response.body.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.statusCode, headers: response.headers, body: body as T, text };
}
