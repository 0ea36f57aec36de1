import { describe, expect, it } from 'vitest';
import { addToxic, metricValue, proxyTo, type Started, useEchoFixture } from '../../helpers/toxiproxy-api.js';
import { dial, pause, pollFor, startSink, type Peer, type TcpServer } from '../../helpers/toxiproxy-net.js';

// Behaviours found in review, each pinned so it cannot come back.
let server: Started;
let echo: TcpServer;
const extra = useEchoFixture((started, echoServer) => {
  server = started;
  echo = echoServer;
});

describe('review regressions', () => {
  it('names a toxic sent with "name": "" (as Go clients send it) <type>_<stream>', async () => {
    await proxyTo(server, 'unnamed', `127.0.0.1:${echo.port}`);
    const res = await server.http('POST', '/proxies/unnamed/toxics', { name: '', type: 'latency', stream: 'upstream' });
    expect(res.status).toBe(200);
    expect(res.json.name).toBe('latency_upstream');
    const second = await server.http('POST', '/proxies/unnamed/toxics', { name: '', type: 'bandwidth' });
    expect(second.json.name).toBe('bandwidth_downstream');
  });

  it('timeout passes the client close on: the upstream connection closes too', async () => {
    const sink = await startSink();
    extra.push(sink);
    const { proxy, port } = await proxyTo(server, 'timeout-eof', `127.0.0.1:${sink.port}`);
    await addToxic(proxy, { type: 'timeout', stream: 'upstream', attributes: { timeout: 0 } });
    const client = await dial(port);
    const upstream: Peer = await pollFor(() => sink.peers[0], 'the upstream connection');
    client.write('swallowed');
    client.socket.end();
    await upstream.waitClose(5_000);
  });

  it('reset_peer still resets when it is removed during its wait (the first chunk was already dropped)', async () => {
    const { proxy, port } = await proxyTo(server, 'reset-removed', `127.0.0.1:${echo.port}`);
    const toxic = await addToxic(proxy, { type: 'reset_peer', stream: 'upstream', attributes: { timeout: 5_000 } });
    const client = await dial(port);
    client.write('AAAA');
    // Let the toxic take the chunk before it is removed (pacing, not synchronisation: the
    // outcome is the same whether or not the chunk was taken by then).
    await pause(100);
    await toxic.remove();
    // Without the reset the connection would stay open with a silent gap: waitClose times out.
    await client.waitClose(5_000);
    expect(client.data().toString()).not.toContain('AAAA');
  });

  it('back-pressure reaches a client uploading into a slow toxic: the proxy does not read the whole upload', async () => {
    const sink = await startSink();
    extra.push(sink);
    const { proxy, port } = await proxyTo(server, 'slow-upload', `127.0.0.1:${sink.port}`);
    await addToxic(proxy, { type: 'bandwidth', stream: 'upstream', attributes: { rate: 1 } });
    const client = await dial(port);
    const chunk = Buffer.alloc(64 * 1024, 7);
    for (let i = 0; i < 512; i++) client.socket.write(chunk); // 32 MiB queued on the client side
    const labels = { direction: 'upstream', proxy: 'slow-upload', listener: proxy.listen, upstream: `127.0.0.1:${sink.port}` };
    const received = async (): Promise<number> => metricValue((await server.http('GET', '/metrics')).text, 'toxiproxy_proxy_received_bytes_total', labels) ?? 0;
    await pollFor(async () => ((await received()) >= 1024 * 1024 ? true : undefined), 'the proxy to fill its 1 MiB buffer');
    await pause(500); // a window in which an unbounded proxy would keep reading megabytes
    expect(await received()).toBeLessThan(3 * 1024 * 1024);
    client.destroy();
  });

  it('populate keeps the old proxy (stopped) when its replacement cannot bind, as Toxiproxy does', async () => {
    const { proxy: blocker } = await proxyTo(server, 'blocker', `127.0.0.1:${echo.port}`);
    await proxyTo(server, 'keep', `127.0.0.1:${echo.port}`);
    const res = await server.http('POST', '/populate', [{ name: 'keep', listen: blocker.listen, upstream: `127.0.0.1:${echo.port}` }]);
    expect(res.status).toBe(500);
    expect(res.json.error).toMatch(/address already in use/);
    expect(res.json.proxies).toEqual([]);
    const kept = await server.http('GET', '/proxies/keep');
    expect(kept.status).toBe(200);
    expect(kept.json.enabled).toBe(false);
  });
});
