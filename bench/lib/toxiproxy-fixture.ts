import { fileURLToPath } from 'node:url';
import { Toxiproxy, type ICreateToxicBody, type Proxy, type Toxic } from 'toxiproxy-node-client';
import { startToxiproxyServer, type ToxiproxyServer } from '../../src/toxiproxy/index.js';
import { LOOPBACK, startProgram, type Program } from './processes.js';

/**
 * What the Toxiproxy bench runs against: the embedded server in this process (as faultline's
 * runner embeds it), driven only through toxiproxy-node-client, and three upstreams in child
 * processes, each reachable directly and through its own proxy.
 */

/** Built from bench/lib/toxiproxy-upstream.ts, next to this file in dist/. */
const UPSTREAM_MAIN = fileURLToPath(new URL('./toxiproxy-upstream.js', import.meta.url));

export type UpstreamKind = 'http' | 'echo' | 'source';
const KINDS: readonly UpstreamKind[] = ['http', 'echo', 'source'];

export interface Route {
  /** The upstream's own port: the "direct" path. */
  directPort: number;
  /** The proxy's listen port: the same upstream through the proxy. */
  proxyPort: number;
  proxy: Proxy;
}

export interface Fixture {
  server: ToxiproxyServer;
  client: Toxiproxy;
  routes: Record<UpstreamKind, Route>;
}

function portOf(listen: string): number {
  const port = Number(listen.slice(listen.lastIndexOf(':') + 1));
  if (!Number.isInteger(port) || port <= 0) throw new Error(`proxy listen "${listen}" has no resolved port`);
  return port;
}

async function startUpstreams(started: Program[]): Promise<Record<UpstreamKind, Program>> {
  // One at a time, each pushed as soon as it runs, so the caller can stop whatever started.
  for (const kind of KINDS) {
    started.push(await startProgram(`upstream(${kind})`, UPSTREAM_MAIN, { TOXIBENCH_KIND: kind }));
  }
  const [http, echo, source] = started as [Program, Program, Program];
  return { http, echo, source };
}

async function createRoutes(client: Toxiproxy, upstreams: Record<UpstreamKind, Program>): Promise<Record<UpstreamKind, Route>> {
  const routes: Partial<Record<UpstreamKind, Route>> = {};
  for (const kind of KINDS) {
    const upstream = upstreams[kind];
    const proxy = await client.createProxy({ name: `bench-${kind}`, listen: `${LOOPBACK}:0`, upstream: `${LOOPBACK}:${upstream.port}` });
    routes[kind] = { directPort: upstream.port, proxyPort: portOf(proxy.listen), proxy };
  }
  return routes as Record<UpstreamKind, Route>;
}

/**
 * Starts everything, hands it to `use`, and tears it all down whatever happens: proxies are
 * deleted through the API (a failure there is a server misbehaviour worth a warning), then
 * the server is closed and the upstreams are stopped (SIGTERM, SIGKILL after 5 s).
 */
export async function withFixture<T>(seed: number, warnings: string[], use: (fixture: Fixture) => Promise<T>): Promise<T> {
  const programs: Program[] = [];
  let server: ToxiproxyServer | undefined;
  let routes: Record<UpstreamKind, Route> | undefined;
  try {
    const upstreams = await startUpstreams(programs);
    server = await startToxiproxyServer({ host: LOOPBACK, port: 0, seed });
    const client = new Toxiproxy(server.url);
    routes = await createRoutes(client, upstreams);
    return await use({ server, client, routes });
  } finally {
    for (const route of Object.values(routes ?? {})) {
      await route.proxy.remove().catch((error: unknown) => warnings.push(`DELETE proxy ${route.proxy.name} failed: ${String(error)}`));
    }
    await server?.close();
    for (const program of programs) {
      const result = await program.stop();
      if (!result.graceful || result.code !== 0) warnings.push(`${program.name} did not stop cleanly: code ${result.code}, signal ${result.signal}`);
    }
  }
}

/** Every toxic body in full: the client's types require all fields, and no `as any` is needed. */
export function toxicBody<T>(name: string, type: ICreateToxicBody<T>['type'], attributes: T): ICreateToxicBody<T> {
  return { name, type, stream: 'downstream', toxicity: 1, attributes };
}

/** Adds `body` to `proxy`, runs `use`, and removes the toxic again even if `use` throws. */
export async function withToxic<T, R>(proxy: Proxy, body: ICreateToxicBody<T>, use: (toxic: Toxic<T>) => Promise<R>): Promise<R> {
  const toxic = await proxy.addToxic<T>(body);
  try {
    return await use(toxic);
  } finally {
    await toxic.remove();
  }
}
