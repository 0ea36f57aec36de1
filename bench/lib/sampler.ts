/**
 * Raw-sample closed loops for the Toxiproxy bench: like closed-loop.ts, but every measurement
 * is kept (medians of differences and a KS test need the samples, not a histogram), the
 * operation reports its own duration (an echo round trip times itself from the write), and
 * two targets can be measured in alternating rounds so that a load change on the machine
 * (another developer's tests on the same 2 cores) hits both sides alike.
 */

/** One measured operation of client `worker`; resolves with its duration in ms. */
export type TimedOp = (worker: number) => Promise<number>;

export interface SampleSpec {
  /** Clients, each with one operation in flight. */
  workers: number;
  /** Unmeasured operations before the measured phase (JIT, caches, TCP windows). */
  warmupMs: number;
  /** Measured phase: no operation starts after it. */
  durationMs: number;
  /** Cap on measured operations started, whatever the duration. */
  maxSamples: number;
  /** An operation slower than this fails. */
  opTimeoutMs: number;
}

export interface Collected {
  samples: number[];
  errors: number;
  errorSamples: string[];
}

const MAX_ERROR_SAMPLES = 3;

function timeout<T>(run: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`operation exceeded ${ms} ms`)), ms);
  });
  return Promise.race([run, expired]).finally(() => clearTimeout(timer));
}

function recordError(into: Collected, error: unknown): void {
  into.errors++;
  const message = error instanceof Error ? error.message : String(error);
  if (into.errorSamples.length < MAX_ERROR_SAMPLES && !into.errorSamples.includes(message)) into.errorSamples.push(message);
}

/**
 * Runs `workers` clients until `durationMs` passed or `maxSamples` operations were started.
 * A client stops at its first failure: its connection is most likely gone, and retrying at
 * once would spin; the failure is counted and reported instead.
 */
async function phase(spec: SampleSpec, op: TimedOp, durationMs: number, into: Collected | undefined): Promise<void> {
  const deadline = performance.now() + durationMs;
  let issued = 0;
  const client = async (worker: number): Promise<void> => {
    while (issued < spec.maxSamples && performance.now() < deadline) {
      issued++;
      try {
        const ms = await timeout(op(worker), spec.opTimeoutMs);
        into?.samples.push(ms);
      } catch (error) {
        if (into !== undefined) recordError(into, error);
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.workers }, (_, worker) => client(worker)));
}

export function emptyCollected(): Collected {
  return { samples: [], errors: 0, errorSamples: [] };
}

/** Warm-up, then the measured phase; samples are appended to `into`. */
export async function collect(spec: SampleSpec, op: TimedOp, into: Collected = emptyCollected()): Promise<Collected> {
  if (spec.warmupMs > 0) await phase({ ...spec, maxSamples: Number.POSITIVE_INFINITY }, op, spec.warmupMs, undefined);
  await phase(spec, op, spec.durationMs, into);
  return into;
}

export interface PairSpec extends SampleSpec {
  /** Measured rounds per target; the order alternates (A B, B A, ...) so neither always goes first. */
  rounds: number;
  /** Warm-up of the first round of each target; later rounds use `warmupMs`. */
  firstWarmupMs: number;
}

/** Measures `a` and `b` in alternating rounds of `durationMs` each; returns their pooled samples. */
export async function collectPair(spec: PairSpec, a: TimedOp, b: TimedOp): Promise<[Collected, Collected]> {
  const results: [Collected, Collected] = [emptyCollected(), emptyCollected()];
  const ops = [a, b] as const;
  for (let round = 0; round < spec.rounds; round++) {
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const index of order) {
      const warmupMs = round === 0 ? spec.firstWarmupMs : spec.warmupMs;
      await collect({ ...spec, warmupMs }, ops[index as 0 | 1], results[index as 0 | 1]);
    }
  }
  return results;
}
