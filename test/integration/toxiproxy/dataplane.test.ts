/**
 * Data plane, proxy level (spec §4, §5.4, §7, §8.2 P1–P2, §8.3 T1 T4 T5 T6-race T13, §8.4 items
 * 8, 14, 15): real TCP through proxies created with the npm client, towards echo / sink servers.
 */
import { describe, expect, it } from 'vitest';
import { addToxic, metricValue, proxyTo, type Started, useEchoFixture } from '../../helpers/toxiproxy-api.js';
import { dial, freePort, pattern, pollFor, refuses, roundTrip, startSink, startTcpServer, type TcpServer } from '../../helpers/toxiproxy-net.js';

let server: Started;
let echo: TcpServer;
const extra = useEchoFixture((started, echoServer) => {
  server = started;
  echo = echoServer;
});

async function upstream(start: () => Promise<TcpServer>): Promise<TcpServer> {
  const s = await start();
  extra.push(s);
  return s;
}

describe('pass-through', () => {
  it('P1 small, 64 KiB hex and two-part messages pass unchanged', async () => {
    const { port } = await proxyTo(server, 'p1', echo.address);
    const client = await dial(port);
    await roundTrip(client, 'hello world');
    await roundTrip(client, pattern(32 * 1024).toString('hex'));
    const before = client.received;
    client.write('hello ');
    client.write('world');
    expect((await client.waitBytes(before + 11)).subarray(before).toString()).toBe('hello world');
  });

  it('P2/§8.4.14 an unreachable upstream: the client is accepted, then gets EOF without data', async () => {
    const { port } = await proxyTo(server, 'p2', `127.0.0.1:${await freePort()}`);
    const client = await dial(port);
    const info = await client.waitClose(2_000);
    expect(info).toMatchObject({ ended: true, errorCode: undefined });
    expect(client.received).toBe(0);
  });

  it('§4.6 the upstream closing its side closes the client with EOF', async () => {
    const sink = await upstream(() => startSink());
    const { port } = await proxyTo(server, 'fin', sink.address);
    const client = await dial(port);
    const peer = await sink.waitPeers(1);
    peer.socket.end();
    const info = await client.waitClose(2_000);
    expect(info).toMatchObject({ ended: true, errorCode: undefined });
  });

  it('§8.4.15 no half-close: a client shutdown(WR) closes the whole connection', async () => {
    const sink = await upstream(() => startSink({ allowHalfOpen: true }));
    const { port } = await proxyTo(server, 'half', sink.address);
    const client = await dial(port);
    const peer = await sink.waitPeers(1);
    client.write('bye');
    client.socket.end();
    await peer.waitBytes(3);
    await peer.until(() => peer.ended, 'FIN at the upstream', 2_000);
    // The upstream keeps its write side open (allowHalfOpen); only a proxy without half-close closes the client now.
    expect(peer.isClosed).toBe(false);
    await client.waitClose(2_000);
  });
});

describe('disable and delete', () => {
  it('§8.4.8 disable closes live connections and refuses new ones; toxics survive; enable uses the same port', async () => {
    const { proxy, port } = await proxyTo(server, 'dis', echo.address);
    await addToxic(proxy, { type: 'noop', name: 'keep-up', stream: 'upstream' });
    await addToxic(proxy, { type: 'latency', name: 'keep-down', attributes: { latency: 1 } });
    const client = await dial(port);
    await roundTrip(client, 'a');
    const upstreamPeer = echo.peers.at(-1);
    const off = await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    expect(off.enabled).toBe(false);
    await client.waitClose(2_000);
    await upstreamPeer?.waitClose(2_000);
    expect(await refuses(port)).toBe(true);
    const toxics = await server.http('GET', '/proxies/dis/toxics');
    expect(toxics.json.map((t: any) => t.name)).toEqual(['keep-up', 'keep-down']);
    const on = await off.update({ enabled: true, listen: proxy.listen, upstream: proxy.upstream });
    expect(on.listen).toBe(proxy.listen);
    await roundTrip(await dial(port), 'b');
    expect((await server.http('GET', '/proxies/dis/toxics')).json).toHaveLength(2);
  });

  it('§4.2 delete closes live connections on both sides and the port', async () => {
    const { proxy, port } = await proxyTo(server, 'del', echo.address);
    const client = await dial(port);
    await roundTrip(client, 'a');
    const upstreamPeer = echo.peers.at(-1);
    await proxy.remove();
    await client.waitClose(2_000);
    await upstreamPeer?.waitClose(2_000);
    expect(await refuses(port)).toBe(true);
  });
});

describe('live toxic changes', () => {
  it('T1 no byte is lost or reordered while toxics are added and removed in a loop', async () => {
    const sink = await upstream(() => startSink());
    const { proxy, port } = await proxyTo(server, 't1', sink.address);
    const client = await dial(port);
    const peer = await sink.waitPeers(1);
    const values = Buffer.alloc(65_535 * 2);
    for (let i = 0; i < 65_535; i++) values.writeUInt16BE(i, i * 2);

    const writer = (async () => {
      for (let offset = 0; offset < values.length; offset += 256) {
        client.write(values.subarray(offset, offset + 256));
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    let rounds = 0;
    const churn = (async () => {
      for (; rounds < 300 && peer.received < values.length; rounds++) {
        const latency = await addToxic(proxy, { type: 'latency', name: 'l', stream: 'upstream', attributes: { latency: 1 } });
        const slicer = await addToxic(proxy, { type: 'slicer', name: 's', stream: 'upstream', attributes: { average_size: 64, size_variation: 16 } });
        const noop = await addToxic(proxy, { type: 'noop', name: 'n', stream: 'upstream' });
        await latency.remove();
        await slicer.remove();
        await noop.remove();
      }
    })();
    await Promise.all([writer, churn]);
    const received = await peer.waitBytes(values.length, 30_000);
    expect(rounds).toBeGreaterThan(0);
    expect(received.length).toBe(values.length);
    expect(received.equals(values)).toBe(true);
  });

  it('T4 removing a toxic while the upstream is broken and data is queued does not hang', async () => {
    const sink = await upstream(() => startSink());
    const { proxy, port } = await proxyTo(server, 't4', sink.address);
    const latency = await addToxic(proxy, { type: 'latency', stream: 'upstream', attributes: { latency: 200 } });
    const client = await dial(port);
    const peer = await sink.waitPeers(1);
    client.write(pattern(1024 * 1024));
    peer.destroy();
    const started = performance.now();
    await latency.remove();
    expect(performance.now() - started).toBeLessThan(2_000);
    await client.waitClose(5_000);
    expect((await server.http('GET', '/proxies/t4/toxics')).json).toEqual([]);
  });

  it('T5 one connection stays usable across resets and repeated toxic add/remove', async () => {
    const { proxy, port } = await proxyTo(server, 't5', echo.address);
    const client = await dial(port);
    for (let i = 0; i < 20; i++) {
      await addToxic(proxy, { type: 'noop', name: 'up', stream: 'upstream' });
      await roundTrip(client, `a${i}`);
      await server.client.reset();
      await roundTrip(client, `b${i}`);
      const down = await addToxic(proxy, { type: 'noop', name: 'down' });
      await down.remove();
      await roundTrip(client, `c${i}`);
    }
    expect(client.isClosed).toBe(false);
  });

  it('T6 adding and removing latency while connections open and close keeps the proxy healthy', async () => {
    const { proxy, port } = await proxyTo(server, 'race', echo.address);
    const opened = echo.peers.length;
    for (let i = 0; i < 20; i++) {
      const client = await dial(port);
      const toxic = await addToxic(proxy, { type: 'latency', name: 'race', attributes: { latency: 5 } });
      client.write('x');
      client.destroy();
      await toxic.remove();
    }
    await roundTrip(await dial(port), 'still fine');
    await pollFor(() => (echo.peers.slice(opened, opened + 20).every((p) => p.isClosed) ? true : undefined), 'upstream sockets of the raced connections to close');
  });
});

describe('metrics', () => {
  it('T13 a finished link counts received and sent bytes per direction with the four labels', async () => {
    const { proxy, port } = await proxyTo(server, 'metered', echo.address);
    const client = await dial(port);
    await roundTrip(client, 'hello');
    client.destroy();
    const name = (metric: string, direction: string) => ({ metric, labels: { direction, proxy: 'metered', listener: proxy.listen, upstream: echo.address } });
    const wanted = ['upstream', 'downstream'].flatMap((d) => [name('toxiproxy_proxy_received_bytes_total', d), name('toxiproxy_proxy_sent_bytes_total', d)]);
    const text = await pollFor(async () => {
      const res = await server.http('GET', '/metrics');
      return wanted.every((w) => metricValue(res.text, w.metric, w.labels) === 5) ? res.text : undefined;
    }, 'metrics of 5 bytes each way');
    expect(text).toMatch(/^# TYPE toxiproxy_proxy_received_bytes_total counter$/m);
    expect(text).toMatch(/^# TYPE toxiproxy_proxy_sent_bytes_total counter$/m);
  });

  it('§7 metrics do not count bytes a toxic dropped as sent', async () => {
    const sink = await upstream(() => startTcpServer());
    const { proxy, port } = await proxyTo(server, 'dropping', sink.address);
    await addToxic(proxy, { type: 'limit_data', stream: 'upstream', attributes: { bytes: 3 } });
    const client = await dial(port);
    client.write('hello');
    await client.waitClose(2_000);
    const labels = { direction: 'upstream', proxy: 'dropping', listener: proxy.listen, upstream: sink.address };
    await pollFor(async () => {
      const res = await server.http('GET', '/metrics');
      const received = metricValue(res.text, 'toxiproxy_proxy_received_bytes_total', labels);
      const sent = metricValue(res.text, 'toxiproxy_proxy_sent_bytes_total', labels);
      return received === 5 && sent === 3 ? true : undefined;
    }, 'received 5, sent 3');
  });
});
