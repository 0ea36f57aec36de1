import { connect, type Socket } from 'node:net';
import { onCleanup } from './cleanup.js';
import { LOOPBACK } from './processes.js';

/**
 * TCP clients for the Toxiproxy bench: an echo client that times round trips, and a sink
 * that pulls a payload from the source upstream and times it. Both check every byte they
 * get back, so a proxy that loses, duplicates or reorders data fails the run instead of
 * producing a fast number.
 */

/** Byte `i` of a source payload: a 251-byte cycle (prime, so it never lines up with chunk sizes). */
export function patternByte(i: number): number {
  return i % 251;
}

const CONNECT_TIMEOUT_MS = 5_000;

function open(port: number): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const socket = connect({ host: LOOPBACK, port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect to ${LOOPBACK}:${port} timed out after ${CONNECT_TIMEOUT_MS} ms`));
    }, CONNECT_TIMEOUT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

interface Pending {
  payload: Buffer;
  started: number;
  resolve: (ms: number) => void;
  reject: (error: Error) => void;
}

/** One connection to an echo server (directly or through a proxy), one round trip at a time. */
export class EchoClient {
  #pending: Pending | undefined;
  #chunks: Buffer[] = [];
  #received = 0;
  #failure: Error | undefined;
  readonly #forget: () => void;

  private constructor(private readonly socket: Socket) {
    // Sockets of this process die with it; the task only matters for a normal error path.
    this.#forget = onCleanup(() => socket.destroy());
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (error) => this.#fail(error));
    socket.on('close', () => this.#fail(new Error('connection closed')));
  }

  static async connect(port: number): Promise<EchoClient> {
    return new EchoClient(await open(port));
  }

  /** Writes `payload` and resolves with the ms until all of it came back (checked byte for byte). */
  roundTrip(payload: Buffer): Promise<number> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#pending !== undefined) return Promise.reject(new Error('a round trip is already in flight'));
    return new Promise<number>((resolve, reject) => {
      this.#pending = { payload, started: performance.now(), resolve, reject };
      this.socket.write(payload);
    });
  }

  #onData(chunk: Buffer): void {
    const now = performance.now();
    const pending = this.#pending;
    if (pending === undefined) {
      this.#fail(new Error(`${chunk.length} bytes arrived with no round trip in flight`));
      return;
    }
    this.#chunks.push(chunk);
    this.#received += chunk.length;
    if (this.#received < pending.payload.length) return;
    const echoed = Buffer.concat(this.#chunks);
    this.#chunks = [];
    this.#received = 0;
    this.#pending = undefined;
    if (!echoed.equals(pending.payload)) {
      this.#fail(new Error(`echo mismatch: sent ${pending.payload.length} bytes, got ${echoed.length} different ones`));
      pending.reject(this.#failure as Error);
      return;
    }
    pending.resolve(now - pending.started);
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(this.#failure);
  }

  close(): void {
    this.#failure ??= new Error('client closed');
    this.socket.destroy();
    this.#forget();
  }
}

/** Bytes per echo round trip: small enough to stay one TCP segment each way, like a small RPC. */
const ECHO_BYTES = 64;

/**
 * A timed round trip on client `worker`; the payload differs every time, so a stale or
 * duplicated echo cannot pass the byte-for-byte check.
 */
export function echoOp(clients: readonly EchoClient[]): (worker: number) => Promise<number> {
  let seq = 0;
  return (worker) => {
    const client = clients[worker];
    if (client === undefined) return Promise.reject(new Error(`no echo client for worker ${worker}`));
    return client.roundTrip(Buffer.from(String(seq++).padEnd(ECHO_BYTES, '.')));
  };
}

/** Opens `count` echo clients; if one fails, those already open are closed. */
export async function openEchoClients(port: number, count: number): Promise<EchoClient[]> {
  const clients: EchoClient[] = [];
  try {
    for (let i = 0; i < count; i++) clients.push(await EchoClient.connect(port));
    return clients;
  } catch (error) {
    for (const client of clients) client.close();
    throw error;
  }
}

export interface Download {
  /** Bytes received, all matching the pattern. */
  bytes: number;
  /** From writing the request to the last byte. */
  elapsedMs: number;
  /** From writing the request to the first byte. */
  firstByteMs: number;
}

/**
 * Asks the source upstream (directly or through a proxy) for `bytes` bytes and reads them to
 * the end. Rejects on a short, long or corrupted payload, an error, or after `timeoutMs`.
 */
export async function download(port: number, bytes: number, timeoutMs: number): Promise<Download> {
  const socket = await open(port);
  const forget = onCleanup(() => socket.destroy());
  try {
    return await new Promise<Download>((resolve, reject) => {
      let received = 0;
      let started = 0;
      let firstAt: number | undefined;
      let lastAt = 0;
      const fail = (message: string): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(new Error(`${message} (${received} of ${bytes} bytes received)`));
      };
      const timer = setTimeout(() => fail(`download timed out after ${timeoutMs} ms`), timeoutMs);
      socket.on('data', (chunk: Buffer) => {
        lastAt = performance.now();
        firstAt ??= lastAt;
        for (let i = 0; i < chunk.length; i++) {
          if (chunk[i] !== patternByte(received + i)) return fail(`corrupted byte at offset ${received + i}`);
        }
        received += chunk.length;
        if (received > bytes) fail('more bytes than requested');
      });
      socket.once('error', (error) => fail(`socket error: ${error.message}`));
      socket.once('close', () => {
        clearTimeout(timer);
        if (received !== bytes) return fail('connection closed early');
        resolve({ bytes, elapsedMs: lastAt - started, firstByteMs: (firstAt ?? lastAt) - started });
      });
      started = performance.now();
      socket.write(`${bytes}\n`);
    });
  } finally {
    socket.destroy();
    forget();
  }
}
