/**
 * Toxiproxy HTTP API conformance, proxies side (spec §1, §3, §4, §8.1 A1–A17 and A28, §8.2 P3–P9,
 * §8.4 items 2, 6, 7 and 16). Raw HTTP throughout: status codes, exact bodies and headers.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../../src/version.js';
import { removeAllProxies, startServer, type HttpResult, type Started, expectError } from '../../helpers/toxiproxy-api.js';
import { dial, freePort, portOf, refuses, roundTrip, startEcho, startSink, type TcpServer } from '../../helpers/toxiproxy-net.js';

let server: Started;
let echo: TcpServer;
const PROXY_KEYS = ['name', 'listen', 'upstream', 'enabled', 'toxics'];

beforeAll(async () => {
  server = await startServer();
  echo = await startEcho();
});
afterEach(async () => removeAllProxies(server.http));
afterAll(async () => {
  await server.close();
  await echo.close();
});

const http = (method: string, path: string, body?: unknown, raw?: string): Promise<HttpResult> => server.http(method, path, body, raw === undefined ? {} : { raw });
const create = async (name: string, extra: Record<string, unknown> = {}): Promise<any> => {
  const res = await http('POST', '/proxies', { name, listen: '127.0.0.1:0', upstream: echo.address, ...extra });
  expect(res.status, res.text).toBe(201);
  return res.json;
};

describe('conventions', () => {
  it('A3 a fresh server lists no proxies', async () => {
    const res = await http('GET', '/proxies');
    expect(res.status).toBe(200);
    expect(res.text.trim()).toBe('{}');
  });

  it.each([
    ['GET', '/proxies', 200],
    ['POST', '/proxies', 400],
    ['GET', '/proxies/missing', 404],
    ['GET', '/version', 200],
    ['POST', '/reset', 204],
  ])('A1 %s %s (%i) carries X-Toxiproxy-Request-Id', async (method, path, status) => {
    const res = await http(method, path, method === 'POST' && path === '/proxies' ? {} : undefined);
    expect(res.status).toBe(status);
    expect(res.headers['x-toxiproxy-request-id']).toEqual(expect.stringMatching(/.+/));
  });

  it('A2 a Mozilla user agent gets 403 in plain text; Wget does not', async () => {
    const browser = await server.http('GET', '/proxies', undefined, { headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)' } });
    expect(browser.status).toBe(403);
    expect(browser.text.trim()).toBe('User agent not allowed');
    expect(String(browser.headers['content-type'])).toMatch(/^text\/plain/);
    const wget = await server.http('GET', '/proxies', undefined, { headers: { 'user-agent': 'Wget/2.1' } });
    expect(wget.status).toBe(200);
  });

  it('A28 /version is exactly {"version": "<v>"} and a newline, as JSON', async () => {
    const res = await http('GET', '/version');
    expect(res.status).toBe(200);
    expect(res.text).toBe(`{"version": "${VERSION}"}\n`);
    expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
  });

  it.each(['/nope', '/proxies/a/toxics/b/c', '/proxies/a/extra'])('§8.4.16 unknown route %s is 404 plain text', async (path) => {
    const res = await http('GET', path);
    expect(res.status).toBe(404);
    expect(res.text.trim()).toBe('404 page not found');
  });

  it.each([
    ['PUT', '/proxies'],
    ['DELETE', '/reset'],
    ['GET', '/reset'],
    ['GET', '/populate'],
    ['PUT', '/proxies/x/toxics'],
  ])('§8.4.16 %s %s is 405 with an empty body', async (method, path) => {
    const res = await http(method, path);
    expect(res.status).toBe(405);
    expect(res.text).toBe('');
  });

  it('§1.6 proxy JSON keeps the field order and GET /proxies sorts its keys', async () => {
    for (const name of ['zeta', 'alpha', 'Mid', 'beta']) await create(name);
    const one = await http('GET', '/proxies/alpha');
    expect(Object.keys(one.json)).toEqual(PROXY_KEYS);
    const all = await http('GET', '/proxies');
    expect(Object.keys(all.json)).toEqual(['Mid', 'alpha', 'beta', 'zeta']);
    for (const proxy of Object.values(all.json)) expect(Object.keys(proxy as object)).toEqual(PROXY_KEYS);
  });
});

describe('create, read, delete', () => {
  it('A4 create without name or upstream gives 400 with the exact message', async () => {
    expectError(await http('POST', '/proxies', { upstream: echo.address }), 400, 'missing required field: name');
    expectError(await http('POST', '/proxies', { name: 'no-upstream' }), 400, 'missing required field: upstream');
  });

  it('A12 localhost listen is resolved; upstream verbatim; enabled; no toxics', async () => {
    const port = await freePort();
    const res = await http('POST', '/proxies', { name: 'redis', listen: `localhost:${port}`, upstream: 'localhost:6379' });
    expect(res.status).toBe(201);
    const expected = { name: 'redis', listen: `127.0.0.1:${port}`, upstream: 'localhost:6379', enabled: true, toxics: [] };
    expect(res.json).toEqual(expected);
    expect(Object.keys(res.json)).toEqual(PROXY_KEYS);
    expect((await http('GET', '/proxies/redis')).json).toEqual(expected);
    expect((await http('GET', '/proxies')).json).toEqual({ redis: expected });
    expect(await refuses(port)).toBe(false);
  });

  it('A13 a disabled proxy echoes its unresolved listen and does not listen; enabling and disabling follow', async () => {
    const port = await freePort();
    const res = await http('POST', '/proxies', { name: 'off', listen: `localhost:${port}`, upstream: echo.address, enabled: false });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ listen: `localhost:${port}`, enabled: false });
    expect(await refuses(port)).toBe(true);
    const on = await http('PATCH', '/proxies/off', { enabled: true });
    expect(on.json).toMatchObject({ listen: `127.0.0.1:${port}`, enabled: true });
    expect(await refuses(port)).toBe(false);
    expect((await http('PATCH', '/proxies/off', { enabled: false })).json.enabled).toBe(false);
    expect(await refuses(port)).toBe(true);
  });

  it('A14 delete gives 204 with no body, stops the listener, and a second delete is 404', async () => {
    const port = portOf((await create('gone')).listen);
    const res = await http('DELETE', '/proxies/gone');
    expect([res.status, res.text]).toEqual([204, '']);
    expect(await refuses(port)).toBe(true);
    expectError(await http('DELETE', '/proxies/gone'), 404, 'proxy not found');
    expectError(await http('GET', '/proxies/gone'), 404, 'proxy not found');
  });

  it('A15/P4 a listen address in use gives 500 with the bind error; it works once the port is free', async () => {
    const first = await create('first');
    const res = await http('POST', '/proxies', { name: 'second', listen: first.listen, upstream: echo.address });
    expectError(res, 500, /address already in use/);
    expect((await http('GET', '/proxies/second')).status).toBe(404);
    await http('DELETE', '/proxies/first');
    expect((await http('POST', '/proxies', { name: 'second', listen: first.listen, upstream: echo.address })).status).toBe(201);
  });

  it('A16/P9 a duplicate name gives 409; after delete the name is free', async () => {
    await create('dup');
    expectError(await http('POST', '/proxies', { name: 'dup', listen: '127.0.0.1:0', upstream: echo.address }), 409, 'proxy already exists');
    await http('DELETE', '/proxies/dup');
    await create('dup');
  });

  it.each([
    ['malformed JSON', '{'],
    ['an empty body', ''],
    ['a JSON array', '[]'],
    ['a number for name', '{"name":5,"upstream":"127.0.0.1:1"}'],
    ['a string for enabled', '{"name":"e","upstream":"127.0.0.1:1","enabled":"yes"}'],
  ])('§1.4 %s gives 400 bad request body', async (_what, raw) => {
    expectError(await http('POST', '/proxies', undefined, raw), 400, /^bad request body/);
  });

  it('§1.5 keys match case-insensitively, unknown fields and trailing bytes are ignored', async () => {
    const upper = await http('POST', '/proxies', { NAME: 'ci', Upstream: echo.address, LISTEN: '127.0.0.1:0', colour: 'red', toxics: [{ type: 'latency' }] });
    expect(upper.status, upper.text).toBe(201);
    expect(upper.json).toMatchObject({ name: 'ci', upstream: echo.address, enabled: true, toxics: [] });
    const trailing = await http('POST', '/proxies', undefined, `{"name":"tb","upstream":"${echo.address}","listen":"127.0.0.1:0"} trailing`);
    expect(trailing.status, trailing.text).toBe(201);
  });
});

describe('update', () => {
  it('P7 listen port 0 again moves the proxy to a new port and drops its connections', async () => {
    const before = await create('mover');
    const client = await dial(portOf(before.listen));
    await roundTrip(client, 'hi');
    const moved = await http('PATCH', '/proxies/mover', { listen: '127.0.0.1:0' });
    expect(moved.status).toBe(200);
    expect(moved.json.listen).not.toBe(before.listen);
    await client.waitClose();
    expect(await refuses(portOf(before.listen))).toBe(true);
    await roundTrip(await dial(portOf(moved.json.listen)), 'there');
  });

  it('P8 the same address by hostname keeps the listener and live connections', async () => {
    const before = await create('stay');
    const port = portOf(before.listen);
    const client = await dial(port);
    await roundTrip(client, 'one');
    const same = await http('PATCH', '/proxies/stay', { listen: `localhost:${port}` });
    expect(same.json).toMatchObject({ listen: `127.0.0.1:${port}`, enabled: true });
    await roundTrip(client, 'two');
    expect(client.isClosed).toBe(false);
  });

  it('§4.3 changing only the upstream restarts: live connections drop, new ones go to the new upstream', async () => {
    const sink = await startSink();
    const before = await create('switch');
    const client = await dial(portOf(before.listen));
    await roundTrip(client, 'x');
    const res = await http('PATCH', '/proxies/switch', { upstream: sink.address });
    expect(res.json).toMatchObject({ listen: before.listen, upstream: sink.address, enabled: true });
    await client.waitClose();
    const next = await dial(portOf(before.listen));
    next.write('to-sink');
    await (await sink.waitPeers(1)).waitBytes(7);
    await sink.close();
  });

  it('§4.3 POST works like PATCH; missing fields keep their values; name is never changed', async () => {
    const before = await create('upd');
    const posted = await http('POST', '/proxies/upd', { enabled: false });
    expect(posted.status).toBe(200);
    expect(posted.json).toMatchObject({ name: 'upd', enabled: false, upstream: echo.address });
    const renamed = await http('PATCH', '/proxies/upd', { name: 'other', enabled: true });
    expect(renamed.json).toMatchObject({ name: 'upd', listen: before.listen, enabled: true });
    expect((await http('GET', '/proxies/other')).status).toBe(404);
    expectError(await http('PATCH', '/proxies/nobody', { enabled: true }), 404, 'proxy not found');
    expectError(await http('PATCH', '/proxies/upd', undefined, '{"enabled":'), 400, /^bad request body/);
  });

  it('P3/P5 disabling twice and enabling twice are harmless; disabled means refused', async () => {
    const port = portOf((await create('idem')).listen);
    for (const enabled of [false, false]) expect((await http('PATCH', '/proxies/idem', { enabled })).json.enabled).toBe(false);
    expect(await refuses(port)).toBe(true);
    for (const enabled of [true, true]) expect((await http('PATCH', '/proxies/idem', { enabled })).json).toMatchObject({ enabled: true, listen: `127.0.0.1:${port}` });
    expect(await refuses(port)).toBe(false);
  });

  it('§4.3/P6 an update to a taken port gives 500, stores the values disabled, and starts once the port is free', async () => {
    const blocker = await create('blocker');
    await create('victim');
    expectError(await http('PATCH', '/proxies/victim', { listen: blocker.listen }), 500, /address already in use/);
    expect((await http('GET', '/proxies/victim')).json).toMatchObject({ listen: blocker.listen, enabled: false });
    await http('DELETE', '/proxies/blocker');
    expect((await http('PATCH', '/proxies/victim', { enabled: true })).json).toMatchObject({ listen: blocker.listen, enabled: true });
    expect(await refuses(portOf(blocker.listen))).toBe(false);
  });
});

describe('reset', () => {
  it('A17/§4.4 reset removes all toxics, re-enables disabled proxies, keeps proxies and live connections', async () => {
    const live = await create('live');
    const port = await freePort();
    await http('POST', '/proxies', { name: 'sleeping', listen: `127.0.0.1:${port}`, upstream: echo.address, enabled: false });
    expect((await http('POST', '/proxies/live/toxics', { type: 'noop', stream: 'upstream' })).status).toBe(200);
    expect((await http('POST', '/proxies/sleeping/toxics', { type: 'latency', attributes: { latency: 10 } })).status).toBe(200);
    const client = await dial(portOf(live.listen));
    await roundTrip(client, 'before');

    const res = await http('POST', '/reset');
    expect([res.status, res.text]).toEqual([204, '']);
    const all = (await http('GET', '/proxies')).json;
    expect(all.live).toMatchObject({ enabled: true, toxics: [] });
    expect(all.sleeping).toMatchObject({ enabled: true, listen: `127.0.0.1:${port}`, toxics: [] });
    expect(await refuses(port)).toBe(false);
    await roundTrip(client, 'after');
    expect(client.isClosed).toBe(false);
  });
});

describe('populate', () => {
  const item = (name: string, listen = '127.0.0.1:0', extra: Record<string, unknown> = {}) => ({ name, listen, upstream: echo.address, ...extra });

  it('A5/§1.6 populates in order with 201; every proxy listens and has the proxy field order', async () => {
    const res = await http('POST', '/populate', [item('p-two'), item('p-one')]);
    expect(res.status).toBe(201);
    expect(Object.keys(res.json)).toEqual(['proxies']);
    expect(res.json.proxies.map((p: any) => p.name)).toEqual(['p-two', 'p-one']);
    for (const proxy of res.json.proxies) {
      expect(Object.keys(proxy)).toEqual(PROXY_KEYS);
      expect(proxy.enabled).toBe(true);
      expect(await refuses(portOf(proxy.listen))).toBe(false);
    }
  });

  it('A6/A7 enabled defaults to true; enabled:false is created without a listener', async () => {
    const port = await freePort();
    const res = await http('POST', '/populate', [item('on'), item('off', `127.0.0.1:${port}`, { enabled: false })]);
    expect(res.status).toBe(201);
    const [on, off] = res.json.proxies;
    expect(on.enabled).toBe(true);
    expect(off).toMatchObject({ enabled: false, listen: `127.0.0.1:${port}` });
    expect(await refuses(portOf(on.listen))).toBe(false);
    expect(await refuses(port)).toBe(true);
  });

  it('A8/A11 an equal proxy keeps its toxics and connections; a changed one is replaced without toxics', async () => {
    const [keepPort, movePort, newPort] = [await freePort(), await freePort(), await freePort()];
    await http('POST', '/populate', [item('keep', `127.0.0.1:${keepPort}`), item('move', `127.0.0.1:${movePort}`)]);
    for (const name of ['keep', 'move']) expect((await http('POST', `/proxies/${name}/toxics`, { type: 'noop' })).status).toBe(200);
    const kept = await dial(keepPort);
    const dropped = await dial(movePort);
    await roundTrip(kept, 'k');

    const res = await http('POST', '/populate', [item('keep', `localhost:${keepPort}`), item('move', `127.0.0.1:${newPort}`)]);
    expect(res.status).toBe(201);
    expect(res.json.proxies.map((p: any) => p.listen)).toEqual([`127.0.0.1:${keepPort}`, `127.0.0.1:${newPort}`]);
    expect((await http('GET', '/proxies/keep')).json.toxics).toHaveLength(1);
    expect((await http('GET', '/proxies/move')).json.toxics).toEqual([]);
    await roundTrip(kept, 'still');
    await dropped.waitClose();
    expect(await refuses(movePort)).toBe(true);
  });

  it('§8.4.7 a port-0 item always replaces; an equal item does not change enabled', async () => {
    await http('POST', '/populate', [item('zero')]);
    await http('POST', '/proxies/zero/toxics', { type: 'noop' });
    expect((await http('POST', '/populate', [item('zero')])).json.proxies[0].toxics).toEqual([]);
    const port = await freePort();
    await http('POST', '/populate', [item('same', `127.0.0.1:${port}`)]);
    const again = await http('POST', '/populate', [item('same', `127.0.0.1:${port}`, { enabled: false })]);
    expect(again.json.proxies[0].enabled).toBe(true);
    expect(await refuses(port)).toBe(false);
  });

  it('A9 validation runs first: a nameless or upstreamless item gives 400 with its 1-based index and creates nothing', async () => {
    const noName = await http('POST', '/populate', [item('valid'), { listen: '127.0.0.1:0', upstream: echo.address }]);
    expect(noName.status).toBe(400);
    expect(noName.json).toMatchObject({ error: 'missing required field: name at proxy 2', status: 400 });
    const noUpstream = await http('POST', '/populate', [{ name: 'u', listen: '127.0.0.1:0' }]);
    expect(noUpstream.json).toMatchObject({ error: 'missing required field: upstream at proxy 1', status: 400 });
    expect((await http('GET', '/proxies')).json).toEqual({});
  });

  it('A10 a failing item stops processing: earlier items stay, the body lists them with the error', async () => {
    const res = await http('POST', '/populate', [item('first'), item('second', 'local373'), item('third')]);
    expect(res.status).toBe(500);
    expect(res.json).toMatchObject({ status: 500, error: expect.stringMatching(/.+/) });
    expect(res.json.proxies.map((p: any) => p.name)).toEqual(['first']);
    expect(Object.keys((await http('GET', '/proxies')).json)).toEqual(['first']);
  });

  it('§8.4.6 populate [] gives 201 {"proxies":[]}; a non-array body gives 400', async () => {
    const empty = await http('POST', '/populate', []);
    expect(empty.status).toBe(201);
    expect(empty.json).toEqual({ proxies: [] });
    expectError(await http('POST', '/populate', { name: 'x' }), 400, /^bad request body/);
  });
});
