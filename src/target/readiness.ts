import { connect } from 'node:net';
import { request } from 'undici';
import { waitUntil, type Clock } from '../clock.js';
import { FaultlineError } from '../errors.js';

/**
 * Readiness checks by address: an HTTP GET that must answer a given status, or a TCP port that
 * must accept a connection. Shared by the processes a run starts (process.ts, which adds
 * readiness by log line) and by external targets, which are ready when their URL says so.
 */

export interface ReadySpec {
  kind: 'http' | 'tcp' | 'log' | 'none';
  value: string;
  status: number;
  timeoutMs: number;
}

const POLL_MS = 25;

/** One probe: what it saw, and whether that is ready. A log check cannot be probed from outside. */
export async function probeReady(ready: ReadySpec): Promise<{ ready: boolean; saw: string }> {
  switch (ready.kind) {
    case 'none':
      return { ready: true, saw: 'no readiness check' };
    case 'log':
      return { ready: false, saw: 'a log check needs the process output' };
    case 'tcp':
      return tcpOpen(ready.value, 1_000);
    case 'http':
      try {
        const response = await request(ready.value, { method: 'GET', headersTimeout: 1_000, bodyTimeout: 1_000, signal: AbortSignal.timeout(1_500) });
        await response.body.dump();
        return { ready: response.statusCode === ready.status, saw: `status ${response.statusCode}` };
      } catch (error) {
        return { ready: false, saw: errorText(error) };
      }
  }
}

export function describeReady(ready: ReadySpec): string {
  switch (ready.kind) {
    case 'http':
      return `waiting for GET ${ready.value} to answer ${ready.status}`;
    case 'tcp':
      return `waiting for ${ready.value} to accept a connection`;
    case 'log':
      return `waiting for a line matching /${ready.value}/`;
    case 'none':
      return 'no readiness check';
  }
}

/**
 * Waits until a system that faultline did not start is ready by its address, polling every
 * 25 ms until `ready.timeoutMs`; throws FAULTLINE_INFRASTRUCTURE (exit 3) naming what the
 * last probe saw. Resolves at once when `signal` aborts (the run is being interrupted).
 */
export async function waitReadyByAddress(name: string, ready: ReadySpec, clock: Clock, signal?: AbortSignal): Promise<void> {
  const deadline = clock.now() + ready.timeoutMs;
  let last = await probeReady(ready);
  while (!last.ready) {
    if (signal?.aborted === true) return;
    if (clock.now() >= deadline) {
      throw new FaultlineError('FAULTLINE_INFRASTRUCTURE', `${name} was not ready within ${ready.timeoutMs} ms (${describeReady(ready)}); the last check saw ${last.saw}`, {
        hint: 'faultline does not start an external target: is it running and reachable from here (docker compose up -d)? `ready.timeout` gives it longer',
      });
    }
    await waitUntil(clock, Math.min(deadline, clock.now() + POLL_MS), signal);
    last = await probeReady(ready);
  }
}

export function tcpOpen(address: string, timeoutMs: number): Promise<{ ready: boolean; saw: string }> {
  const match = /^\[?([^\]]+)\]?:(\d+)$/.exec(address);
  if (match === null) return Promise.resolve({ ready: false, saw: `"${address}" is not host:port` });
  return new Promise((resolve) => {
    const socket = connect({ host: match[1] as string, port: Number(match[2]) });
    const done = (ready: boolean, saw: string) => {
      socket.destroy();
      resolve({ ready, saw });
    };
    socket.setTimeout(timeoutMs, () => done(false, `no connection within ${timeoutMs} ms`));
    socket.once('connect', () => done(true, 'a connection'));
    socket.once('error', (error) => done(false, errorText(error)));
  });
}

function errorText(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const cause = (error as { cause?: NodeJS.ErrnoException }).cause?.code;
  return cause ?? code ?? (error instanceof Error ? error.message : String(error));
}
