import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { joinHostPort, resolveListen } from './address.js';
import { ApiError } from './api-error.js';
import { Connection } from './connection.js';
import type { Direction } from './link.js';
import { ToxicSet, toxicJson } from './toxic-set.js';

export interface ProxyOptions {
  seed: number;
  allowRemote: boolean;
  onBytes: (proxy: Proxy, direction: Direction, received: number, sent: number) => void;
}

/**
 * One Toxiproxy proxy: a TCP listener that forwards every accepted connection to `upstream`
 * through the proxy's toxics. Disabling it closes the listener and every live connection;
 * its toxics are kept.
 */
export class Proxy {
  enabled = false;
  readonly toxics: ToxicSet;
  #server: Server | undefined;
  #connections = new Set<Connection>();
  #nextId = 0;
  /** Bumped by every stop(), so a start() that was still binding knows it was overtaken. */
  #generation = 0;

  constructor(
    readonly name: string,
    /** As given while disabled; the bound address once started. */
    public listen: string,
    public upstream: string,
    private readonly options: ProxyOptions,
  ) {
    this.toxics = new ToxicSet(() => this.#connections);
  }

  get connections(): ReadonlySet<Connection> {
    return this.#connections;
  }

  /** Binds the listener (synchronously with the API call); rewrites `listen` to the bound address. */
  async start(): Promise<void> {
    if (this.#server !== undefined) return;
    const generation = this.#generation;
    const { host, port } = await resolveListen(this.listen, this.options.allowRemote);
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (socket) => this.#accept(socket));
    server.listen({ host, port, exclusive: true });
    try {
      await Promise.race([once(server, 'listening'), once(server, 'error').then(([e]) => Promise.reject(e as Error))]);
    } catch (error) {
      const err = error as NodeJS.ErrnoException;
      throw new ApiError(500, `listen tcp ${joinHostPort(host, port)}: bind: ${describeBindError(err)}`);
    }
    server.on('error', () => undefined);
    if (generation !== this.#generation || this.#server !== undefined) {
      // Stopped (or started by another call) while binding: this listener must not outlive that.
      server.close();
      return;
    }
    const address = server.address();
    if (address === null || typeof address === 'string') throw new ApiError(500, 'listen tcp: no address');
    this.#server = server;
    this.listen = joinHostPort(address.address, address.port);
    this.enabled = true;
  }

  #accept(socket: Socket): void {
    const connection = new Connection(socket, {
      id: this.#nextId++,
      proxyName: this.name,
      upstream: this.upstream,
      seed: this.options.seed,
      toxics: (direction) => this.toxics.configs(direction),
      onBytes: (direction, received, sent) => this.options.onBytes(this, direction, received, sent),
      onClosed: (c) => this.#connections.delete(c),
    });
    this.#connections.add(connection);
    connection.dial();
  }

  /** Closes the listener and every connection. Idempotent. */
  async stop(): Promise<void> {
    this.#generation++;
    this.enabled = false;
    const server = this.#server;
    this.#server = undefined;
    for (const connection of this.#connections) connection.close();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, listen: this.listen, upstream: this.upstream, enabled: this.enabled, toxics: this.toxics.list().map(toxicJson) };
  }
}

function describeBindError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return 'address already in use';
    case 'EADDRNOTAVAIL':
      return 'cannot assign requested address';
    case 'EACCES':
      return 'permission denied';
    default:
      return error.message;
  }
}
