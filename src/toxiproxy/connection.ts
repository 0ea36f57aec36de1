import { connect, type Socket } from 'node:net';
import { splitHostPort } from './address.js';
import { Link, type Direction, type LinkConnection, type ToxicConfig } from './link.js';

/** How long a proxy waits for its upstream to accept a connection before giving up. */
const DIAL_TIMEOUT_MS = 10_000;

export interface ConnectionOptions {
  id: number;
  proxyName: string;
  upstream: string;
  seed: number;
  toxics: (direction: Direction) => readonly ToxicConfig[];
  onBytes: (direction: Direction, received: number, sent: number) => void;
  onClosed: (connection: Connection) => void;
}

/**
 * One client connection through a proxy: dials the upstream (concurrently, with a timeout;
 * a failed dial closes the client), then runs two links — upstream (client → server) and
 * downstream (server → client) — each through its direction's toxics.
 */
export class Connection implements LinkConnection {
  upstreamSocket: Socket | undefined;
  links = new Map<Direction, Link>();
  #closed = false;
  #open = 0;

  constructor(
    readonly client: Socket,
    private readonly options: ConnectionOptions,
  ) {
    client.setNoDelay(true);
    client.pause();
    this.#track(client);
    client.on('error', () => undefined);
  }

  #track(socket: Socket): void {
    this.#open++;
    socket.once('close', () => {
      if (--this.#open === 0) {
        this.#closed = true;
        // Stop every toxic still running on this connection (timers, stalled bandwidth).
        for (const link of this.links.values()) void link.stop();
        this.options.onClosed(this);
      }
    });
  }

  /** Dials the upstream and starts both links. */
  dial(): void {
    let target;
    try {
      target = splitHostPort(this.options.upstream, 'dial');
    } catch {
      this.client.destroy();
      return;
    }
    const upstream = connect({ host: target.host || '127.0.0.1', port: target.port, allowHalfOpen: true, noDelay: true });
    this.upstreamSocket = upstream;
    this.#track(upstream);
    upstream.on('error', () => undefined);
    upstream.setTimeout(DIAL_TIMEOUT_MS, () => upstream.destroy());
    upstream.once('close', () => {
      if (!this.links.has('upstream')) this.client.destroy(); // the dial failed: close the client
    });
    upstream.once('connect', () => {
      upstream.setTimeout(0);
      if (this.#closed || this.client.destroyed) {
        upstream.destroy();
        return;
      }
      this.#start(upstream);
    });
  }

  #start(upstream: Socket): void {
    const { options, client } = this;
    const key = `${options.proxyName}#${options.id}`;
    const up = new Link('upstream', client, upstream, this, options.seed, `${key}/upstream`, options.toxics('upstream'), (r, s) =>
      options.onBytes('upstream', r, s),
    );
    const down = new Link('downstream', upstream, client, this, options.seed, `${key}/downstream`, options.toxics('downstream'), (r, s) =>
      options.onBytes('downstream', r, s),
    );
    this.links.set('upstream', up).set('downstream', down);
    for (const [socket, link] of [
      [client, up],
      [upstream, down],
    ] as const) {
      socket.on('data', (data: Buffer) => link.receive(data));
      socket.once('end', () => link.end());
      socket.once('close', () => link.end());
    }
    client.resume();
  }

  /**
   * A link's output closed: close its destination fully once written out (Toxiproxy does not
   * half-close); the other link then sees its source close and closes the other socket.
   */
  closeFrom(direction: Direction): void {
    const destination = direction === 'upstream' ? this.upstreamSocket : this.client;
    if (destination === undefined || destination.destroyed) return;
    destination.end(() => destination.destroy());
    // A peer that stops reading must not hold the connection open forever.
    setTimeout(() => destination.destroy(), 5_000).unref();
  }

  /** A toxic's reset: RST on both sockets. */
  reset(): void {
    for (const socket of [this.client, this.upstreamSocket]) {
      if (socket === undefined || socket.destroyed) continue;
      try {
        socket.resetAndDestroy();
      } catch {
        socket.destroy();
      }
    }
  }

  /** Closes both sockets now (proxy disabled or deleted, or a timeout toxic removed). */
  close(): void {
    this.client.destroy();
    this.upstreamSocket?.destroy();
  }

  get closed(): boolean {
    return this.#closed;
  }
}
