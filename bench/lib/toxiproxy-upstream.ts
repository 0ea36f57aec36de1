#!/usr/bin/env node
/**
 * One upstream for bench/toxiproxy.ts, run as its own child process so that its CPU time is
 * not charged to the proxy under test (which runs in the benchmark process) and so that the
 * direct and proxied measurements hit the very same server.
 *
 *   TOXIBENCH_KIND=http    GET anything → 200 "ok", keep-alive
 *   TOXIBENCH_KIND=echo    TCP: every byte received is written back
 *   TOXIBENCH_KIND=source  TCP: reads "<bytes>\n", writes that many pattern bytes (see
 *                          patternByte), then closes its side
 *
 * Listens on 127.0.0.1, port 0, and prints {"event":"listening","host":...,"port":...}, the
 * line bench/lib/processes.ts waits for. Exits 0 on SIGTERM, and on its own when the
 * benchmark process is gone (a SIGKILLed parent runs no cleanup).
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { patternByte } from './tcp-clients.js';

const HOST = '127.0.0.1';
/** A source request larger than this is refused: a typo must not fill the memory. */
const MAX_SOURCE_BYTES = 64 * 1024 * 1024;
const PARENT_CHECK_MS = 1_000;

function httpServer(): Server {
  const server = createHttpServer((req, res) => {
    // Drain any request body so the keep-alive connection stays usable.
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
    res.end('ok');
  });
  // wrk and the pools keep their connections for the whole run; never close one under them.
  server.keepAliveTimeout = 120_000;
  return server;
}

function echoServer(): Server {
  return createTcpServer({ noDelay: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => socket.write(chunk));
  });
}

function pattern(bytes: number): Buffer {
  const data = Buffer.allocUnsafe(bytes);
  for (let i = 0; i < bytes; i++) data[i] = patternByte(i);
  return data;
}

function serveSource(socket: Socket): void {
  let request = '';
  const onData = (chunk: Buffer): void => {
    request += chunk.toString('latin1');
    const newline = request.indexOf('\n');
    if (newline === -1) {
      if (request.length > 32) socket.destroy();
      return;
    }
    socket.off('data', onData);
    const bytes = Number(request.slice(0, newline));
    if (!Number.isInteger(bytes) || bytes < 0 || bytes > MAX_SOURCE_BYTES) {
      socket.destroy();
      return;
    }
    socket.end(pattern(bytes));
  };
  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
}

function sourceServer(): Server {
  return createTcpServer({ noDelay: true }, serveSource);
}

function serverFor(kind: string | undefined): Server {
  switch (kind) {
    case 'http':
      return httpServer();
    case 'echo':
      return echoServer();
    case 'source':
      return sourceServer();
    default:
      throw new Error(`TOXIBENCH_KIND must be http, echo or source, got ${kind ?? '(unset)'}`);
  }
}

function main(): void {
  const server = serverFor(process.env.TOXIBENCH_KIND);
  server.listen(0, HOST, () => {
    const address = server.address();
    const port = address !== null && typeof address === 'object' ? address.port : -1;
    process.stdout.write(`${JSON.stringify({ event: 'listening', host: HOST, port })}\n`);
  });
  process.once('SIGTERM', () => process.exit(0));
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, PARENT_CHECK_MS).unref();
}

main();
