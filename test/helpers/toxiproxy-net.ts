/**
 * Real-TCP helpers for the Toxiproxy conformance suite: small upstream servers (echo, sink,
 * source) and client connections that record every chunk, end, error and close, with
 * event-driven waits bounded by deadlines. Everything binds 127.0.0.1 with port 0.
 */
import { pollUntil } from './processes.js';
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface CloseInfo {
  /** Error code seen before the close (e.g. ECONNRESET), if any. */
  errorCode: string | undefined;
  /** Whether a FIN ('end') arrived before the close. */
  ended: boolean;
  /** performance.now() at 'close'. */
  at: number;
}

/** One end of a TCP connection, recording what it receives. */
export class Peer {
  readonly chunks: Buffer[] = [];
  received = 0;
  ended = false;
  endedAt: number | undefined;
  isClosed = false;
  closedAt: number | undefined;
  errorCode: string | undefined;
  readonly closed: Promise<CloseInfo>;
  private readonly waiters = new Set<() => void>();

  constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.received += chunk.length;
      this.notify();
    });
    socket.on('end', () => {
      this.ended = true;
      this.endedAt = performance.now();
      this.notify();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.errorCode ??= error.code ?? error.message;
      this.notify();
    });
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.isClosed = true;
        this.closedAt = performance.now();
        resolve({ errorCode: this.errorCode, ended: this.ended, at: this.closedAt });
        this.notify();
      });
    });
  }

  data(): Buffer {
    return Buffer.concat(this.chunks);
  }

  text(): string {
    return this.data().toString('utf8');
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Resolves as soon as `predicate` holds (checked on every socket event); rejects at the deadline. */
  until(predicate: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${this.describe()})`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  /** Waits until at least `total` bytes have arrived in all; fails early if the socket closes first. */
  async waitBytes(total: number, timeoutMs = 5_000): Promise<Buffer> {
    await this.until(() => this.received >= total || this.isClosed, `${total} bytes`, timeoutMs);
    if (this.received < total) throw new Error(`closed after ${this.received} of ${total} bytes (${this.describe()})`);
    return this.data();
  }

  async waitClose(timeoutMs = 5_000): Promise<CloseInfo> {
    await this.until(() => this.isClosed, 'close', timeoutMs);
    return this.closed;
  }

  describe(): string {
    return `received=${this.received} ended=${this.ended} closed=${this.isClosed} error=${this.errorCode ?? 'none'}`;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

export interface TcpServer {
  port: number;
  address: string;
  /** Every accepted connection, in accept order. */
  peers: Peer[];
  /** Waits until the server has accepted at least `count` connections and returns the last of them. */
  waitPeers(count: number, timeoutMs?: number): Promise<Peer>;
  /** Accepted connections not yet closed. */
  openCount(): number;
  close(): Promise<void>;
}

/** A TCP server on 127.0.0.1:0 that wraps every accepted socket in a Peer and hands it to `onPeer`. */
export async function startTcpServer(onPeer: (peer: Peer) => void = () => {}, options: { allowHalfOpen?: boolean } = {}): Promise<TcpServer> {
  const peers: Peer[] = [];
  const waiters = new Set<() => void>();
  const server: Server = createServer({ allowHalfOpen: options.allowHalfOpen ?? false }, (socket) => {
    const peer = new Peer(socket);
    peers.push(peer);
    onPeer(peer);
    for (const waiter of [...waiters]) waiter();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const info = server.address();
  if (info === null || typeof info === 'string') throw new Error('no TCP address');
  return {
    port: info.port,
    address: `127.0.0.1:${info.port}`,
    peers,
    waitPeers(count, timeoutMs = 5_000) {
      const last = (): Peer => peers[count - 1] as Peer;
      if (peers.length >= count) return Promise.resolve(last());
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (peers.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(last());
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${count} upstream connections (have ${peers.length})`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    openCount: () => peers.filter((p) => !p.isClosed).length,
    async close() {
      for (const peer of peers) peer.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Echoes every byte back on the same connection. */
export const startEcho = (): Promise<TcpServer> => startTcpServer((peer) => peer.socket.pipe(peer.socket));

/** Records what it receives and never answers. */
export const startSink = (options: { allowHalfOpen?: boolean } = {}): Promise<TcpServer> => startTcpServer(undefined, options);

/** Sends `payload` to every connection as soon as it is accepted. */
export const startSource = (payload: Buffer): Promise<TcpServer> => startTcpServer((peer) => peer.write(payload));

/** Opens a client connection to 127.0.0.1:port; resolves once connected. */
export function dial(port: number, timeoutMs = 5_000): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect to 127.0.0.1:${port} timed out`));
    }, timeoutMs);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(new Peer(socket));
    });
  });
}

/** True when a connect to 127.0.0.1:port is refused, false when it is accepted. */
export function refuses(port: number, timeoutMs = 5_000): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect to 127.0.0.1:${port} neither accepted nor refused`));
    }, timeoutMs);
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === 'ECONNREFUSED') resolve(true);
      else reject(error);
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(false);
    });
  });
}

/** A port that was free a moment ago (bound on 127.0.0.1:0, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const info = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (info === null || typeof info === 'string') throw new Error('no TCP address');
  return info.port;
}

/** The port of a `host:port` listen string. */
export function portOf(listen: string): number {
  const port = Number(listen.slice(listen.lastIndexOf(':') + 1));
  if (!Number.isInteger(port) || port <= 0) throw new Error(`no port in ${listen}`);
  return port;
}

/** Writes `payload` and waits for the same number of bytes to come back; returns the elapsed ms. */
export async function roundTrip(peer: Peer, payload: string | Buffer, timeoutMs = 5_000): Promise<number> {
  const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const before = peer.received;
  const started = performance.now();
  peer.write(bytes);
  const data = await peer.waitBytes(before + bytes.length, timeoutMs);
  const elapsed = performance.now() - started;
  if (!data.subarray(before, before + bytes.length).equals(bytes)) throw new Error('echo differs from what was sent');
  return elapsed;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Polls `probe` until it returns something other than undefined; rejects at the deadline. */
export function pollFor<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 10_000, everyMs = 20): Promise<T> {
  return pollUntil(probe, what, timeoutMs, everyMs);
}

/** Resolves after `ms`: only for pacing traffic or for "nothing happens within X ms" checks, never to synchronise. */
export const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Deterministic bytes (a repeating counter) of the given length. */
export function pattern(length: number, offset = 0): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = (i + offset) % 251;
  return bytes;
}
