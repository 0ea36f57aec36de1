/**
 * The 18 scenarios of toxiproxy-node-client's own test suite (spec §11.2), re-expressed in our
 * words and driven through the npm client 4.1.0 against the embedded server. Differences from
 * the original: fixed listen ports come from freePort() instead of 9987/9988 (the exact echo of
 * the given address is still checked), and the duplicate-name cases really assert the 409.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bandwidth, ICreateToxicBody, Latency, Slicer, Slowclose, Timeout } from 'toxiproxy-node-client';
import { removeAllProxies, startServer, type Started } from '../../helpers/toxiproxy-api.js';
import { freePort } from '../../helpers/toxiproxy-net.js';

let server: Started;

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  await server.close();
});

/** The original suite's helper: a proxy on an ephemeral port towards a never-dialled upstream. */
const createProxy = (name: string) => server.client.createProxy({ name, listen: '127.0.0.1:0', upstream: 'localhost:6379' });

/** The client types every toxic body as complete; the original suite sends only type and attributes. */
const toxicBody = <T>(body: { type: string; attributes: T }): ICreateToxicBody<T> => body as unknown as ICreateToxicBody<T>;

describe('Toxiproxy (client suite)', () => {
  beforeAll(async () => removeAllProxies(server.http));

  it('1 creates a proxy and removes it', async () => {
    const proxy = await createProxy('create-test');
    expect(proxy.name).toBe('create-test');
    await proxy.remove();
  });

  it('2 gets a proxy by name', async () => {
    const created = await createProxy('get-test');
    const fetched = await server.client.get('get-test');
    expect(fetched.name).toBe(created.name);
    await created.remove();
  });

  it('3 gets the version', async () => {
    const version = await server.client.getVersion();
    expect(typeof version).toBe('string');
  });

  it('4 resets', async () => {
    await expect(server.client.reset()).resolves.toBeUndefined();
  });

  it('5 populates one proxy and removes what it returned', async () => {
    const proxies = await server.client.populate([{ name: 'get-all-test', listen: '127.0.0.1:0', upstream: 'localhost:6379' }]);
    expect(Object.keys(proxies)).toEqual(['get-all-test']);
    for (const proxy of Object.values(proxies)) await proxy.remove();
  });

  it('6 gets all proxies with their exact listen and upstream', async () => {
    const [first, second] = [await freePort(), await freePort()];
    const wanted = [
      { name: 'get-all-test1', listen: `127.0.0.1:${first}`, upstream: 'localhost:6379' },
      { name: 'get-all-test2', listen: `127.0.0.1:${second}`, upstream: 'localhost:6380' },
    ];
    await server.client.populate(wanted);
    await server.client.getAll();
    const all = await server.client.getAll();
    expect(Object.keys(all)).toHaveLength(2);
    for (const want of wanted) {
      const proxy = all[want.name];
      expect(proxy?.name).toBe(want.name);
      expect(proxy?.listen).toBe(want.listen);
      expect(proxy?.upstream).toBe(want.upstream);
    }
  });
});

describe('Proxy (client suite)', () => {
  beforeAll(async () => removeAllProxies(server.http));

  it('7 disables a proxy, then re-enables it on the same port with a new unresolved upstream', async () => {
    const proxy = await createProxy('update-proxy-test');
    const disabled = await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    expect(disabled.enabled).toBe(false);
    const enabled = await proxy.update({ enabled: true, listen: proxy.listen, upstream: 'somehost:12345' });
    expect(enabled.enabled).toBe(true);
    expect(enabled.upstream).toBe('somehost:12345');
    expect(enabled.listen).toBe(proxy.listen);
    await enabled.remove();
  });

  it('8 removes a proxy', async () => {
    const proxy = await createProxy('remove-proxy-test');
    await proxy.remove();
    await expect(server.client.get('remove-proxy-test')).rejects.toThrow(/status code 404/);
  });

  it('9 rejects creating the same proxy twice with 409', async () => {
    const proxy = await createProxy('duplicate-proxy-test');
    await expect(createProxy('duplicate-proxy-test')).rejects.toThrow('Request failed with status code 409');
    await proxy.remove();
  });
});

describe('Toxic (client suite)', () => {
  beforeAll(async () => removeAllProxies(server.http));

  it('10 creates, reads, updates and removes a toxic', async () => {
    const proxy = await createProxy('crud-toxic-test');
    const toxic = await proxy.addToxic(toxicBody<Latency>({ type: 'latency', attributes: { latency: 1000, jitter: 100 } }));
    expect(toxic.name).toBe('latency_downstream');
    expect(toxic.toxicity).toBe(1);
    expect(toxic.attributes).toEqual({ latency: 1000, jitter: 100 });

    const read = await proxy.getToxic<Latency>(toxic.name);
    expect([read.name, read.type, read.stream, read.toxicity]).toEqual([toxic.name, toxic.type, toxic.stream, toxic.toxicity]);

    const updated = await toxic.update(toxicBody<Latency>({ type: 'latency', attributes: { latency: 12345, jitter: 42 } }));
    expect(updated.attributes).toEqual({ latency: 12345, jitter: 42 });

    await toxic.remove();
    await expect(proxy.getToxic(toxic.name)).rejects.toThrow('Request failed with status code 404');
    await proxy.remove();
  });

  it('11 rejects creating the same toxic twice with 409', async () => {
    const proxy = await createProxy('duplicate-toxic-test');
    const body = toxicBody<Latency>({ type: 'latency', attributes: { latency: 1000, jitter: 100 } });
    await proxy.addToxic(body);
    await expect(proxy.addToxic(body)).rejects.toThrow('Request failed with status code 409');
    await proxy.remove();
  });
});

describe('Toxic types (client suite)', () => {
  beforeAll(async () => removeAllProxies(server.http));

  const cases: { n: number; type: string; attributes: Latency | Bandwidth | Slowclose | Timeout | Slicer | Record<string, number> }[] = [
    { n: 12, type: 'latency', attributes: { latency: 1000, jitter: 100 } },
    { n: 13, type: 'bandwidth', attributes: { rate: 1000 } },
    { n: 14, type: 'slow_close', attributes: { delay: 1000 } },
    { n: 15, type: 'timeout', attributes: { timeout: 5000 } },
    { n: 16, type: 'slicer', attributes: { average_size: 1000, delay: 1000, size_variation: 1000 } },
    { n: 17, type: 'reset_peer', attributes: { timeout: 1000 } },
    { n: 18, type: 'limit_data', attributes: { bytes: 42 } },
  ];

  it.each(cases)('$n adds a $type toxic and echoes its attributes', async ({ type, attributes }) => {
    const proxy = await createProxy(`${type}-type-test`);
    const toxic = await proxy.addToxic(toxicBody({ type, attributes }));
    expect(toxic.type).toBe(type);
    expect(toxic.attributes).toEqual(attributes);
    await proxy.remove();
  });
});
