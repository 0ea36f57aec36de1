import { createServer } from 'node:net';

/**
 * A free TCP port on 127.0.0.1: bind port 0, read the port, close. Another process could take
 * it before the target binds it (a small window); the target then fails to start and the run
 * says so (exit 3) with the target's own log lines.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One distinct free port per name. */
export async function allocatePorts(names: readonly string[]): Promise<Map<string, number>> {
  const ports = new Map<string, number>();
  const taken = new Set<number>();
  for (const name of names) {
    let port = await freePort();
    for (let tries = 0; taken.has(port) && tries < 20; tries++) port = await freePort();
    taken.add(port);
    ports.set(name, port);
  }
  return ports;
}
