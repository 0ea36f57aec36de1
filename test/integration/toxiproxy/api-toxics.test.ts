/**
 * Toxiproxy HTTP API conformance, toxics side (spec §2.2, §3, §1.5, §8.1 A18–A27 and A29, §8.4
 * items 1, 3, 4, 5, and our §9 400s for degenerate attributes). Raw HTTP: the client has no list
 * or PATCH call and discards error bodies.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { removeAllProxies, startServer, type HttpResult, type Started, expectError } from '../../helpers/toxiproxy-api.js';

let server: Started;
const TOXIC_KEYS = ['attributes', 'name', 'type', 'stream', 'toxicity'];

beforeAll(async () => {
  server = await startServer();
});
beforeEach(async () => {
  const res = await server.http('POST', '/proxies', { name: 'p', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
  expect(res.status).toBe(201);
});
afterEach(async () => removeAllProxies(server.http));
afterAll(async () => server.close());

const http = (method: string, path: string, body?: unknown, raw?: string): Promise<HttpResult> => server.http(method, path, body, raw === undefined ? {} : { raw });
const add = (body: unknown, proxy = 'p'): Promise<HttpResult> => http('POST', `/proxies/${proxy}/toxics`, body);
const addRaw = (raw: string, proxy = 'p'): Promise<HttpResult> => http('POST', `/proxies/${proxy}/toxics`, undefined, raw);
const list = async (): Promise<any[]> => (await http('GET', '/proxies/p/toxics')).json;
const INVALID_STREAM = 'stream was invalid, can be either upstream or downstream';

describe('toxic CRUD', () => {
  it('A18 a new proxy has an empty toxic list', async () => {
    const res = await http('GET', '/proxies/p/toxics');
    expect(res.status).toBe(200);
    expect(res.text.trim()).toBe('[]');
    expect((await http('GET', '/proxies/p')).json.toxics).toEqual([]);
  });

  it('A19/§8.4.1 create answers 200 with the full toxic, integers as JSON numbers, in field order', async () => {
    const res = await add({ name: 'lat', type: 'latency', stream: 'upstream', attributes: { latency: 100 } });
    expect(res.status).toBe(200);
    const expected = { attributes: { latency: 100, jitter: 0 }, name: 'lat', type: 'latency', stream: 'upstream', toxicity: 1 };
    expect(res.json).toEqual(expected);
    expect(Object.keys(res.json)).toEqual(TOXIC_KEYS);
    expect(res.text).toMatch(/"latency":\s*100\b/);
    const read = await http('GET', '/proxies/p/toxics/lat');
    expect(read.json).toEqual(expected);
    expect(Object.keys(read.json)).toEqual(TOXIC_KEYS);
    expect((await http('GET', '/proxies/p')).json.toxics).toEqual([expected]);
  });

  it('A20 two toxics of one type with different names are both listed; omitted attributes read 0', async () => {
    await add({ name: 'a', type: 'latency', attributes: { latency: 5 } });
    await add({ name: 'b', type: 'latency', attributes: { jitter: 7 } });
    expect((await list()).map((t) => [t.name, t.attributes])).toEqual([
      ['a', { latency: 5, jitter: 0 }],
      ['b', { latency: 0, jitter: 7 }],
    ]);
  });

  it('A21/A22 a duplicate name gives 409 in the same and in the other stream; the original is unchanged', async () => {
    const original = (await add({ name: 'x', type: 'latency', stream: 'upstream', attributes: { latency: 1 } })).json;
    expectError(await add({ name: 'x', type: 'latency', stream: 'upstream', attributes: { latency: 2 } }), 409, 'toxic already exists');
    expectError(await add({ name: 'x', type: 'bandwidth', stream: 'downstream', attributes: { rate: 2 } }), 409, 'toxic already exists');
    expect((await http('GET', '/proxies/p/toxics/x')).json).toEqual(original);
    expect(await list()).toHaveLength(1);
  });

  it('A23 default names latency_upstream and latency_downstream coexist; the name uses the stream as sent', async () => {
    expect((await add({ type: 'latency', stream: 'upstream' })).json.name).toBe('latency_upstream');
    expect((await add({ type: 'latency', stream: 'downstream' })).json.name).toBe('latency_downstream');
    const mixed = await add({ type: 'bandwidth', stream: 'UpStream' });
    expect(mixed.status).toBe(200);
    expect(mixed.json).toMatchObject({ name: 'bandwidth_UpStream', stream: 'UpStream' });
  });

  it.each([0.2, 0, 1.5])('A24 toxicity %s is stored and echoed', async (toxicity) => {
    expect((await add({ type: 'latency', toxicity })).json.toxicity).toBe(toxicity);
    expect((await list())[0].toxicity).toBe(toxicity);
  });

  it('A25 noop without stream is downstream, toxicity 1, empty attributes', async () => {
    const res = await add({ type: 'noop' });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ attributes: {}, name: 'noop_downstream', type: 'noop', stream: 'downstream', toxicity: 1 });
  });

  it('A26 update merges attributes, keeps toxicity unless sent, ignores name/type/stream; POST works as PATCH', async () => {
    await add({ name: 'u', type: 'latency', stream: 'upstream', toxicity: 0.5, attributes: { latency: 100, jitter: 20 } });
    const patched = await http('PATCH', '/proxies/p/toxics/u', { name: 'renamed', type: 'bandwidth', stream: 'downstream', attributes: { latency: 200 } });
    expect(patched.status).toBe(200);
    expect(patched.json).toEqual({ attributes: { latency: 200, jitter: 20 }, name: 'u', type: 'latency', stream: 'upstream', toxicity: 0.5 });
    const posted = await http('POST', '/proxies/p/toxics/u', { toxicity: 0.7 });
    expect(posted.json).toEqual({ attributes: { latency: 200, jitter: 20 }, name: 'u', type: 'latency', stream: 'upstream', toxicity: 0.7 });
    expect(await list()).toEqual([posted.json]);
  });

  it('A27 delete gives 204; the toxic is gone from list and GET', async () => {
    await add({ name: 'd', type: 'noop' });
    const res = await http('DELETE', '/proxies/p/toxics/d');
    expect([res.status, res.text]).toEqual([204, '']);
    expect(await list()).toEqual([]);
    expectError(await http('GET', '/proxies/p/toxics/d'), 404, 'toxic not found');
    expectError(await http('DELETE', '/proxies/p/toxics/d'), 404, 'toxic not found');
    expectError(await http('PATCH', '/proxies/p/toxics/d', { toxicity: 1 }), 404, 'toxic not found');
  });

  it.each([
    ['GET', '/proxies/none/toxics'],
    ['POST', '/proxies/none/toxics'],
    ['GET', '/proxies/none/toxics/t'],
    ['PATCH', '/proxies/none/toxics/t'],
    ['DELETE', '/proxies/none/toxics/t'],
  ])('§1.4 %s %s on an unknown proxy gives 404 proxy not found', async (method, path) => {
    expectError(await http(method, path, method === 'GET' || method === 'DELETE' ? undefined : { type: 'noop' }), 404, 'proxy not found');
  });

  it('§1.6 toxics are listed upstream first, each direction in insertion order', async () => {
    for (const [name, stream] of [['d1', 'downstream'], ['u1', 'upstream'], ['d2', 'downstream'], ['u2', 'upstream']]) {
      expect((await add({ name, stream, type: 'noop' })).status).toBe(200);
    }
    expect((await list()).map((t) => t.name)).toEqual(['u1', 'u2', 'd1', 'd2']);
    expect((await http('GET', '/proxies/p')).json.toxics.map((t: any) => t.name)).toEqual(['u1', 'u2', 'd1', 'd2']);
    for (const toxic of await list()) expect(Object.keys(toxic)).toEqual(TOXIC_KEYS);
  });
});

describe('toxic types and validation', () => {
  it.each([
    ['latency', {}, { latency: 0, jitter: 0 }],
    ['bandwidth', {}, { rate: 0 }],
    ['slow_close', {}, { delay: 0 }],
    ['timeout', {}, { timeout: 0 }],
    ['reset_peer', {}, { timeout: 0 }],
    ['slicer', { average_size: 10 }, { average_size: 10, size_variation: 0, delay: 0 }],
    ['limit_data', {}, { bytes: 0 }],
    ['noop', {}, {}],
    ['latency', { latency: 5, bogus: 1 }, { latency: 5, jitter: 0 }],
  ])('§2.2 %s with %j echoes every attribute of its type: %j', async (type, attributes, echoed) => {
    const res = await add({ type, attributes });
    expect(res.status, res.text).toBe(200);
    expect(res.json.attributes).toEqual(echoed);
  });

  it('A29/§8.4.3 an invalid or empty stream gives 400', async () => {
    expectError(await add({ type: 'latency', stream: 'walrustream' }), 400, INVALID_STREAM);
    expectError(await add({ type: 'latency', stream: '' }), 400, INVALID_STREAM);
  });

  it.each(['bogus', 'down', ''])('§1.4 type %j gives 400 invalid toxic type', async (type) => {
    expectError(await add({ type }), 400, 'invalid toxic type');
  });

  it('§8.4.5 create checks in order: proxy, body, stream, type, name, attributes', async () => {
    await add({ name: 'taken', type: 'latency', stream: 'upstream' });
    expectError(await addRaw('{', 'nope'), 404, 'proxy not found');
    expectError(await addRaw('{"stream":"sideways"'), 400, /^bad request body/);
    expectError(await add({ type: 'bogus', stream: 'sideways' }), 400, INVALID_STREAM);
    expectError(await add({ name: 'taken', type: 'bogus' }), 400, 'invalid toxic type');
    expectError(await add({ name: 'taken', type: 'latency', attributes: { latency: 1.5 } }), 409, 'toxic already exists');
    expectError(await add({ name: 'fresh', type: 'latency', attributes: { latency: 1.5 } }), 400, /^bad request body/);
    expect((await add({ type: 'latency', stream: 'upstream' })).status).toBe(200);
    expectError(await add({ type: 'latency', stream: 'upstream' }), 409, 'toxic already exists');
  });

  it('§1.5 keys match case-insensitively; unknown fields are ignored', async () => {
    const res = await add({ Name: 'ci', Type: 'latency', STREAM: 'upstream', Toxicity: 0.5, Attributes: { Latency: 5, JITTER: 2 }, enabled: true, rate: 9 });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({ attributes: { latency: 5, jitter: 2 }, name: 'ci', type: 'latency', stream: 'upstream', toxicity: 0.5 });
    const flat = await add({ type: 'bandwidth', rate: 100 });
    expect(flat.json.attributes).toEqual({ rate: 0 });
  });

  it.each([
    ['a fraction', '{"type":"latency","attributes":{"latency":1.5}}'],
    ['an exponent', '{"type":"latency","attributes":{"latency":1e3}}'],
    ['a string', '{"type":"latency","attributes":{"latency":"100"}}'],
    ['a string toxicity', '{"type":"latency","toxicity":"1"}'],
    ['attributes as an array', '{"type":"latency","attributes":[1]}'],
    ['malformed JSON', '{"type":'],
    ['an empty body', ''],
  ])('§1.5 %s gives 400 bad request body', async (_what, raw) => {
    expectError(await addRaw(raw), 400, /^bad request body/);
    expect(await list()).toEqual([]);
  });

  it('§1.5 trailing bytes are ignored; null attributes and toxicity keep the defaults', async () => {
    const trailing = await addRaw('{"type":"noop","name":"t"} and more');
    expect(trailing.status, trailing.text).toBe(200);
    const nulls = await addRaw('{"type":"latency","attributes":null,"toxicity":null}');
    expect(nulls.json).toMatchObject({ attributes: { latency: 0, jitter: 0 }, toxicity: 1 });
    const update = await http('PATCH', '/proxies/p/toxics/latency_downstream', undefined, '{"attributes":null,"toxicity":null}');
    expect(update.json).toMatchObject({ attributes: { latency: 0, jitter: 0 }, toxicity: 1 });
  });

  it.each([
    ['latency', { latency: -1 }, 'latency'],
    ['latency', { latency: 10, jitter: -1 }, 'jitter'],
    ['bandwidth', { rate: -1 }, 'rate'],
    ['slicer', { average_size: 0 }, 'average_size'],
    ['slicer', { average_size: -5 }, 'average_size'],
    ['slicer', { average_size: 10, size_variation: -1 }, 'size_variation'],
    ['slicer', { average_size: 10, delay: -1 }, 'delay'],
    ['slow_close', { delay: -1 }, 'delay'],
    ['timeout', { timeout: -1 }, 'timeout'],
    ['reset_peer', { timeout: -1 }, 'timeout'],
    ['limit_data', { bytes: -1 }, 'bytes'],
  ])('§9 %s %j gives 400 naming %s', async (type, attributes, field) => {
    expectError(await add({ type, attributes }), 400, new RegExp(field));
    expect(await list()).toEqual([]);
  });

  it('§9 an update to a degenerate value gives 400 and leaves the toxic unchanged', async () => {
    const original = (await add({ name: 's', type: 'slicer', attributes: { average_size: 10 } })).json;
    expectError(await http('PATCH', '/proxies/p/toxics/s', { attributes: { average_size: 0 } }), 400, /average_size/);
    expect((await http('GET', '/proxies/p/toxics/s')).json).toEqual(original);
  });
});
