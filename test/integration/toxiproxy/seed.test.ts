/**
 * `seed` makes random choices reproducible (issue 3; Toxiproxy's own -seed is a no-op, its #274).
 * Two servers with the same seed, driven by the same sequence of calls, must decide toxicity
 * and slicer cuts identically; a server with another seed must not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addToxic, proxyTo, startServer, type Started } from '../../helpers/toxiproxy-api.js';
import { dial, pattern, startEcho, startSink, type TcpServer } from '../../helpers/toxiproxy-net.js';

let first: Started;
let twin: Started;
let other: Started;
let echo: TcpServer;
let sink: TcpServer;

beforeAll(async () => {
  first = await startServer(42);
  twin = await startServer(42);
  other = await startServer(7);
  echo = await startEcho();
  sink = await startSink();
});
afterAll(async () => {
  for (const server of [first, twin, other]) await server.close();
  await echo.close();
  await sink.close();
});

/**
 * 40 connections, one at a time, through a downstream limit_data 0 toxic with toxicity 0.5:
 * '1' when the toxic applied (closed without the echo), '0' when the echo came back.
 */
async function toxicityPattern(server: Started): Promise<string> {
  const { proxy, port } = await proxyTo(server, 'coin', echo.address);
  await addToxic(proxy, { type: 'limit_data', name: 'coin', toxicity: 0.5, attributes: { bytes: 0 } });
  let bits = '';
  for (let i = 0; i < 40; i++) {
    const client = await dial(port);
    client.write('?');
    await client.until(() => client.received > 0 || client.isClosed, 'echo or close', 5_000);
    bits += client.received > 0 ? '0' : '1';
    client.destroy();
    await client.waitClose();
  }
  await proxy.remove();
  return bits;
}

/** Three 300-byte messages through a slicer with a 30 ms pause after each piece: the piece sizes seen by a sink. */
async function slicerPieces(server: Started): Promise<number[][]> {
  const { proxy, port } = await proxyTo(server, 'cuts', sink.address);
  await addToxic(proxy, { type: 'slicer', stream: 'upstream', attributes: { average_size: 40, size_variation: 30, delay: 30_000 } });
  const accepted = sink.peers.length;
  const client = await dial(port);
  const peer = await sink.waitPeers(accepted + 1);
  const pieces: number[][] = [];
  for (let m = 0; m < 3; m++) {
    const before = peer.chunks.length;
    client.write(pattern(300, m));
    await peer.waitBytes(300 * (m + 1), 10_000);
    pieces.push(peer.chunks.slice(before).map((c) => c.length));
  }
  client.destroy();
  await proxy.remove();
  return pieces;
}

describe('seeded randomness', () => {
  it('the same seed gives the same toxicity decisions per connection; another seed does not', async () => {
    const a = await toxicityPattern(first);
    const b = await toxicityPattern(twin);
    const c = await toxicityPattern(other);
    expect(a).toMatch(/0/);
    expect(a).toMatch(/1/);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });

  it('the same seed cuts slicer pieces identically; another seed does not', async () => {
    const a = await slicerPieces(first);
    const b = await slicerPieces(twin);
    const c = await slicerPieces(other);
    for (const message of a) {
      expect(message.length).toBeGreaterThan(3);
      for (const size of message) expect(size).toBeLessThanOrEqual(70);
    }
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });
});
