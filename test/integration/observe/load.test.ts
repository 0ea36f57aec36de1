/**
 * The load generator (src/observe/load.ts) against small misbehaving servers on 127.0.0.1,
 * port 0: schedule and counts, status codes, each error class from a real socket, skipping,
 * coordinated omission, thresholds and the encoded histogram. Runs are bounded by the load's
 * own duration; nothing here sleeps to synchronise.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { afterEach, describe, expect, it } from 'vitest';
import { startClock, waitUntil } from '../../../src/clock.js';
import { FaultlineError } from '../../../src/errors.js';
import { startLoad, type LoadOptions, type LoadRun } from '../../../src/observe/load.js';
import type { LoadSecond } from '../../../src/record/types.js';

const clock = startClock();
const open: { server: Server; sockets: Set<Socket> }[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const { server, sockets } of open.splice(0)) {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** Listens on 127.0.0.1:0, remembers the server and its sockets for afterEach. */
async function listen(server: Server): Promise<string> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  open.push({ server, sockets });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return `http://127.0.0.1:${address.port}`;
}

function httpServer(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> {
  return listen(createHttpServer(handler));
}

/** A raw TCP server: `onRequest` runs once the first request head has arrived on a connection. */
function tcpServer(onRequest: (socket: Socket) => void): Promise<string> {
  return listen(
    createNetServer((socket) => {
      let head = '';
      socket.on('error', () => undefined);
      socket.on('data', (chunk: Buffer) => {
        if (head.includes('\r\n\r\n')) return;
        head += chunk.toString('latin1');
        if (head.includes('\r\n\r\n')) onRequest(socket);
      });
    }),
  );
}

/** Polls `probe` every 10 ms until it returns true; throws at the deadline. */
async function pollUntil(probe: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = clock.now() + timeoutMs;
  while (!probe()) {
    if (clock.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await waitUntil(clock, clock.now() + 10);
  }
}

/**
 * A node process listening with an accept queue of one, then stopped with SIGSTOP: the kernel
 * still completes the first handshakes into the queue, then drops SYNs, so later connects hang.
 */
async function stoppedServerUrl(): Promise<string> {
  const script = "const s = require('net').createServer(); s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => console.log(s.address().port));";
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  child.kill('SIGSTOP');
  const state = (): string => readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.[0] ?? '?';
  await pollUntil(() => state() === 'T', 'the server to stop');
  return `http://127.0.0.1:${port}`;
}

async function closedPortUrl(): Promise<string> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no address');
  return `http://127.0.0.1:${address.port}`;
}

function options(url: string, extra: Partial<LoadOptions> = {}): LoadOptions {
  return {
    request: { method: 'GET', url: `${url}/load`, headers: {}, body: null },
    ratePerSecond: 100,
    timeoutMs: 2_000,
    connections: 64,
    clock,
    thresholdsMs: [],
    ...extra,
  };
}

/** Runs a load for `ms` of its own schedule, then stops it. */
async function runFor(opts: LoadOptions, ms: number): Promise<{ seconds: LoadSecond[]; startedAt: number; stopMs: number; codes: ReturnType<LoadRun['errorCodes']> }> {
  const run = startLoad(opts);
  await waitUntil(clock, run.startedAt + ms);
  const stopAt = clock.now();
  const seconds = await run.stop();
  return { seconds, startedAt: run.startedAt, stopMs: clock.now() - stopAt, codes: run.errorCodes() };
}

function total(seconds: readonly LoadSecond[], pick: (s: LoadSecond) => number): number {
  return seconds.reduce((sum, s) => sum + pick(s), 0);
}

function answered(s: LoadSecond): number {
  return Object.values(s.status).reduce((a, b) => a + b, 0);
}

function failures(s: LoadSecond): number {
  return s.errors.unanswered + s.errors.refused + s.errors.timeout + s.errors.other;
}

/** Every request due is sent or skipped, every one sent has exactly one outcome. */
function expectConsistent(seconds: readonly LoadSecond[]): void {
  for (const s of seconds) {
    expect(s.sent + s.errors.skipped).toBe(s.due);
    expect(answered(s) + failures(s)).toBe(s.sent);
    expect(s.latency.count).toBe(answered(s));
    expect(s.service.count).toBe(answered(s));
  }
}

describe('schedule', () => {
  it('sends exactly rate x seconds, keyed by due second, reported in order through onSecond', async () => {
    const url = await httpServer((_, response) => response.end('ok'));
    const seen: LoadSecond[] = [];
    const seenAt: number[] = [];
    const onSecond = (s: LoadSecond): void => {
      seen.push(s);
      seenAt.push(clock.now());
    };
    const { seconds, startedAt } = await runFor(options(url, { ratePerSecond: 200, onSecond }), 3_000);

    // A timer may fire a fraction of a millisecond early: the stop lands just before 3 s (three
    // seconds) or just after (a fourth, partial second with what fell due until the stop).
    expect([3, 4]).toContain(seconds.length);
    expect(seconds.map((s) => s.t)).toEqual(seconds.map((_, k) => startedAt + k * 1000));
    expect(seconds.slice(0, 3).map((s) => s.due)).toEqual([200, 200, 200]);
    expect(seconds[3]?.due ?? 0).toBeLessThanOrEqual(100);
    // A stall of this loaded machine can fill all 64 connections for a moment (skips); the
    // schedule above is exact regardless, and nearly everything goes out.
    expect(total(seconds.slice(0, 3), (s) => s.sent)).toBeGreaterThanOrEqual(540);
    expect(total(seconds, (s) => s.status['200'] ?? 0)).toBe(total(seconds, (s) => s.sent));
    expectConsistent(seconds);
    expect(seen).toEqual(seconds);
    // Seconds are handed over while the load runs, not only at stop().
    expect(seenAt[0]).toBeLessThan(startedAt + 3_000);
  });

  it('keeps every second of a rate below 1/s, empty ones included', async () => {
    const url = await httpServer((_, response) => response.end('ok'));
    const { seconds } = await runFor(options(url, { ratePerSecond: 0.5 }), 2_500);
    expect(seconds.map((s) => s.due)).toEqual([1, 0, 1]);
    expect(seconds[1]).toMatchObject({ sent: 0, status: {}, latency: { count: 0 } });
    expect(decodeFromCompressedBase64(seconds[1]?.histogram ?? '').totalCount).toBe(0);
  });

  it('stop() rejects with the error onSecond threw, after stopping everything', async () => {
    const url = await httpServer((_, response) => response.end('ok'));
    const boom = new Error('observer failed');
    const run = startLoad(options(url, { maxRequests: 3, onSecond: () => {
      throw boom;
    } }));
    await expect(run.stop()).rejects.toBe(boom);
  });

  it('never schedules more than maxRequests', async () => {
    const url = await httpServer((_, response) => response.end('ok'));
    const { seconds } = await runFor(options(url, { ratePerSecond: 200, maxRequests: 25 }), 600);
    expect(total(seconds, (s) => s.due)).toBe(25);
    expect(total(seconds, (s) => s.status['200'] ?? 0)).toBe(total(seconds, (s) => s.sent));
    expectConsistent(seconds);
  });

  it('stop() is idempotent and a load with maxRequests 0 sends nothing', async () => {
    const url = await httpServer((_, response) => response.end('ok'));
    const run = startLoad(options(url, { maxRequests: 0 }));
    const first = run.stop();
    expect(run.stop()).toBe(first);
    expect(await first).toEqual([]);
  });
});

describe('answers', () => {
  it('counts every status code, 5xx included, exactly as the server sent them', async () => {
    const sentByServer: Record<string, number> = {};
    let n = 0;
    const received: { method?: string; header?: string; body: string[] } = { body: [] };
    const url = await httpServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.method = request.method;
        received.header = request.headers['x-faultline-test'] as string;
        received.body.push(Buffer.concat(chunks).toString());
        const status = ++n % 4 === 0 ? 503 : 200;
        sentByServer[status] = (sentByServer[status] ?? 0) + 1;
        response.statusCode = status;
        response.end(status === 503 ? 'unavailable' : 'x'.repeat(10_000));
      });
    });
    const request = { method: 'POST', url: `${url}/work?q=1`, headers: { 'x-faultline-test': 'yes', 'content-type': 'text/plain' }, body: 'payload' };
    const { seconds } = await runFor(options(url, { request }), 1_500);

    expect(sentByServer['503']).toBeGreaterThan(0);
    expect(total(seconds, (s) => s.status['503'] ?? 0)).toBe(sentByServer['503']);
    expect(total(seconds, (s) => s.status['200'] ?? 0)).toBe(sentByServer['200']);
    expect(total(seconds, failures)).toBe(0);
    expect(received).toMatchObject({ method: 'POST', header: 'yes' });
    expect(new Set(received.body)).toEqual(new Set(['payload']));
    expectConsistent(seconds);
  });

  it('counts answers below 500 at most each threshold, by intended-time latency', async () => {
    let n = 0;
    let fast = 0;
    let errors = 0;
    const url = await httpServer((_, response) => {
      n++;
      if (n % 3 === 0) {
        // A fast 5xx is not a good event for a latency SLO.
        errors++;
        response.statusCode = 500;
        response.end('fast error');
      } else if (n % 3 === 1) {
        fast++;
        response.end('fast');
      } else {
        setTimeout(() => response.end('slow'), 150);
      }
    });
    const { seconds } = await runFor(options(url, { thresholdsMs: [50, 1_000] }), 1_500);
    const all = total(seconds, answered);
    const under50 = total(seconds, (s) => s.under['50'] ?? 0);

    for (const s of seconds) expect(Object.keys(s.under).sort()).toEqual(['1000', '50']);
    expect(all).toBe(n);
    expect(errors).toBeGreaterThan(0);
    expect(total(seconds, (s) => s.under['1000'] ?? 0)).toBe(all - errors);
    // A 150 ms answer is never within 50 ms; the fast ones are, unless the machine stalls.
    expect(under50).toBeLessThanOrEqual(fast);
    expect(under50).toBeGreaterThanOrEqual(fast * 0.5);
  });

  it('encodes each second as an HDR histogram that decodes to the same count and range', async () => {
    const url = await httpServer((_, response) => response.end('ok'));
    const { seconds } = await runFor(options(url), 1_500);
    expect(seconds.length).toBeGreaterThan(0);
    for (const s of seconds) {
      const histogram = decodeFromCompressedBase64(s.histogram);
      expect(histogram.totalCount).toBe(s.latency.count);
      if (s.latency.count === 0) continue;
      // 3 significant digits, in µs.
      expect(Math.abs(histogram.maxValue / 1000 - s.latency.max)).toBeLessThanOrEqual(s.latency.max * 0.001 + 0.002);
    }
  });
});

describe('errors from real sockets', () => {
  const cases: { name: string; kind: 'unanswered' | 'refused' | 'other'; code: string; url: () => Promise<string> }[] = [
    { name: 'a closed port', kind: 'refused', code: 'ECONNREFUSED', url: closedPortUrl },
    { name: 'a server that closes (FIN) after reading the request', kind: 'unanswered', code: 'UND_ERR_SOCKET', url: () => tcpServer((socket) => socket.destroy()) },
    { name: 'a server that resets after reading the request', kind: 'unanswered', code: 'ECONNRESET', url: () => tcpServer((socket) => socket.resetAndDestroy()) },
    {
      name: 'a server that closes half-way through the body',
      kind: 'unanswered',
      code: 'UND_ERR_SOCKET',
      url: () => tcpServer((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort')),
    },
    { name: 'a server that answers garbage', kind: 'other', code: 'HTTPParserError', url: () => tcpServer((socket) => socket.end('garbage\r\n\r\n')) },
  ];

  it.each(cases)('$name → $kind ($code)', async ({ kind, code, url }) => {
    const { seconds, codes } = await runFor(options(await url()), 1_000);
    const sent = total(seconds, (s) => s.sent);
    expect(sent).toBeGreaterThanOrEqual(50);
    expect(total(seconds, (s) => s.errors[kind])).toBe(sent);
    expect(codes).toEqual({ [kind]: { [code]: sent } });
    expect(total(seconds, answered)).toBe(0);
    expectConsistent(seconds);
  });

  it('a server that never answers: every request times out and stop() is bounded', async () => {
    const url = await httpServer(() => undefined);
    const timeoutMs = 300;
    const { seconds, stopMs, codes } = await runFor(options(url, { timeoutMs, ratePerSecond: 50 }), 1_000);
    const sent = total(seconds, (s) => s.sent);
    expect(sent).toBeGreaterThanOrEqual(25);
    expect(total(seconds, (s) => s.errors.timeout)).toBe(sent);
    expect(Object.keys(codes)).toEqual(['timeout']);
    expect(stopMs).toBeLessThan(timeoutMs + 1_500);
    expectConsistent(seconds);
  });

  it('a stopped process: requests that got into its accept queue time out, the rest never connect (refused)', async () => {
    const url = await stoppedServerUrl();
    const { seconds, codes } = await runFor(options(url, { timeoutMs: 500, connections: 8, ratePerSecond: 50 }), 1_500);
    const sent = total(seconds, (s) => s.sent);
    const timeouts = total(seconds, (s) => s.errors.timeout);
    const refused = total(seconds, (s) => s.errors.refused);

    expect(timeouts).toBeGreaterThanOrEqual(1);
    expect(refused).toBeGreaterThanOrEqual(1);
    expect(timeouts + refused).toBe(sent);
    expect(Object.keys(codes.refused ?? {}).every((code) => ['FAULTLINE_LOAD_NO_CONNECTION', 'UND_ERR_CONNECT_TIMEOUT'].includes(code))).toBe(true);
    expectConsistent(seconds);
  });

  it('stop() does not wait past the timeout for a hung server, however long the run', async () => {
    const url = await tcpServer(() => undefined);
    const timeoutMs = 1_500;
    const run = startLoad(options(url, { timeoutMs, ratePerSecond: 20 }));
    await waitUntil(clock, run.startedAt + 500);
    const stopAt = clock.now();
    const seconds = await run.stop();
    expect(clock.now() - stopAt).toBeLessThan(timeoutMs + 1_500);
    expect(total(seconds, (s) => s.errors.timeout)).toBe(total(seconds, (s) => s.sent));
  });
});

describe('open model', () => {
  it('skips requests due while every connection is busy, and never exceeds its connections', async () => {
    let active = 0;
    let maxActive = 0;
    let served = 0;
    const url = await httpServer((_, response) => {
      active++;
      maxActive = Math.max(maxActive, active);
      setTimeout(() => {
        active--;
        served++;
        response.end('slow');
      }, 100);
    });
    const { seconds } = await runFor(options(url, { connections: 1, ratePerSecond: 50 }), 2_000);
    const sent = total(seconds, (s) => s.sent);

    expect(total(seconds, (s) => s.errors.skipped)).toBeGreaterThan(0);
    expect(maxActive).toBe(1);
    expect(served).toBe(sent);
    // One connection, 100 ms each: at most ~10 a second whatever the schedule asks for.
    for (const s of seconds) expect(s.sent).toBeLessThanOrEqual(11);
    expectConsistent(seconds);
  });

  it('measures from the intended time: a stall of this process shows in latency, not in service time', async () => {
    let n = 0;
    const url = await httpServer((_, response) => {
      if (++n === 30) {
        // Blocks the whole process, the generator included, as a GC pause or a busy loop would.
        const end = performance.now() + 500;
        while (performance.now() < end);
      }
      response.end('ok');
    });
    const { seconds } = await runFor(options(url, { thresholdsMs: [250] }), 2_500);
    const late = total(seconds, (s) => answered(s) - (s.under['250'] ?? 0));

    // About 50 requests fell due during the stall; those in its first half waited > 250 ms.
    expect(late).toBeGreaterThanOrEqual(15);
    expect(Math.max(...seconds.map((s) => s.latency.max))).toBeGreaterThanOrEqual(450);
    expect(Math.max(...seconds.map((s) => s.sendLagP99))).toBeGreaterThanOrEqual(200);
    // They were sent late, and then answered at once: service time stays low for nearly all.
    for (const s of seconds) expect(s.service.p90).toBeLessThan(250);
    expectConsistent(seconds);
  });
});

describe('options', () => {
  it('refuses a host that is not loopback unless allowRemote is set', async () => {
    const attempt = (): unknown => startLoad(options('http://192.0.2.10:8080'));
    expect(attempt).toThrow(FaultlineError);
    expect(() => attempt()).toThrow(expect.objectContaining({ code: 'FAULTLINE_USAGE' }));
    // maxRequests 0: nothing is sent anywhere.
    const run = startLoad(options('http://192.0.2.10:8080', { allowRemote: true, maxRequests: 0 }));
    expect(await run.stop()).toEqual([]);
    for (const local of ['http://localhost:1', 'http://[::1]:1', 'http://127.0.0.2:1']) {
      await startLoad(options(local, { maxRequests: 0 })).stop();
    }
  });

  it.each<[string, Partial<LoadOptions>]>([
    ['ratePerSecond', { ratePerSecond: 0 }],
    ['timeoutMs', { timeoutMs: -1 }],
    ['connections', { connections: 1.5 }],
    ['thresholdsMs', { thresholdsMs: [Number.NaN] }],
    ['maxRequests', { maxRequests: -1 }],
    ['url', { request: { method: 'GET', url: 'not a url', headers: {}, body: null } }],
    ['method', { request: { method: ' ', url: 'http://127.0.0.1:1/', headers: {}, body: null } }],
    ['header name', { request: { method: 'GET', url: 'http://127.0.0.1:1/', headers: { 'bad name': 'x' }, body: null } }],
    ['header value', { request: { method: 'GET', url: 'http://127.0.0.1:1/', headers: { 'x-a': 'a\r\nb' }, body: null } }],
    ['forbidden header', { request: { method: 'GET', url: 'http://127.0.0.1:1/', headers: { 'transfer-encoding': 'chunked' }, body: null } }],
    ['expect header', { request: { method: 'GET', url: 'http://127.0.0.1:1/', headers: { expect: '100-continue' }, body: null } }],
  ])('rejects a bad %s as a usage error', (_, extra) => {
    expect(() => startLoad(options('http://127.0.0.1:1', extra))).toThrow(expect.objectContaining({ code: 'FAULTLINE_USAGE' }));
  });
});
