import type { Bandwidth, Latency } from 'toxiproxy-node-client';
import { round } from './closed-loop.js';
import { ascending, ksUniform, median, percentile, summarize, type KsResult, type SampleSummary } from './sample-stats.js';
import { collect } from './sampler.js';
import { download, echoOp, openEchoClients } from './tcp-clients.js';
import { toxicBody, withToxic, type Route } from './toxiproxy-fixture.js';

/**
 * How exactly the toxics do what they say: the latency toxic's added delay (fixed and with
 * jitter) measured on echo round trips, and the bandwidth toxic's achieved rate.
 */

/** A measured phase bounded in count and in time (whichever comes first). */
export interface Budget {
  /** Echo connections used at once: more connections, more samples per unit of time. */
  connections: number;
  maxSamples: number;
  budgetMs: number;
}

export interface LatencyLevel extends Budget {
  latencyMs: number;
}

/** On top of the toxic's own delay: a round trip slower than that has failed. */
const OP_SLACK_MS = 5_000;

/** Median round trip through the proxy with no toxic: what every delay sample is corrected by. */
export async function baselineRtt(route: Route, durationMs: number): Promise<SampleSummary> {
  const clients = await openEchoClients(route.proxyPort, 1);
  try {
    const spec = { workers: 1, warmupMs: 200, durationMs, maxSamples: 50_000, opTimeoutMs: OP_SLACK_MS };
    const collected = await collect(spec, echoOp(clients));
    if (collected.errors > 0) throw new Error(`baseline round trips failed: ${collected.errorSamples.join('; ')}`);
    return summarize(collected.samples);
  } finally {
    for (const client of clients) client.close();
  }
}

interface DelaySamples {
  /** Raw round trips, toxic included. */
  roundTrips: number[];
  /** Added delay per round trip: measured round trip minus the baseline median. */
  delays: number[];
  errors: number;
  errorSamples: string[];
}

/**
 * Echo round trips through `route` with a latency toxic on the downstream. The connections
 * are opened and used once *before* the toxic is added (so the proxy's dial to the upstream is
 * not in any sample), which also exercises what users do: add a toxic to live connections.
 */
async function delaySamples(route: Route, attributes: Latency, budget: Budget, baselineMs: number): Promise<DelaySamples> {
  const clients = await openEchoClients(route.proxyPort, budget.connections);
  try {
    const op = echoOp(clients);
    // One round trip per connection (maxSamples = workers), bounded like any other.
    const warm = await collect({ workers: clients.length, warmupMs: 0, durationMs: OP_SLACK_MS, maxSamples: clients.length, opTimeoutMs: OP_SLACK_MS }, op);
    if (warm.errors > 0) throw new Error(`warm-up round trips failed: ${warm.errorSamples.join('; ')}`);
    const collected = await withToxic(route.proxy, toxicBody('bench_latency', 'latency', attributes), () =>
      collect(
        { workers: budget.connections, warmupMs: 0, durationMs: budget.budgetMs, maxSamples: budget.maxSamples, opTimeoutMs: attributes.latency + attributes.jitter + OP_SLACK_MS },
        op,
      ),
    );
    return {
      roundTrips: collected.samples,
      delays: collected.samples.map((ms) => ms - baselineMs),
      errors: collected.errors,
      errorSamples: collected.errorSamples,
    };
  } finally {
    for (const client of clients) client.close();
  }
}

export interface LatencyResult {
  latencyMs: number;
  connections: number;
  samples: number;
  errors: number;
  errorSamples: string[];
  medianAddedMs: number | null;
  /** median(added) - latency: the goal is |medianErrorMs| <= 1. */
  medianErrorMs: number | null;
  /** 95th percentile of |added - latency|. */
  p95AbsErrorMs: number | null;
  minErrorMs: number | null;
  maxErrorMs: number | null;
  /**
   * Round trips shorter than the latency itself, toxic and network together: impossible
   * unless the toxic released a chunk early (Toxiproxy's Go timers never fire early).
   */
  roundTripsBelowLatency: number;
  minRoundTripMs: number | null;
  /** This machine's own timer error for the same delay: the part no toxic can do better than. */
  timerReference: TimerReference;
}

export interface TimerReference {
  samples: number;
  /** How much later than asked a plain `setTimeout(latencyMs)` fired (negative: earlier). */
  medianLateMs: number | null;
  minLateMs: number | null;
  maxLateMs: number | null;
}

/**
 * Plain setTimeout(ms) in this process, `concurrency` at a time like the toxic's connections,
 * at most 20 samples: how late the platform's timers are for this delay. The latency toxic
 * sleeps on the same timers, so its error cannot be expected to beat this one.
 */
async function timerReference(ms: number, level: Budget): Promise<TimerReference> {
  const sleep = (): Promise<number> =>
    new Promise((resolve) => {
      const started = performance.now();
      setTimeout(() => resolve(performance.now() - started - ms), ms);
    });
  const spec = { workers: level.connections, warmupMs: 0, durationMs: level.budgetMs, maxSamples: Math.min(20, level.maxSamples), opTimeoutMs: ms + OP_SLACK_MS };
  const late = ascending((await collect(spec, sleep)).samples);
  return { samples: late.length, medianLateMs: r3(percentile(late, 50)), minLateMs: r3(late[0]), maxLateMs: r3(late[late.length - 1]) };
}

function r3(value: number | undefined): number | null {
  return value === undefined ? null : round(value, 3);
}

export async function latencyPrecision(route: Route, level: LatencyLevel, baselineMs: number): Promise<LatencyResult> {
  const { roundTrips, delays, errors, errorSamples } = await delaySamples(route, { latency: level.latencyMs, jitter: 0 }, level, baselineMs);
  const errs = ascending(delays.map((d) => d - level.latencyMs));
  const med = median(delays);
  return {
    latencyMs: level.latencyMs,
    connections: level.connections,
    samples: delays.length,
    errors,
    errorSamples,
    medianAddedMs: r3(med),
    medianErrorMs: r3(med === undefined ? undefined : med - level.latencyMs),
    p95AbsErrorMs: r3(percentile(ascending(errs.map(Math.abs)), 95)),
    minErrorMs: r3(errs[0]),
    maxErrorMs: r3(errs[errs.length - 1]),
    roundTripsBelowLatency: roundTrips.filter((ms) => ms < level.latencyMs).length,
    minRoundTripMs: r3(ascending(roundTrips)[0]),
    timerReference: await timerReference(level.latencyMs, level),
  };
}

export interface JitterResult {
  latencyMs: number;
  jitterMs: number;
  connections: number;
  /** The law the delays should follow: the toxic draws a uniform integer in [-jitter, jitter-1]. */
  expected: string;
  errors: number;
  errorSamples: string[];
  delay: SampleSummary & { minMs: number | null };
  /** Delay counts per 10 ms bin from latency - jitter up (values outside land in the end bins). */
  histogram: { fromMs: number; count: number }[];
  ks: KsResult;
}

function histogram(values: readonly number[], from: number, to: number, width: number): { fromMs: number; count: number }[] {
  const bins = Array.from({ length: Math.ceil((to - from) / width) }, (_, i) => ({ fromMs: from + i * width, count: 0 }));
  for (const value of values) {
    const index = Math.min(bins.length - 1, Math.max(0, Math.floor((value - from) / width)));
    const bin = bins[index];
    if (bin !== undefined) bin.count++;
  }
  return bins;
}

export async function jitterDistribution(route: Route, latencyMs: number, jitterMs: number, budget: Budget, baselineMs: number): Promise<JitterResult> {
  const { delays, errors, errorSamples } = await delaySamples(route, { latency: latencyMs, jitter: jitterMs }, budget, baselineMs);
  const lo = latencyMs - jitterMs;
  const hi = latencyMs + jitterMs;
  const sorted = ascending(delays);
  return {
    latencyMs,
    jitterMs,
    connections: budget.connections,
    expected: `uniform [${lo}, ${hi})`,
    errors,
    errorSamples,
    delay: { ...summarize(sorted), minMs: r3(sorted[0]) },
    histogram: histogram(sorted, lo, hi, 10),
    ks: ksUniform(sorted, lo, hi),
  };
}

export interface BandwidthResult {
  rateKBps: number;
  payloadBytes: number;
  elapsedS: number;
  firstByteMs: number;
  achievedKBps: number;
  /** (achieved - target) / target, in %: the goal is within ±5. */
  errorPct: number;
}

/** KB = 1000 bytes, as in Toxiproxy. */
const KB = 1000;

/** Pulls `seconds` worth of bytes at `rateKBps` from the source through a bandwidth toxic. */
export async function bandwidthAccuracy(route: Route, rateKBps: number, seconds: number): Promise<BandwidthResult> {
  const payloadBytes = Math.round(rateKBps * KB * seconds);
  // Twice the expected time plus slack: a toxic that is 2x too slow still finishes and is reported.
  const timeoutMs = seconds * 2_000 + 10_000;
  const result = await withToxic(route.proxy, toxicBody<Bandwidth>('bench_bandwidth', 'bandwidth', { rate: rateKBps }), () =>
    download(route.proxyPort, payloadBytes, timeoutMs),
  );
  const achievedKBps = payloadBytes / KB / (result.elapsedMs / 1000);
  return {
    rateKBps,
    payloadBytes,
    elapsedS: round(result.elapsedMs / 1000, 3),
    firstByteMs: round(result.firstByteMs, 1),
    achievedKBps: round(achievedKBps, 2),
    errorPct: round(((achievedKBps - rateKBps) / rateKBps) * 100, 2),
  };
}
