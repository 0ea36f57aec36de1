/**
 * Acceptance (issue 3): 200 concurrent connections through a latency toxic, then POST /reset:
 * no data lost on the connections still open, no connection left behind, and close() releases
 * every listener and socket. Open handles are counted with process.getActiveResourcesInfo():
 * the server runs in this process, so its sockets are counted together with the test's own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addToxic, proxyTo, startServer, type Started } from '../../helpers/toxiproxy-api.js';
import { dial, pattern, pollFor, refuses, roundTrip, startEcho, type Peer, type TcpServer } from '../../helpers/toxiproxy-net.js';

let server: Started;
let echo: TcpServer;
let closed = false;
let baseline: { sockets: number; servers: number };

function handles(): { sockets: number; servers: number } {
  const info = process.getActiveResourcesInfo();
  return { sockets: info.filter((r) => r === 'TCPSocketWrap').length, servers: info.filter((r) => r === 'TCPServerWrap').length };
}

beforeAll(async () => {
  baseline = handles();
  server = await startServer();
  echo = await startEcho();
});
afterAll(async () => {
  if (!closed) await server.close();
  await echo.close();
});

describe('connection leaks', () => {
  it('200 connections through latency, then POST /reset: the open ones get all their data, and every socket is released', async () => {
    const { proxy, port } = await proxyTo(server, 'crowd', echo.address);
    await addToxic(proxy, { type: 'latency', attributes: { latency: 500 } });
    const clients = await Promise.all(Array.from({ length: 200 }, () => dial(port)));
    const payloads = clients.map((_c, i) => pattern(2_000, i));
    clients.forEach((client, i) => client.write(payloads[i] as Buffer));

    // Every byte reached the echo server, so every reply is now inside the latency toxic (or on its way).
    await pollFor(() => (echo.peers.reduce((sum, p) => sum + p.received, 0) === 200 * 2_000 ? true : undefined), 'all requests at the upstream');
    const leaving = clients.slice(0, 50);
    const staying = clients.slice(50);
    for (const client of leaving) client.destroy();

    const reset = await server.http('POST', '/reset');
    expect(reset.status).toBe(204);
    expect((await server.http('GET', '/proxies/crowd/toxics')).json).toEqual([]);

    await Promise.all(staying.map((client, i) => client.waitBytes(2_000, 15_000).then((data) => expect(data.equals(payloads[i + 50] as Buffer)).toBe(true))));
    for (const client of staying) expect(client.isClosed, client.describe()).toBe(false);
    await Promise.all(staying.map((client) => roundTrip(client, 'after reset', 10_000)));

    for (const client of staying) client.socket.end();
    await Promise.all(clients.map((client) => client.waitClose(10_000)));
    await pollFor(() => (echo.openCount() === 0 ? true : undefined), `upstream sockets to close (open: ${echo.openCount()})`);
    const metrics = await server.http('GET', '/metrics');
    expect(metrics.status).toBe(200);
  });

  it('close() closes every listener and live connection, leaving no open handle behind', async () => {
    const { port } = await proxyTo(server, 'live', echo.address);
    const clients: Peer[] = [];
    for (let i = 0; i < 20; i++) {
      const client = await dial(port);
      await roundTrip(client, `hello ${i}`);
      clients.push(client);
    }
    const apiPort = server.port;
    await Promise.race([server.close(), pollFor(() => undefined, 'server.close() to resolve', 10_000)]);
    closed = true;
    await Promise.all(clients.map((client) => client.waitClose(5_000)));
    await pollFor(() => (echo.openCount() === 0 ? true : undefined), 'upstream sockets to close');
    expect(await refuses(port)).toBe(true);
    expect(await refuses(apiPort)).toBe(true);
    // Only the echo server's listener is left; every socket (API keep-alive ones included) is gone.
    const left = await pollFor(() => {
      const now = handles();
      return now.sockets === baseline.sockets && now.servers === baseline.servers + 1 ? now : undefined;
    }, `handles back to baseline ${JSON.stringify(baseline)} (now ${JSON.stringify(handles())})`);
    expect(left).toEqual({ sockets: baseline.sockets, servers: baseline.servers + 1 });
  });
});
