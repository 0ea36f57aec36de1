/**
 * Toxics that drop or cut connections (spec §6.4 timeout, §6.5 reset_peer, §6.7 limit_data, §5.3
 * toxicity; §8.3 T2 T3 T8 T9 T11; §8.4 items 10, 11, 12 (as improved in §9), 17).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addToxic, proxyTo, removeAllProxies, startServer, updateToxic, type Started } from '../../helpers/toxiproxy-api.js';
import { dial, pattern, pause, roundTrip, startEcho, startSink, startSource, startTcpServer, type Peer, type TcpServer } from '../../helpers/toxiproxy-net.js';

let server: Started;
let echo: TcpServer;
let sink: TcpServer;

beforeAll(async () => {
  server = await startServer();
  echo = await startEcho();
  sink = await startSink();
});
afterEach(async () => removeAllProxies(server.http));
afterAll(async () => {
  await server.close();
  await echo.close();
  await sink.close();
});

/** Dials the proxy and returns the client with the upstream's side of the same connection. */
async function connectThrough(port: number, upstream: TcpServer): Promise<{ client: Peer; peer: Peer }> {
  const accepted = upstream.peers.length;
  const client = await dial(port);
  return { client, peer: await upstream.waitPeers(accepted + 1) };
}

describe('timeout', () => {
  it('T8/§8.4.10 timeout 0 drops data and stalls until removed; removal closes both ends', async () => {
    const { proxy, port } = await proxyTo(server, 'to0', sink.address);
    const { client, peer } = await connectThrough(port, sink);
    const toxic = await addToxic(proxy, { type: 'timeout', stream: 'upstream', attributes: { timeout: 0 } });
    client.write('lost');
    await pause(400);
    expect(peer.received).toBe(0);
    expect(client.isClosed).toBe(false);
    await toxic.remove();
    await client.waitClose(1_000);
    await peer.waitClose(1_000);
    expect(peer.received).toBe(0);
  });

  it('T8 timeout 300 drops the data and closes an idle connection after about 300 ms', async () => {
    const { proxy, port } = await proxyTo(server, 'to300', sink.address);
    await addToxic(proxy, { type: 'timeout', stream: 'upstream', attributes: { timeout: 300 } });
    const started = performance.now();
    const { client, peer } = await connectThrough(port, sink);
    client.write('dropped');
    const info = await client.waitClose(3_000);
    expect(info.at - started).toBeGreaterThanOrEqual(290);
    expect(info.at - started).toBeLessThan(300 + 1_000);
    expect(info.errorCode).toBeUndefined();
    expect(peer.received).toBe(0);
  });

  it('§8.4.11 timeout re-arms on every chunk: steady traffic keeps the connection open', async () => {
    const { proxy, port } = await proxyTo(server, 'rearm', sink.address);
    await addToxic(proxy, { type: 'timeout', stream: 'upstream', attributes: { timeout: 400 } });
    const { client } = await connectThrough(port, sink);
    for (let i = 0; i < 12; i++) {
      client.write('.');
      await pause(100);
      expect(client.isClosed, `closed after ${i + 1} writes 100 ms apart`).toBe(false);
    }
    const lastWrite = performance.now() - 100;
    const info = await client.waitClose(3_000);
    expect(info.at - lastWrite).toBeGreaterThanOrEqual(390);
    expect(info.at - lastWrite).toBeLessThan(400 + 1_500);
  });

  it('T8 latency then timeout 0 upstream: removing the latency with queued chunks finishes within 1 s', async () => {
    const { proxy, port } = await proxyTo(server, 'nohang', sink.address);
    const latency = await addToxic(proxy, { type: 'latency', name: 'lat', stream: 'upstream', attributes: { latency: 10 } });
    await addToxic(proxy, { type: 'timeout', name: 'to', stream: 'upstream', attributes: { timeout: 0 } });
    const { client, peer } = await connectThrough(port, sink);
    for (let i = 0; i < 5; i++) client.write(`chunk${i}`);
    const started = performance.now();
    await latency.remove();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(peer.received).toBe(0);
  });
});

describe('reset_peer', () => {
  it('T9 upstream, timeout 0: the first write is answered with ECONNRESET and goes nowhere', async () => {
    const { proxy, port } = await proxyTo(server, 'rp0', echo.address);
    await addToxic(proxy, { type: 'reset_peer', stream: 'upstream', attributes: { timeout: 0 } });
    const { client, peer } = await connectThrough(port, echo);
    client.write('boom');
    const info = await client.waitClose(2_000);
    expect(info.errorCode).toBe('ECONNRESET');
    expect(client.received).toBe(0);
    expect(peer.received).toBe(0);
  });

  it.each(['upstream', 'downstream'])('T9 %s, timeout 200: the reset comes about 200 ms after data flows', async (stream) => {
    const { proxy, port } = await proxyTo(server, `rp-${stream}`, echo.address);
    await addToxic(proxy, { type: 'reset_peer', stream, attributes: { timeout: 200 } });
    const { client } = await connectThrough(port, echo);
    const started = performance.now();
    client.write('x');
    const info = await client.waitClose(3_000);
    expect(info.errorCode).toBe('ECONNRESET');
    expect(info.at - started).toBeGreaterThanOrEqual(190);
    expect(info.at - started).toBeLessThan(200 + 800);
    expect(client.received).toBe(0);
  });

  it('§9 connections opened before the toxic are reset too', async () => {
    const { proxy, port } = await proxyTo(server, 'rp-old', echo.address);
    const { client } = await connectThrough(port, echo);
    await roundTrip(client, 'before');
    await addToxic(proxy, { type: 'reset_peer', stream: 'upstream', attributes: { timeout: 0 } });
    client.write('after');
    expect((await client.waitClose(2_000)).errorCode).toBe('ECONNRESET');
  });

  it('§9 removing a reset_peer toxic during its wait does not block the API', async () => {
    const { proxy, port } = await proxyTo(server, 'rp-wait', echo.address);
    const toxic = await addToxic(proxy, { type: 'reset_peer', stream: 'upstream', attributes: { timeout: 3_000 } });
    const { client } = await connectThrough(port, echo);
    client.write('x');
    // Aims the removal into the 3 s wait; the assertion below holds whether or not the toxic has fired yet.
    await pause(100);
    const started = performance.now();
    await toxic.remove();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect((await server.http('GET', '/proxies/rp-wait/toxics')).json).toEqual([]);
  });

  it('§9 at toxicity 0 reset_peer changes nothing: data flows and closes stay clean', async () => {
    const { proxy, port } = await proxyTo(server, 'rp-never', echo.address);
    await addToxic(proxy, { type: 'reset_peer', name: 'up', stream: 'upstream', toxicity: 0, attributes: { timeout: 0 } });
    await addToxic(proxy, { type: 'reset_peer', name: 'down', stream: 'downstream', toxicity: 0, attributes: { timeout: 0 } });
    const { client, peer } = await connectThrough(port, echo);
    for (let i = 0; i < 3; i++) await roundTrip(client, `safe${i}`);
    client.socket.end();
    const info = await client.waitClose(2_000);
    expect(info).toMatchObject({ errorCode: undefined, ended: true });
    await peer.waitClose(2_000);
    expect(peer.errorCode).toBeUndefined();
  });
});

describe('limit_data', () => {
  it('T11 limit 100: 50 bytes pass and the link stays open; 50 more reach the limit exactly and close it', async () => {
    const { proxy, port } = await proxyTo(server, 'ld-exact', sink.address);
    await addToxic(proxy, { type: 'limit_data', stream: 'upstream', attributes: { bytes: 100 } });
    const { client, peer } = await connectThrough(port, sink);
    client.write(pattern(50));
    await peer.waitBytes(50);
    expect(client.isClosed).toBe(false);
    client.write(pattern(50, 50));
    await peer.waitClose(2_000);
    await client.waitClose(2_000);
    expect(peer.data().equals(pattern(100))).toBe(true);
  });

  it.each([
    ['one 150-byte write', [150]],
    ['four 25-byte writes', [25, 25, 25, 25]],
  ])('T11 limit 100, %s: exactly the first 100 bytes pass, then the connection closes', async (_name, sizes) => {
    const { proxy, port } = await proxyTo(server, 'ld', sink.address);
    await addToxic(proxy, { type: 'limit_data', stream: 'upstream', attributes: { bytes: 100 } });
    const { client, peer } = await connectThrough(port, sink);
    let offset = 0;
    for (const size of sizes) {
      client.write(pattern(size, offset));
      offset += size;
    }
    await peer.waitClose(2_000);
    await client.waitClose(2_000);
    expect(peer.data().equals(pattern(100))).toBe(true);
  });

  it('§8.4.17 bytes 0 leaves the connection open until the first data, then closes forwarding nothing', async () => {
    const greeter = await startTcpServer((peer) => peer.write('hello'));
    const { proxy, port } = await proxyTo(server, 'ld0', greeter.address);
    await addToxic(proxy, { type: 'limit_data', stream: 'upstream', attributes: { bytes: 0 } });
    const { client, peer } = await connectThrough(port, greeter);
    expect((await client.waitBytes(5)).toString()).toBe('hello');
    client.write('x');
    await client.waitClose(2_000);
    await peer.waitClose(2_000);
    expect(peer.received).toBe(0);
    await greeter.close();
  });

  it('T3/T11 added to a live link, its count survives an update: 90, update, 20 gives 100', async () => {
    const { proxy, port } = await proxyTo(server, 'ld-live', sink.address);
    const { client, peer } = await connectThrough(port, sink);
    const toxic = await addToxic(proxy, { type: 'limit_data', stream: 'upstream', attributes: { bytes: 100 } });
    client.write(pattern(90));
    await peer.waitBytes(90);
    await updateToxic(toxic, { attributes: { bytes: 100 } });
    client.write(pattern(20, 90));
    await peer.waitClose(2_000);
    expect(peer.data().equals(pattern(100))).toBe(true);
  });

  it('§6.7 a downstream limit cuts what the client receives', async () => {
    const source = await startSource(pattern(1000));
    const { proxy, port } = await proxyTo(server, 'ld-down', source.address);
    await addToxic(proxy, { type: 'limit_data', attributes: { bytes: 300 } });
    const client = await dial(port);
    await client.waitClose(2_000);
    expect(client.data().equals(pattern(300))).toBe(true);
    await source.close();
  });
});

describe('toxicity', () => {
  it('T2 toxicity 0 passes data; an update to toxicity 1 and timeout 100 closes the link about 100 ms later', async () => {
    const { proxy, port } = await proxyTo(server, 'tox', echo.address);
    const toxic = await addToxic(proxy, { type: 'timeout', stream: 'upstream', toxicity: 0, attributes: { timeout: 0 } });
    const { client } = await connectThrough(port, echo);
    for (let i = 0; i < 3; i++) await roundTrip(client, `pass${i}`);
    const started = performance.now();
    const updated = await updateToxic(toxic, { toxicity: 1, attributes: { timeout: 100 } });
    expect(updated.toxicity).toBe(1);
    const info = await client.waitClose(2_000);
    expect(info.at - started).toBeGreaterThanOrEqual(90);
    expect(info.at - started).toBeLessThan(100 + 900);
  });

  it('§5.3/§9 toxicity is drawn once per connection: appending a toxic or updating attributes keeps it; a new toxicity re-draws', async () => {
    const { proxy, port } = await proxyTo(server, 'sticky', echo.address);
    const toxic = await addToxic(proxy, { type: 'latency', name: 'maybe', toxicity: 0.5, attributes: { latency: 150 } });
    const clients: Peer[] = [];
    for (let i = 0; i < 10; i++) clients.push((await connectThrough(port, echo)).client);
    const delayed = async (): Promise<boolean[]> => {
      const result: boolean[] = [];
      for (const client of clients) {
        const [a, b] = [await roundTrip(client, 'q'), await roundTrip(client, 'r')];
        expect(a >= 100, `round trips ${a.toFixed(1)} and ${b.toFixed(1)} ms on one connection`).toBe(b >= 100);
        result.push(a >= 100);
      }
      return result;
    };
    const before = await delayed();
    expect(before).toContain(true);
    expect(before).toContain(false);
    await addToxic(proxy, { type: 'noop', name: 'after' });
    await updateToxic(toxic, { attributes: { latency: 160 } });
    expect(await delayed()).toEqual(before);
    await updateToxic(toxic, { toxicity: 1 });
    expect(await delayed()).toEqual(clients.map(() => true));
  });

  it('§5.3 toxicity 1 always applies and 0 never does, on every new connection', async () => {
    const { proxy, port } = await proxyTo(server, 'tox-fixed', echo.address);
    await addToxic(proxy, { type: 'limit_data', name: 'never', toxicity: 0, attributes: { bytes: 0 } });
    for (let i = 0; i < 5; i++) await roundTrip((await connectThrough(port, echo)).client, `ok${i}`);
    await addToxic(proxy, { type: 'limit_data', name: 'always', stream: 'upstream', toxicity: 1, attributes: { bytes: 0 } });
    for (let i = 0; i < 5; i++) {
      const { client } = await connectThrough(port, echo);
      client.write('cut');
      await client.waitClose(2_000);
      expect(client.received).toBe(0);
    }
  });
});
