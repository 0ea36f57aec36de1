import type { PhaseName } from './schema/expect.js';
import type { RestartWhen } from './schema/restart.js';
import type { Selector } from './selector.js';

/**
 * The resolved scenario: what the runner, the judge and the reporters consume. Every default
 * is applied (../defaults.ts), every time is in ms, sizes in bytes, rates per second, ratios
 * in [0, 1]. `${env:...}` placeholders are expanded; `${port:...}` and `${proxy:...}` stay
 * in `Template` strings until the runner has allocated ports and proxies.
 */

/** A string that may still hold `${port:NAME}` / `${proxy:NAME}` and `$${` escapes. */
export type Template = string;

export type HealthState = 'UP' | 'DOWN';
export type { PhaseName, RestartWhen };

export interface ResolvedReady {
  kind: 'http' | 'tcp' | 'log' | 'none';
  /** http: URL; tcp: host:port; log: regular expression source; none: ''. */
  value: Template;
  /** http only: the status that means ready. */
  status: number;
  timeoutMs: number;
}

export interface ResolvedProcess {
  name: string;
  /** Program and arguments. */
  command: Template[];
  /** Absolute working directory. */
  cwd: string;
  /** Only the suite's variables; the runner puts them over its own environment. */
  env: Record<string, Template>;
  ready: ResolvedReady;
  stop: { signal: NodeJS.Signals; graceMs: number };
  restart: ResolvedRestart;
}

/**
 * What the runner does when the process exits on its own (not stopped by the run or a fault)
 * during the timeline: `on-failure` restarts it after an exit code other than 0 or a signal,
 * `always` after any such exit; each restart waits `delayMs`, at most `limit` per scenario.
 */
export interface ResolvedRestart {
  when: RestartWhen;
  delayMs: number;
  limit: number;
}

export interface ResolvedTarget extends ResolvedProcess {
  /**
   * A system already running (`external: true`): faultline does not start, stop or signal it,
   * and knows it only by its URLs. `command` is then empty, `env` too, `restart` never, and
   * `ready` is an http or tcp check (or none).
   */
  external: boolean;
  runtime: 'node' | 'other';
  health: { url: Template; intervalMs: number; timeoutMs: number } | null;
  metrics: { url: Template; intervalMs: number; timeoutMs: number } | null;
}

export interface ResolvedProxy {
  name: string;
  upstream: Template;
  listen: Template;
}

export interface ResolvedLoad {
  request: { method: string; url: Template; headers: Record<string, Template>; body: Template | null };
  ratePerSecond: number;
  timeoutMs: number;
  connections: number;
}

export interface ResolvedSlo {
  name: string;
  kind: 'availability' | 'latency';
  objective: number;
  /** Latency SLOs: a request is good when it takes at most this long. */
  thresholdMs: number | null;
  client: boolean;
  server: { kind: 'availability'; total: Selector; errors: Selector } | { kind: 'latency'; histogram: Selector } | null;
  windowMs: number;
  description: string;
}

export interface ResolvedAlert {
  name: string;
  slo: string;
  burnRate: number;
  longMs: number;
  shortMs: number;
  forMs: number;
  keepFiringForMs: number;
  severity: string;
  source: 'client' | 'server';
}

export interface ResolvedSuite {
  /** Absolute path of the suite file. */
  file: string;
  dir: string;
  name: string;
  description: string;
  /** null: decided at run time (--release, FAULTLINE_RELEASE, git). */
  release: string | null;
  seed: number;
  scenarioGlobs: string[];
  allowRemote: boolean;
  toxiproxy: { url: string | null; prefix: string };
  prometheus: { url: string } | null;
  services: ResolvedProcess[];
  target: ResolvedTarget;
  proxies: ResolvedProxy[];
  load: ResolvedLoad | null;
  slos: ResolvedSlo[];
  alerts: ResolvedAlert[];
  evaluation: { intervalMs: number; minEvents: number };
  /** Every `${port:NAME}` name used anywhere in the suite: the runner allocates one port each. */
  ports: string[];
  /** Every `${tmp:NAME}`: the runner makes one fresh folder each per scenario run. */
  tempDirs: string[];
}

export type ResolvedNetwork =
  | { toxic: 'latency'; proxy: string; stream: 'upstream' | 'downstream'; toxicity: number; latencyMs: number; jitterMs: number }
  | { toxic: 'bandwidth'; proxy: string; stream: 'upstream' | 'downstream'; toxicity: number; bytesPerSecond: number }
  | { toxic: 'slow_close'; proxy: string; stream: 'upstream' | 'downstream'; toxicity: number; delayMs: number }
  | { toxic: 'timeout'; proxy: string; stream: 'upstream' | 'downstream'; toxicity: number; timeoutMs: number }
  | { toxic: 'reset_peer'; proxy: string; stream: 'upstream' | 'downstream'; toxicity: number; timeoutMs: number }
  | { toxic: 'slicer'; proxy: string; stream: 'upstream' | 'downstream'; toxicity: number; averageSize: number; sizeVariation: number; delayMs: number }
  | { toxic: 'limit_data'; proxy: string; stream: 'upstream' | 'downstream'; toxicity: number; bytes: number }
  | { toxic: 'down'; proxy: string };

export type ResolvedFaultSpec =
  | { kind: 'network'; network: ResolvedNetwork }
  | {
      kind: 'cpu';
      /** Threads to run: `N/core` already multiplied by the cores and capped at 256. */
      workers: number;
      /** The N of `workers: N/core`, so that reports can say "4/core on 2 cores = 8 threads"; absent for a plain count. */
      workersPerCore?: number;
      load: number;
      mode: 'in-process' | 'stressor';
    }
  | { kind: 'heap'; bytesPerSecond: number; maxBytes: number; release: boolean }
  | { kind: 'process'; action: 'kill' | 'pause' | 'terminate'; restart: boolean; process: string };

export type ResolvedFault = ResolvedFaultSpec & {
  name: string;
  description: string;
  /** Offset from the start of the scenario (steady included). */
  startMs: number;
  endMs: number;
};

/** An anchor for a time window: a fault's or a phase's start or end, and when it is planned. */
export interface EventRef {
  ref: string;
  of: 'fault' | 'phase';
  name: string;
  edge: 'start' | 'end';
  atMs: number;
}

export interface ResolvedPhase {
  name: PhaseName;
  startMs: number;
  endMs: number;
}

export type ResolvedExpectation =
  | { id: string; kind: 'steady-state'; when: 'before' | 'after'; health: boolean; slos: string[]; fromMs: number; toMs: number }
  | { id: string; kind: 'health'; index: number; from: HealthState; to: HealthState; withinMs: number; after: EventRef }
  | { id: string; kind: 'recovery'; withinMs: number; stableMs: number; health: boolean; slos: string[]; after: EventRef }
  | { id: string; kind: 'alert-fires' | 'alert-resolves'; alert: string; withinMs: number; after: EventRef }
  | { id: string; kind: 'alert-never'; alert: string; phases: PhaseName[] }
  | { id: string; kind: 'slo'; slo: string; phase: PhaseName | 'all'; objective: number; source: 'client' | 'server' | 'both' }
  | { id: string; kind: 'errors'; errorKind: ErrorKind; max: number | null; ratio: number | null; phase: PhaseName | 'all' }
  | { id: string; kind: 'durability'; url: Template; ratePerSecond: number; phases: PhaseName[] };

/**
 * How a load request can fail: `unanswered` (the connection closed after the request was
 * sent, no answer), `refused` (no connection), `timeout`, `5xx` (an answer with status ≥ 500),
 * `skipped` (due while every connection was busy, so not sent: a saturated client must not look
 * like a healthy service), `any` (all of these).
 */
export type ErrorKind = 'unanswered' | 'refused' | 'timeout' | '5xx' | 'skipped' | 'any';

export type ResolvedAbort =
  | { when: 'errorRatio'; above: number; forMs: number }
  | { when: 'healthDown'; forMs: number }
  | { when: 'latency'; quantile: 'p50' | 'p90' | 'p95' | 'p99'; aboveMs: number; forMs: number };

export interface ResolvedScenario {
  file: string;
  name: string;
  description: string;
  tags: string[];
  /** null: run it; otherwise the reason it is skipped. */
  skip: string | null;
  seed: number;
  phases: ResolvedPhase[];
  durationMs: number;
  load: ResolvedLoad | null;
  faults: ResolvedFault[];
  expectations: ResolvedExpectation[];
  abort: ResolvedAbort[];
}

/** A loaded suite with its scenarios, ready to run. */
export interface LoadedSuite {
  suite: ResolvedSuite;
  scenarios: ResolvedScenario[];
}
