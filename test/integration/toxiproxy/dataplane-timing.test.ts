/**
 * Toxics whose behaviour IS timing (spec §6.1 latency, §6.2 bandwidth, §6.3 slow_close, §6.6
 * slicer; §8.3 T6 T7 T10; §8.4 items 9, 10, 13, 18). Tolerances are generous for a loaded
 * 2-core machine yet fail when the toxic does nothing. Round trips go through an echo server.
 */
import { describe, expect, it } from 'vitest';
import { addToxic, proxyTo, updateToxic, type Started, useEchoFixture } from '../../helpers/toxiproxy-api.js';
import { dial, median, pattern, pause, roundTrip, startSink, startSource, type Peer, type TcpServer } from '../../helpers/toxiproxy-net.js';

let server: Started;
let echo: TcpServer;
const extra = useEchoFixture((started, echoServer) => {
  server = started;
  echo = echoServer;
});

/** Median of `n` echo round trips of a few bytes. */
async function rtt(client: Peer, n = 5): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) times.push(await roundTrip(client, `ping${i}`));
  return median(times);
}

/** Asserts `actual` ms lies in [target - 3, target + slack]. */
function expectNear(actual: number, target: number, slack = 30): void {
  expect(actual).toBeGreaterThanOrEqual(target - 3);
  expect(actual).toBeLessThanOrEqual(target + slack);
}

describe('latency', () => {
  it.each([
    ['downstream 100', [['downstream', 100]], 100],
    ['upstream 100', [['upstream', 100]], 100],
    ['upstream 100 + downstream 100', [['upstream', 100], ['downstream', 100]], 200],
    ['two stacked downstream 100s', [['downstream', 100], ['downstream', 100]], 200],
  ] as const)('T6 %s adds its delay to a round trip', async (_name, toxics, expected) => {
    const { proxy, port } = await proxyTo(server, 'lat', echo.address);
    let i = 0;
    for (const [stream, latency] of toxics) await addToxic(proxy, { type: 'latency', name: `l${i++}`, stream, attributes: { latency } });
    const client = await dial(port);
    expectNear(await rtt(client), expected, expected === 200 ? 45 : 30);
  });

  it('T6 jitter spreads each round trip uniformly within latency ± jitter', async () => {
    const { proxy, port } = await proxyTo(server, 'jit', echo.address);
    await addToxic(proxy, { type: 'latency', attributes: { latency: 100, jitter: 50 } });
    const client = await dial(port);
    const times: number[] = [];
    for (let i = 0; i < 12; i++) times.push(await roundTrip(client, `j${i}`));
    for (const t of times) expectNear(t, 50, 100 + 30);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(10);
  });

  it('§6.1 jitter never reorders chunks', async () => {
    const { proxy, port } = await proxyTo(server, 'order', echo.address);
    await addToxic(proxy, { type: 'latency', attributes: { latency: 30, jitter: 29 } });
    const client = await dial(port);
    const sent: Buffer[] = [];
    for (let i = 0; i < 60; i++) {
      const chunk = Buffer.from(`<${i}>`);
      sent.push(chunk);
      client.write(chunk);
      await pause(2);
    }
    const all = Buffer.concat(sent);
    expect((await client.waitBytes(all.length, 10_000)).toString()).toBe(all.toString());
  });

  it('§8.4.9 add, update and remove reach an existing connection', async () => {
    const { proxy, port } = await proxyTo(server, 'live', echo.address);
    const client = await dial(port);
    expect(await rtt(client, 3)).toBeLessThan(50);
    const toxic = await addToxic(proxy, { type: 'latency', attributes: { latency: 100 } });
    expectNear(await rtt(client, 3), 100);
    await updateToxic(toxic, { attributes: { latency: 300 } });
    expectNear(await rtt(client, 3), 300);
    await toxic.remove();
    expect(await rtt(client, 3)).toBeLessThan(50);
  });

  it('§8.4.10 removing a latency toxic releases the held data at once', async () => {
    const { proxy, port } = await proxyTo(server, 'flush', echo.address);
    const toxic = await addToxic(proxy, { type: 'latency', attributes: { latency: 5_000 } });
    const accepted = echo.peers.length;
    const client = await dial(port);
    const sent = performance.now();
    client.write('held');
    await (await echo.waitPeers(accepted + 1)).waitBytes(4);
    await toxic.remove();
    await client.waitBytes(4, 2_000);
    expect(performance.now() - sent).toBeLessThan(2_500);
    expect(client.text()).toBe('held');
  });
});

describe('bandwidth', () => {
  it('T7 100 KB/s downstream moves 500 KB in about 5 s (±10%)', async () => {
    const payload = pattern(500_000);
    const source = await startSource(payload);
    extra.push(source);
    const { proxy, port } = await proxyTo(server, 'bw-down', source.address);
    await addToxic(proxy, { type: 'bandwidth', attributes: { rate: 100 } });
    const started = performance.now();
    const client = await dial(port);
    const data = await client.waitBytes(payload.length, 15_000);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(4_500);
    expect(elapsed).toBeLessThanOrEqual(5_500);
    expect(data.equals(payload)).toBe(true);
  });

  it('T7 50 KB/s upstream moves 100 KB in about 2 s (±10%)', async () => {
    const sink = await startSink();
    extra.push(sink);
    const { proxy, port } = await proxyTo(server, 'bw-up', sink.address);
    await addToxic(proxy, { type: 'bandwidth', stream: 'upstream', attributes: { rate: 50 } });
    const client = await dial(port);
    const peer = await sink.waitPeers(1);
    const payload = pattern(100_000, 7);
    const started = performance.now();
    client.write(payload);
    const data = await peer.waitBytes(payload.length, 10_000);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1_800);
    expect(elapsed).toBeLessThanOrEqual(2_200);
    expect(data.equals(payload)).toBe(true);
  });

  it('§8.4.13 rate 0 stalls the stream; removing the toxic lets the data through', async () => {
    const { proxy, port } = await proxyTo(server, 'bw-zero', echo.address);
    const toxic = await addToxic(proxy, { type: 'bandwidth', attributes: { rate: 0 } });
    const accepted = echo.peers.length;
    const client = await dial(port);
    client.write('stalled');
    await (await echo.waitPeers(accepted + 1)).waitBytes(7);
    await pause(500);
    expect(client.received).toBe(0);
    await toxic.remove();
    expect((await client.waitBytes(7, 2_000)).toString()).toBe('stalled');
  });
});

describe('slicer', () => {
  it('T10 average 1, variation 0 cuts 24 bytes into 24 pieces, each followed by the delay', async () => {
    const sink = await startSink();
    extra.push(sink);
    const { proxy, port } = await proxyTo(server, 'slice', sink.address);
    await addToxic(proxy, { type: 'slicer', stream: 'upstream', attributes: { average_size: 1, size_variation: 0, delay: 20_000 } });
    const client = await dial(port);
    const peer = await sink.waitPeers(1);
    const payload = Buffer.from('abcdefghijklmnopqrstuvwx');
    const started = performance.now();
    client.write(payload);
    const data = await peer.waitBytes(24, 5_000);
    const elapsed = performance.now() - started;
    expect(data.equals(payload)).toBe(true);
    // 23 delays of 20 ms at least between the first and the last piece; TCP may coalesce pieces, so count is a lower bound.
    expect(elapsed).toBeGreaterThanOrEqual(23 * 20 - 20);
    expect(elapsed).toBeLessThan(24 * 20 + 2_000);
    expect(peer.chunks.length).toBeGreaterThanOrEqual(12);
  });

  it('T10 480,000 bytes with 1024/512/10 µs arrive byte-exact in many pieces', async () => {
    const sink = await startSink();
    extra.push(sink);
    const { proxy, port } = await proxyTo(server, 'slice-big', sink.address);
    await addToxic(proxy, { type: 'slicer', stream: 'upstream', attributes: { average_size: 1024, size_variation: 512, delay: 10 } });
    const client = await dial(port);
    const peer = await sink.waitPeers(1);
    const payload = pattern(480_000, 3);
    client.write(payload);
    expect((await peer.waitBytes(payload.length, 20_000)).equals(payload)).toBe(true);
  });
});

describe('slow_close', () => {
  it('§8.4.18 data passes at once; only the FIN is delayed', async () => {
    const { proxy, port } = await proxyTo(server, 'slow', echo.address);
    await addToxic(proxy, { type: 'slow_close', attributes: { delay: 600 } });
    const client = await dial(port);
    expect(await rtt(client, 3)).toBeLessThan(200);
    const upstreamPeer = echo.peers.at(-1) as Peer;
    const closing = performance.now();
    upstreamPeer.socket.end();
    await client.waitClose(5_000);
    const finAfter = (client.endedAt ?? client.closedAt ?? Number.NaN) - closing;
    expect(finAfter).toBeGreaterThanOrEqual(600 - 10);
    expect(finAfter).toBeLessThan(600 + 1_000);
  });
});
