import type { Pool } from 'undici';
import { round } from './closed-loop.js';
import { onCleanup } from './cleanup.js';
import { createPool, send } from './http.js';
import { startPipeProxy } from './pipe-proxy.js';
import { LOOPBACK } from './processes.js';
import { summarize, type SampleSummary } from './sample-stats.js';
import { collectPair, type Collected, type PairSpec, type TimedOp } from './sampler.js';
import { echoOp, openEchoClients } from './tcp-clients.js';
import type { Route } from './toxiproxy-fixture.js';
import { runUndiciLoop, runWrk, wrkArgs, wrkAvailable, type Throughput, type ThroughputSpec } from './wrk.js';

/**
 * Pass-through overhead of a proxy with no toxic: the same upstream measured directly and
 * through its proxy, in alternating rounds, sequentially and with 10 connections; and HTTP
 * throughput of both with wrk.
 */

export interface OverheadTiming {
  rounds: number;
  roundMs: number;
  firstWarmupMs: number;
  warmupMs: number;
  maxSamplesPerRound: number;
}

export interface PathLatency extends SampleSummary {
  errors: number;
  errorSamples: string[];
}

export interface OverheadResult {
  /** Stable id: http.c1, http.c10, tcp.c1, tcp.c10. */
  name: string;
  upstream: 'http' | 'tcp-echo';
  connections: number;
  direct: PathLatency;
  proxy: PathLatency;
  /** proxy minus direct, per percentile: what the proxy adds to one round trip. */
  addedP50Ms: number | null;
  addedP99Ms: number | null;
}

export interface ThroughputResult {
  tool: 'wrk' | 'undici-closed-loop';
  command: string;
  /** Set when the fallback was used, saying why and what that means. */
  note?: string;
  direct: Throughput;
  proxy: Throughput;
  /** proxy rps / direct rps: the goal. */
  ratio: number | null;
  /** A bare `socket.pipe` proxy in the same process (see pipe-proxy.ts): the Node floor. */
  pipeReference: Throughput;
  /** pipe rps / direct rps: the best any single-threaded Node relay did here. */
  pipeRatio: number | null;
  /** proxy rps / pipe rps: what the implementation keeps of that floor (1 = nothing lost). */
  proxyVsPipe: number | null;
}

const OP_TIMEOUT_MS = 10_000;

function pathLatency(collected: Collected): PathLatency {
  return { ...summarize(collected.samples), errors: collected.errors, errorSamples: collected.errorSamples };
}

function added(proxy: number | null, direct: number | null): number | null {
  return proxy === null || direct === null ? null : round(proxy - direct, 3);
}

function httpOp(pool: Pool): TimedOp {
  return async () => {
    const started = performance.now();
    const outcome = await send(pool, { method: 'GET', path: '/' });
    if (outcome !== 'ok') throw new Error(`HTTP ${outcome.status}`);
    return performance.now() - started;
  };
}


async function httpPair(route: Route, connections: number, timing: OverheadTiming): Promise<[Collected, Collected]> {
  const direct = createPool(`http://${LOOPBACK}:${route.directPort}`, connections);
  const proxied = createPool(`http://${LOOPBACK}:${route.proxyPort}`, connections);
  try {
    return await collectPair(pairSpec(connections, timing), httpOp(direct), httpOp(proxied));
  } finally {
    await Promise.all([direct.close(), proxied.close()]);
  }
}

async function echoPair(route: Route, connections: number, timing: OverheadTiming): Promise<[Collected, Collected]> {
  const direct = await openEchoClients(route.directPort, connections);
  try {
    const proxied = await openEchoClients(route.proxyPort, connections);
    try {
      return await collectPair(pairSpec(connections, timing), echoOp(direct), echoOp(proxied));
    } finally {
      for (const client of proxied) client.close();
    }
  } finally {
    for (const client of direct) client.close();
  }
}

function pairSpec(workers: number, timing: OverheadTiming): PairSpec {
  return {
    workers,
    rounds: timing.rounds,
    durationMs: timing.roundMs,
    firstWarmupMs: timing.firstWarmupMs,
    warmupMs: timing.warmupMs,
    maxSamples: timing.maxSamplesPerRound,
    opTimeoutMs: OP_TIMEOUT_MS,
  };
}

/** Round-trip latency, direct vs proxied, for one upstream and connection count. */
export async function overhead(kind: 'http' | 'tcp', route: Route, connections: number, timing: OverheadTiming): Promise<OverheadResult> {
  const [direct, proxy] = kind === 'http' ? await httpPair(route, connections, timing) : await echoPair(route, connections, timing);
  const d = pathLatency(direct);
  const p = pathLatency(proxy);
  return {
    name: `${kind}.c${connections}`,
    upstream: kind === 'http' ? 'http' : 'tcp-echo',
    connections,
    direct: d,
    proxy: p,
    addedP50Ms: added(p.p50Ms, d.p50Ms),
    addedP99Ms: added(p.p99Ms, d.p99Ms),
  };
}

function ratio(a: Throughput, b: Throughput): number | null {
  return b.rps > 0 ? round(a.rps / b.rps, 3) : null;
}

/** HTTP throughput direct, through the bare pipe, then through the proxy, with wrk if installed. */
export async function throughput(route: Route, spec: Omit<ThroughputSpec, 'url'>): Promise<ThroughputResult> {
  const url = (port: number): string => `http://${LOOPBACK}:${port}/`;
  const useWrk = wrkAvailable();
  const run = useWrk ? runWrk : runUndiciLoop;
  const direct = await run({ ...spec, url: url(route.directPort) });
  const pipe = await startPipeProxy(route.directPort);
  const forget = onCleanup(() => void pipe.close());
  let pipeReference: Throughput;
  try {
    pipeReference = await run({ ...spec, url: url(pipe.port) });
  } finally {
    await pipe.close();
    forget();
  }
  const proxy = await run({ ...spec, url: url(route.proxyPort) });
  const result: ThroughputResult = {
    tool: useWrk ? 'wrk' : 'undici-closed-loop',
    command: useWrk ? `wrk ${wrkArgs({ ...spec, url: '<url>' }).join(' ')}` : `undici closed loop, ${spec.connections} connections, ${spec.durationS} s`,
    direct,
    proxy,
    ratio: ratio(proxy, direct),
    pipeReference,
    pipeRatio: ratio(pipeReference, direct),
    proxyVsPipe: ratio(proxy, pipeReference),
  };
  if (!useWrk) {
    result.note =
      'wrk not found on PATH (apt-get install -y wrk): fell back to an undici closed loop in the benchmark process, which shares its event loop with the in-process proxy, so the proxied rate is a lower bound';
  }
  return result;
}
