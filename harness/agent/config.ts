/**
 * Agent configuration, read from the environment. Every knob has a default that suits a
 * production-like run on loopback; a bad value stops the agent with exit code 2 and a
 * message naming the variable, the value and what is allowed (see README.md beside this file).
 */

export const BUG_NAMES = ['no-timeout', 'health-always-up', 'leak', 'no-graceful-stop', 'wal-no-fsync'] as const;
export type BugName = (typeof BUG_NAMES)[number];

export interface AgentConfig {
  /** TCP port; 0 picks a free one. Default: 0. */
  port: number;
  /** Interface to bind. Default: 127.0.0.1. */
  host: string;
  /** Base URL of the downstream service (the chaos proxy sits here). Default: unset. */
  upstreamUrl: string | undefined;
  /** Write-ahead log path; unset keeps state in memory only. */
  walPath: string | undefined;
  /** Default per-action deadline in ms. Default: 200. */
  actionTimeoutMs: number;
  /** Largest deadline an action may ask for, in ms. Default: 30000. */
  maxActionTimeoutMs: number;
  /** Actions running at once. Default: 64. */
  maxConcurrency: number;
  /** Actions waiting for a slot; beyond this, requests get 503. Default: 256. */
  maxQueue: number;
  /** Largest request body in bytes; beyond it, 413. Default: 1 MiB. */
  maxBodyBytes: number;
  /** Capacity of the low-priority ring buffer. Default: 1024. */
  busRingSize: number;
  /** Fraction [0..1] of low-priority messages kept; the rest are counted as sampled out. Default: 1. */
  busSampleRate: number;
  /** How often the bus drains the ring into the engine, in ms. Default: 10. */
  busDrainIntervalMs: number;
  /** Messages taken from the ring per drain tick. Default: 32. */
  busDrainBatch: number;
  /** Seed for the bus sampler, so a run can be repeated. Default: 1. */
  seed: number;
  /** Interval of the background health checks, in ms. Default: 500. */
  healthIntervalMs: number;
  /** A downstream probe slower than this counts as failed, in ms. Default: 250. */
  healthDownstreamTimeoutMs: number;
  /** Path probed on the downstream. Default: /health. */
  healthDownstreamPath: string;
  /** Consecutive bad checks before a check goes DOWN. Default: 3. */
  healthFailThreshold: number;
  /** Consecutive good checks before a DOWN check comes back UP. Default: 2. */
  healthRecoverThreshold: number;
  /** Event-loop delay p99 over one health interval above this marks the check bad, in ms. Default: 100. */
  eventLoopP99LimitMs: number;
  /** Heap used above this fraction of V8's heap limit marks the heap check bad. Default: 0.85. */
  heapLimitFraction: number;
  /** Absolute heap-used limit in MB; when set it wins over the fraction. Default: unset. */
  heapLimitMb: number | undefined;
  /** Deadline for the graceful stop on SIGTERM, in ms. Default: 10000. */
  stopTimeoutMs: number;
  /** Bytes retained per request by the `leak` bug. Default: 65536. */
  leakBytesPerRequest: number;
  /** pino log level. Default: info. */
  logLevel: string;
  /** Seeded bugs switched on by AGENT_BUG. Default: none. */
  bugs: ReadonlySet<BugName>;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly issues: readonly string[]) {
    super(`invalid agent configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

type Env = Readonly<Record<string, string | undefined>>;

/** Parses the environment; collects every problem before failing. */
export function loadConfig(env: Env): AgentConfig {
  const issues: string[] = [];
  const read = new EnvReader(env, issues);
  const heapLimitMb = read.optionalNumber('AGENT_HEAP_LIMIT_MB', { min: 1, max: 1_048_576 });
  const config: AgentConfig = {
    port: read.int('AGENT_PORT', 0, { min: 0, max: 65_535 }),
    host: read.string('AGENT_HOST', '127.0.0.1'),
    upstreamUrl: read.optionalUrl('UPSTREAM_URL'),
    walPath: read.optionalString('AGENT_WAL'),
    actionTimeoutMs: read.int('AGENT_ACTION_TIMEOUT_MS', 200, { min: 1, max: 600_000 }),
    maxActionTimeoutMs: read.int('AGENT_MAX_ACTION_TIMEOUT_MS', 30_000, { min: 1, max: 600_000 }),
    maxConcurrency: read.int('AGENT_MAX_CONCURRENCY', 64, { min: 1, max: 100_000 }),
    maxQueue: read.int('AGENT_MAX_QUEUE', 256, { min: 0, max: 1_000_000 }),
    maxBodyBytes: read.int('AGENT_MAX_BODY_BYTES', 1_048_576, { min: 64, max: 1_073_741_824 }),
    busRingSize: read.int('AGENT_BUS_RING_SIZE', 1024, { min: 1, max: 10_000_000 }),
    busSampleRate: read.number('AGENT_BUS_SAMPLE_RATE', 1, { min: 0, max: 1 }),
    busDrainIntervalMs: read.int('AGENT_BUS_DRAIN_INTERVAL_MS', 10, { min: 1, max: 3_600_000 }),
    busDrainBatch: read.int('AGENT_BUS_DRAIN_BATCH', 32, { min: 1, max: 100_000 }),
    seed: read.int('AGENT_SEED', 1, { min: 0, max: 2 ** 32 - 1 }),
    healthIntervalMs: read.int('AGENT_HEALTH_INTERVAL_MS', 500, { min: 10, max: 600_000 }),
    healthDownstreamTimeoutMs: read.int('AGENT_HEALTH_DOWNSTREAM_TIMEOUT_MS', 250, { min: 1, max: 600_000 }),
    healthDownstreamPath: read.path('AGENT_HEALTH_DOWNSTREAM_PATH', '/health'),
    healthFailThreshold: read.int('AGENT_HEALTH_FAIL_THRESHOLD', 3, { min: 1, max: 1000 }),
    healthRecoverThreshold: read.int('AGENT_HEALTH_RECOVER_THRESHOLD', 2, { min: 1, max: 1000 }),
    eventLoopP99LimitMs: read.number('AGENT_EVENT_LOOP_P99_LIMIT_MS', 100, { min: 1, max: 600_000 }),
    heapLimitFraction: read.number('AGENT_HEAP_LIMIT_FRACTION', 0.85, { min: 0.01, max: 1 }),
    heapLimitMb,
    stopTimeoutMs: read.int('AGENT_STOP_TIMEOUT_MS', 10_000, { min: 0, max: 600_000 }),
    leakBytesPerRequest: read.int('AGENT_LEAK_BYTES_PER_REQUEST', 65_536, { min: 1, max: 1_073_741_824 }),
    logLevel: read.oneOf('AGENT_LOG_LEVEL', 'info', LOG_LEVELS),
    bugs: read.bugs('AGENT_BUG'),
  };
  if (config.actionTimeoutMs > config.maxActionTimeoutMs) {
    issues.push(
      `AGENT_ACTION_TIMEOUT_MS (${config.actionTimeoutMs}) is above AGENT_MAX_ACTION_TIMEOUT_MS (${config.maxActionTimeoutMs}); raise the maximum or lower the default`,
    );
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}

interface Range {
  min: number;
  max: number;
}

class EnvReader {
  constructor(
    private readonly env: Env,
    private readonly issues: string[],
  ) {}

  private raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optionalString(name: string): string | undefined {
    return this.raw(name);
  }

  number(name: string, fallback: number, range: Range): number {
    return this.optionalNumber(name, range) ?? fallback;
  }

  optionalNumber(name: string, range: Range): number | undefined {
    const raw = this.raw(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < range.min || value > range.max) {
      this.issues.push(`${name}: expected a number from ${range.min} to ${range.max}, got "${raw}"`);
      return undefined;
    }
    return value;
  }

  int(name: string, fallback: number, range: Range): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || value < range.min || value > range.max) {
      this.issues.push(`${name}: expected an integer from ${range.min} to ${range.max}, got "${raw}"`);
      return fallback;
    }
    return value;
  }

  oneOf(name: string, fallback: string, allowed: readonly string[]): string {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if (!allowed.includes(raw)) {
      this.issues.push(`${name}: expected one of ${allowed.join(', ')}, got "${raw}"`);
      return fallback;
    }
    return raw;
  }

  path(name: string, fallback: string): string {
    const raw = this.raw(name) ?? fallback;
    if (!raw.startsWith('/')) {
      this.issues.push(`${name}: expected a path starting with "/", got "${raw}"`);
      return fallback;
    }
    return raw;
  }

  optionalUrl(name: string): string | undefined {
    const raw = this.raw(name);
    if (raw === undefined) return undefined;
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      this.issues.push(`${name}: expected an http:// URL such as http://127.0.0.1:8080, got "${raw}"`);
      return undefined;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      this.issues.push(`${name}: expected an http:// or https:// URL, got protocol "${url.protocol}"`);
      return undefined;
    }
    // Keep the base without a trailing slash so `${base}${path}` never doubles it.
    return raw.replace(/\/+$/, '');
  }

  bugs(name: string): ReadonlySet<BugName> {
    const raw = this.raw(name);
    const bugs = new Set<BugName>();
    if (raw === undefined) return bugs;
    for (const part of raw.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
      if ((BUG_NAMES as readonly string[]).includes(part)) bugs.add(part as BugName);
      else this.issues.push(`${name}: unknown bug "${part}"; known bugs: ${BUG_NAMES.join(', ')}`);
    }
    return bugs;
  }
}
