import type { AlertHistory } from '../slo/prometheus.js';

/**
 * The Recording: everything a run observed, on the run's one clock (`t`: ms since the run
 * started). Observers only append to it; the judge and the reporters read only it (and the
 * resolved scenario). Kept compact: per-second aggregates, not per-request rows.
 */

/** How a load request failed (see ErrorKind in scenario/types.ts; `5xx` is a status, kept in `status`). */
export interface LoadErrors {
  /** Sent, then the connection closed without an answer. */
  unanswered: number;
  /** No connection (refused, reset while connecting, unreachable). */
  refused: number;
  /** No answer within the load timeout. */
  timeout: number;
  /** Due while every connection was busy: not sent. */
  skipped: number;
  /** Anything else (e.g. a malformed answer), with the codes seen. */
  other: number;
}

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

/** One second of load, by the second in which requests were *due* (their intended send time). */
export interface LoadSecond {
  /** Start of the second, ms since run start (a multiple of 1000 from the load's start). */
  t: number;
  /** Requests due in this second (the arrival rate's schedule). */
  due: number;
  /** Requests actually sent. */
  sent: number;
  /** Answers by status code, e.g. { "200": 48, "504": 2 }. */
  status: Record<string, number>;
  errors: LoadErrors;
  /** Latency from the intended send time to the end of the answer (coordinated-omission free), ms. */
  latency: LatencySummary;
  /** Latency from the actual send to the end of the answer, ms. */
  service: LatencySummary;
  /** Answers with a status below 500 whose latency was at most each threshold, keyed by the threshold in ms (the good events of a latency SLO). */
  under: Record<string, number>;
  /** HDR histogram of `latency` (µs), base64 as hdr-histogram-js encodes it; for exact merging. */
  histogram: string;
  /** How late requests went out after their intended time, p99 ms (the generator's own lag). */
  sendLagP99: number;
}

export interface HealthSample {
  t: number;
  /** UP for a 2xx answer, DOWN for any other answer, UNREACHABLE for no answer. */
  state: 'UP' | 'DOWN' | 'UNREACHABLE';
  status: number | null;
  latencyMs: number;
  /** Names of failing checks when the body says so (e.g. { failed: ["downstream"] }). */
  failed?: string[];
  /** UNREACHABLE only: why there was no answer (e.g. "no answer within 1000 ms", "connect ECONNREFUSED"). */
  error?: string;
}

export interface MetricPoint {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricsSample {
  t: number;
  /** false when the scrape failed (target down): the judge must not read a missing sample as zero. */
  up: boolean;
  points: MetricPoint[];
  error?: string;
}

/**
 * Scraped metrics as stored in the Recording: each series (name + labels) once, and per scrape
 * one value per series (`null`: absent from that scrape). Ten times smaller than points with
 * their labels repeated, which matters for hour-long runs.
 */
export interface RecordedMetrics {
  series: { name: string; labels: Record<string, string> }[];
  samples: { t: number; up: boolean; error?: string; values: (number | null)[] }[];
}

export interface ResourceSample {
  t: number;
  pid: number;
  /** CPU used since the previous sample, in cores (1 = one core fully busy). */
  cpu: number;
  rssBytes: number;
}

/** What the in-process injector reports every 250 ms. */
export interface InjectorSample {
  t: number;
  /** Achieved CPU load of the fault's threads: mean duty cycle across workers, 0..1. */
  cpuLoad: number | null;
  cpuWorkers: number;
  /** Bytes the heap fault retains right now. */
  retainedBytes: number;
  heapUsed: number;
  arrayBuffers: number;
  rss: number;
  /** Event-loop delay p99 over the last interval, ms. */
  eventLoopDelayP99: number;
}

export type RecordedEvent =
  | { t: number; type: 'phase'; phase: 'steady' | 'chaos' | 'recover'; edge: 'start' | 'end' }
  | { t: number; type: 'fault-applied'; fault: string; plannedT: number }
  | { t: number; type: 'fault-reverted'; fault: string; plannedT: number }
  | { t: number; type: 'fault-failed'; fault: string; message: string }
  | { t: number; type: 'process-started'; process: string; pid: number }
  | { t: number; type: 'process-ready'; process: string }
  | { t: number; type: 'process-exited'; process: string; pid: number; code: number | null; signal: string | null; expected: boolean }
  /** The process's restart policy will start it again after `delayMs`: its `attempt`-th restart in this scenario. */
  | { t: number; type: 'process-restart'; process: string; attempt: number; delayMs: number }
  | { t: number; type: 'health'; from: HealthSample['state'] | null; to: HealthSample['state'] }
  | { t: number; type: 'abort'; condition: string; message: string }
  | { t: number; type: 'interrupted'; signal: string }
  | { t: number; type: 'note'; message: string };

export type FaultEffect = 'effective' | 'not-effective' | 'unverified';

export interface FaultRecord {
  name: string;
  kind: 'network' | 'cpu' | 'heap' | 'process';
  plannedStart: number;
  plannedEnd: number;
  appliedAt: number | null;
  revertedAt: number | null;
  /** What the scenario asked for, in base units. */
  requested: Record<string, number | string | boolean>;
  /** What was measured while it was in effect. */
  achieved: Record<string, number | string | boolean | null>;
  effect: FaultEffect;
  /** Why the effect is judged so, in one sentence. */
  evidence: string;
}

/** The `durability` expectation: acknowledged writes and what could be read back. */
export interface DurabilityRecord {
  attempted: number;
  acknowledged: number;
  /** Writes that were not acknowledged, by status code or error code. */
  failedWrites: Record<string, number>;
  verified: number;
  /** Acknowledged keys that could not be read back. */
  lost: string[];
  /** Acknowledged keys that read back different. */
  mismatched: string[];
  verifiedAt: number;
}

export interface Recording {
  schemaVersion: 1;
  suite: string;
  scenario: string;
  seed: number;
  /** Wall-clock instant of t = 0. */
  startedAt: string;
  durationMs: number;
  status: 'completed' | 'aborted' | 'interrupted' | 'failed';
  reason: string | null;
  phases: { name: 'steady' | 'chaos' | 'recover'; plannedStart: number; plannedEnd: number; start: number | null; end: number | null }[];
  events: RecordedEvent[];
  faults: FaultRecord[];
  load: LoadSecond[];
  health: HealthSample[];
  metrics: RecordedMetrics;
  resources: ResourceSample[];
  injector: InjectorSample[];
  /** Present when the scenario expects durability. */
  durability?: DurabilityRecord;
  /** Present when the suite names a Prometheus: its alert rules' states, polled every evaluation interval. */
  prometheus?: AlertHistory;
}
