import { connect } from 'node:net';
import { execa } from 'execa';
import { Toxiproxy } from 'toxiproxy-node-client';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_MAIN, killAll, startProgram } from '../helpers/processes.js';

afterEach(killAll);

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('faultline toxiproxy', () => {
  it('serves the API on the printed port, and SIGTERM closes the API and every proxy (exit 0)', async () => {
    const server = await startProgram(CLI_MAIN, {}, 15_000, { args: ['toxiproxy', '--port', '0', '--seed', '7'] });
    const line = JSON.parse(server.lines.find((l) => l.includes('"event":"listening"')) as string);
    expect(line).toMatchObject({ event: 'listening', host: '127.0.0.1', port: server.port, seed: 7, url: `http://127.0.0.1:${server.port}` });
    const client = new Toxiproxy(line.url);
    expect(JSON.parse(await client.getVersion())).toHaveProperty('version');
    const proxy = await client.createProxy({ name: 'cli', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
    const proxyPort = Number(proxy.listen.split(':')[1]);
    expect(await refused(proxyPort)).toBe(false);
    server.process.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(await refused(server.port)).toBe(true);
    expect(await refused(proxyPort)).toBe(true);
  });

  it('exits 130 on Ctrl-C (SIGINT)', async () => {
    const server = await startProgram(CLI_MAIN, {}, 15_000, { args: ['toxiproxy', '--port', '0'] });
    server.process.kill('SIGINT');
    expect((await server.exited).code).toBe(130);
  });

  it('refuses a non-loopback --host without --allow-remote (exit 2, with a hint)', async () => {
    const result = await execa('node', [CLI_MAIN, 'toxiproxy', '--host', '0.0.0.0'], { reject: false, timeout: 15_000 });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^error: --host 0\.0\.0\.0 is not a loopback address/);
    expect(result.stderr).toMatch(/^hint: pass --allow-remote/m);
  });

  it('reports a port in use as an infrastructure failure (exit 3)', async () => {
    const first = await startProgram(CLI_MAIN, {}, 15_000, { args: ['toxiproxy', '--port', '0'] });
    const result = await execa('node', [CLI_MAIN, 'toxiproxy', '--port', String(first.port)], { reject: false, timeout: 15_000 });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(`127.0.0.1:${first.port}`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
