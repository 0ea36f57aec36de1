import { build } from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';

/** What one operation reported: success, or the HTTP status of a non-2xx answer. */
export type Outcome = 'ok' | { status: number };

/** One operation of a closed loop; `worker` is stable per concurrent client, `seq` counts its ops. */
export type Operation = (worker: number, seq: number) => Promise<Outcome>;

export interface LoopSpec {
  /** Clients, each with exactly one operation in flight (the closed model). */
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** Upper bound on measured operations, so a very fast target cannot run away. */
  maxOps: number;
  /** An operation slower than this counts as an error and its client moves on. */
  opTimeoutMs: number;
  op: Operation;
  /** Runs between warm-up and measurement, e.g. to snapshot counters the target keeps. */
  onMeasureStart?: () => Promise<void> | void;
}

export interface LatencySummary {
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

export interface LoopStats extends LatencySummary {
  /** Operations completed in the measured phase: ok + non2xx + errors. */
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  /** From the start of the measured phase until its last operation completed. */
  durationS: number;
  /** Completed operations per second (all outcomes). */
  rps: number;
  statusCounts: Record<string, number>;
  /** The first few distinct error messages, so a run full of errors explains itself. */
  errorSamples: string[];
}

const MAX_ERROR_SAMPLES = 3;

/** Latencies are recorded in microseconds: integers, with 3 significant digits of resolution. */
function newHistogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
}

class Tally {
  readonly histogram = newHistogram();
  ok = 0;
  non2xx = 0;
  errors = 0;
  statusCounts: Record<string, number> = {};
  errorSamples: string[] = [];

  record(outcome: Outcome, ms: number): void {
    // Non-2xx answers are real responses and go into the histogram; transport errors and
    // timeouts do not (their "latency" is a timeout setting, not the target's speed).
    this.histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
    if (outcome === 'ok') {
      this.ok++;
    } else {
      this.non2xx++;
      const key = String(outcome.status);
      this.statusCounts[key] = (this.statusCounts[key] ?? 0) + 1;
    }
  }

  recordError(error: unknown): void {
    this.errors++;
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (this.errorSamples.length < MAX_ERROR_SAMPLES && !this.errorSamples.includes(message)) this.errorSamples.push(message);
  }
}

/** Runs `op` once, turning a throw or an overrun of `timeoutMs` into a rejection. */
function withTimeout(run: () => Promise<Outcome>, timeoutMs: number): Promise<Outcome> {
  return new Promise<Outcome>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`operation exceeded ${timeoutMs} ms`)), timeoutMs);
    run().then(
      (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/**
 * One phase: `concurrency` clients loop until the deadline or until `maxOps` operations have
 * been started, whichever comes first; an operation never outlives `opTimeoutMs`, so the phase
 * ends at most that long after its deadline.
 */
async function phase(spec: LoopSpec, durationMs: number, maxOps: number, tally: Tally | undefined): Promise<number> {
  const started = performance.now();
  const deadline = started + durationMs;
  let issued = 0;
  const client = async (worker: number): Promise<void> => {
    for (let seq = 0; issued < maxOps && performance.now() < deadline; seq++) {
      issued++;
      const t0 = performance.now();
      try {
        const outcome = await withTimeout(() => spec.op(worker, seq), spec.opTimeoutMs);
        tally?.record(outcome, performance.now() - t0);
      } catch (error) {
        tally?.recordError(error);
      }
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, (_, worker) => client(worker)));
  return (performance.now() - started) / 1000;
}

/** Warm-up (JIT, connection setup, file growth; not recorded), then the measured phase. */
export async function runClosedLoop(spec: LoopSpec): Promise<LoopStats> {
  if (spec.warmupMs > 0) await phase(spec, spec.warmupMs, spec.maxOps, undefined);
  await spec.onMeasureStart?.();
  const tally = new Tally();
  const durationS = await phase(spec, spec.durationMs, spec.maxOps, tally);
  const requests = tally.ok + tally.non2xx + tally.errors;
  const stats: LoopStats = {
    requests,
    ok: tally.ok,
    non2xx: tally.non2xx,
    errors: tally.errors,
    durationS: round(durationS, 3),
    rps: durationS > 0 ? round(requests / durationS, 1) : 0,
    ...summarize(tally.histogram),
    statusCounts: tally.statusCounts,
    errorSamples: tally.errorSamples,
  };
  tally.histogram.destroy();
  return stats;
}

function summarize(histogram: Histogram): LatencySummary {
  if (histogram.totalCount === 0) return { p50Ms: null, p90Ms: null, p99Ms: null, maxMs: null };
  const max = histogram.maxValue;
  // HDR reports a bucket's upper edge, which can exceed the largest value recorded: clamp.
  const at = (p: number): number => usToMs(Math.min(histogram.getValueAtPercentile(p), max));
  return { p50Ms: at(50), p90Ms: at(90), p99Ms: at(99), maxMs: usToMs(max) };
}

function usToMs(us: number): number {
  return round(us / 1000, 3);
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
