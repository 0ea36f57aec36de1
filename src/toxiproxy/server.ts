import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { isLoopback } from './address.js';
import { handleApi } from './api.js';
import { ProxyCollection } from './collection.js';
import { ToxiproxyMetrics } from './metrics.js';

export interface ToxiproxyServerOptions {
  /** Interface of the HTTP API. Default: 127.0.0.1. */
  host?: string;
  /** Port of the HTTP API; 0 picks a free one. Default: 8474. */
  port?: number;
  /** Seed for every random choice (toxicity, jitter, slicer sizes). Default: 0. */
  seed?: number;
  /** Allow the API and proxies to bind interfaces other than loopback. Default: false. */
  allowRemote?: boolean;
  /** Reported by GET /version. Default: faultline's version. */
  version?: string;
}

export interface ToxiproxyServer {
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:8474. */
  url: string;
  host: string;
  port: number;
  /** Closes the API, every proxy listener and every proxied connection. */
  close(): Promise<void>;
}

/**
 * Starts the embedded Toxiproxy-compatible server: Toxiproxy 2.x's HTTP API and TCP proxies
 * with its toxics, driven by any Toxiproxy client (faultline uses toxiproxy-node-client).
 */
export async function startToxiproxyServer(options: ToxiproxyServerOptions = {}): Promise<ToxiproxyServer> {
  const host = options.host ?? '127.0.0.1';
  const allowRemote = options.allowRemote ?? false;
  if (!allowRemote && !isLoopback(host) && host !== 'localhost') {
    throw new Error(`refusing to serve the Toxiproxy API on ${host}: it is not a loopback address (allowRemote opts in)`);
  }
  const seed = options.seed ?? 0;
  const metrics = new ToxiproxyMetrics(() => proxies.all());
  const proxies: ProxyCollection = new ProxyCollection({
    seed,
    allowRemote,
    onBytes: (proxy, direction, received, sent) => metrics.bytes(proxy, direction, received, sent),
  });
  const context = { proxies, metrics, version: options.version ?? (await faultlineVersion()) };

  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    void handleApi(context, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  server.on('error', () => undefined); // e.g. EMFILE on accept: keep serving, never crash
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.listen(options.port ?? 8474, host);
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([e]) => Promise.reject(e as Error))]);
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    host: address.address,
    port: address.port,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        await proxies.closeAll();
        await closed;
      })();
      return closing;
    },
  };
}

async function faultlineVersion(): Promise<string> {
  const { VERSION } = await import('../version.js');
  return VERSION;
}
