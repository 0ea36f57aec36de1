import { connect, createServer, type Socket } from 'node:net';
import { LOOPBACK } from './processes.js';

/**
 * The cheapest TCP proxy Node can run: `client.pipe(upstream).pipe(client)`, no toxics, no
 * bookkeeping. Run in the benchmark process, exactly where the embedded server runs, it is
 * the floor a Node pass-through can reach on this machine: the throughput goal is judged
 * against direct, and this reference tells apart the cost of the implementation from the
 * cost of having one more single-threaded process relay every byte on a 2-core box.
 */
export interface PipeProxy {
  port: number;
  close(): Promise<void>;
}

export async function startPipeProxy(upstreamPort: number): Promise<PipeProxy> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = createServer({ noDelay: true }, (client) => {
    const upstream = connect({ host: LOOPBACK, port: upstreamPort, noDelay: true });
    track(client);
    track(upstream);
    // Either side closing takes the other down, as the Toxiproxy server does (no half-close).
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('pipe proxy: no address');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
