import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { Agent as UndiciAgent, request } from 'undici';
import { Hysteresis, type CheckStatus } from './hysteresis.js';

export interface CheckReport {
  status: CheckStatus;
  [detail: string]: unknown;
}

export interface HealthReport {
  status: CheckStatus;
  timestamp: string;
  /** The checks that are DOWN (present only when status is DOWN). */
  failed?: string[];
  checks: Record<string, CheckReport>;
}

export interface HealthOptions {
  upstreamUrl: string | undefined;
  downstreamPath: string;
  intervalMs: number;
  downstreamTimeoutMs: number;
  failThreshold: number;
  recoverThreshold: number;
  eventLoopP99LimitMs: number;
  heapLimitFraction: number;
  heapLimitMb: number | undefined;
  /** The `health-always-up` seeded bug: report UP whatever the checks say. */
  alwaysUp: boolean;
  /** Called after every evaluation with each check's status. */
  onEvaluate?: (checks: Record<string, CheckStatus>) => void;
  onTransition?: (check: string, from: CheckStatus, to: CheckStatus, detail: CheckReport) => void;
  /** A check that threw (it keeps its last report); logged, never fatal. */
  onError?: (error: unknown) => void;
}

/** Heap used must fall this far below the limit before a DOWN heap check counts as good again. */
const HEAP_RECOVERY_BAND = 0.9;
const MB = 1024 * 1024;
/** The event-loop delay monitor's timer, ms. */
const LOOP_RESOLUTION_MS = 10;

/**
 * Background health checks on a fixed interval, each debounced by hysteresis:
 * - downstream: GET <UPSTREAM_URL><path>; bad when it fails, is not 2xx, or is slower than its limit;
 * - eventLoop: p99 event-loop delay over the last interval above its limit (CPU starvation);
 * - heap: heap used above its limit (a fraction of V8's heap limit, or an absolute MB).
 * `GET /health` reads the last evaluation, so a probe costs nothing and cannot pile up.
 */
export class HealthMonitor {
  #timer: NodeJS.Timeout | undefined;
  #loop: IntervalHistogram;
  #dispatcher = new UndiciAgent({ connections: 2, keepAliveTimeout: 10_000 });
  #downstream: Hysteresis;
  #eventLoop: Hysteresis;
  #heap: Hysteresis;
  #probing = false;
  #lastEvaluation = performance.now();
  #reports: Record<string, CheckReport> = {};
  #lifecycle: { state: string; up: boolean } = { state: 'starting', up: true };

  constructor(private readonly options: HealthOptions) {
    this.#loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    this.#downstream = new Hysteresis(options.failThreshold, options.recoverThreshold);
    this.#eventLoop = new Hysteresis(options.failThreshold, options.recoverThreshold);
    this.#heap = new Hysteresis(options.failThreshold, options.recoverThreshold);
    this.#evaluateLocal();
  }

  /** The heap-used limit in bytes. */
  get heapLimitBytes(): number {
    if (this.options.heapLimitMb !== undefined) return this.options.heapLimitMb * MB;
    return getHeapStatistics().heap_size_limit * this.options.heapLimitFraction;
  }

  /** Runs the first evaluation (at most one downstream timeout), then one per interval. */
  async start(): Promise<void> {
    this.#loop.enable();
    this.#lastEvaluation = performance.now();
    await this.#tick();
    this.#timer = setInterval(() => void this.#tick(), this.options.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#loop.disable();
    await this.#dispatcher.close();
  }

  setLifecycle(state: string, up: boolean): void {
    this.#lifecycle = { state, up };
  }

  report(): HealthReport {
    const checks: Record<string, CheckReport> = {
      ...this.#reports,
      lifecycle: { status: this.#lifecycle.up ? 'UP' : 'DOWN', state: this.#lifecycle.state },
    };
    const failed = Object.entries(checks)
      .filter(([, c]) => c.status === 'DOWN')
      .map(([name]) => name);
    if (failed.length === 0 || this.options.alwaysUp) return { status: 'UP', timestamp: new Date().toISOString(), checks };
    return { status: 'DOWN', timestamp: new Date().toISOString(), failed, checks };
  }

  async #tick(): Promise<void> {
    // A health check must never take the process down (e.g. EMFILE under a connection flood).
    try {
      this.#evaluateLocal();
      if (this.options.upstreamUrl === undefined) {
        this.#reports.downstream = { status: 'UP', configured: false };
      } else if (!this.#probing) {
        this.#probing = true;
        try {
          await this.#probeDownstream(this.options.upstreamUrl);
        } finally {
          this.#probing = false;
        }
      }
      this.options.onEvaluate?.(Object.fromEntries(Object.entries(this.#reports).map(([k, v]) => [k, v.status])));
    } catch (error) {
      this.options.onError?.(error);
    }
  }

  #evaluateLocal(): void {
    const now = performance.now();
    const sinceLast = now - this.#lastEvaluation;
    this.#lastEvaluation = now;
    // No delay sample since the last evaluation means the monitor's 10 ms timer never ran in
    // that time: the loop was blocked for all of it, not idle. (Reading that as 0 ms would
    // report a starved loop as healthy.)
    const starved = this.#loop.count === 0 && sinceLast > 2 * LOOP_RESOLUTION_MS;
    const p99Ms = this.#loop.count > 0 ? this.#loop.percentile(99) / 1e6 : starved ? sinceLast : 0;
    const maxMs = this.#loop.count > 0 ? this.#loop.max / 1e6 : starved ? sinceLast : 0;
    this.#loop.reset();
    const limitMs = this.options.eventLoopP99LimitMs;
    this.#set('eventLoop', this.#eventLoop, p99Ms <= limitMs, {
      p99Ms: round(p99Ms),
      maxMs: round(maxMs),
      limitMs,
    });

    // V8's own counters: unlike process.memoryUsage() they need no file descriptor.
    const used = getHeapStatistics().used_heap_size;
    const limit = this.heapLimitBytes;
    const threshold = this.#heap.status === 'DOWN' ? limit * HEAP_RECOVERY_BAND : limit;
    this.#set('heap', this.#heap, used < threshold, { usedMb: round(used / MB), limitMb: round(limit / MB) });
  }

  async #probeDownstream(base: string): Promise<void> {
    const url = `${base}${this.options.downstreamPath}`;
    const started = performance.now();
    let ok = false;
    let detail: Record<string, unknown>;
    try {
      const response = await request(url, {
        dispatcher: this.#dispatcher,
        signal: AbortSignal.timeout(this.options.downstreamTimeoutMs),
      });
      await response.body.dump();
      const latencyMs = performance.now() - started;
      ok = response.statusCode >= 200 && response.statusCode < 300 && latencyMs <= this.options.downstreamTimeoutMs;
      detail = { httpStatus: response.statusCode, latencyMs: round(latencyMs) };
    } catch (error) {
      const latencyMs = performance.now() - started;
      const timedOut = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError';
      detail = {
        latencyMs: round(latencyMs),
        error: timedOut ? `no answer within ${this.options.downstreamTimeoutMs} ms` : (error as Error).message,
      };
    }
    this.#set('downstream', this.#downstream, ok, { ...detail, limitMs: this.options.downstreamTimeoutMs, url });
  }

  #set(name: string, hysteresis: Hysteresis, ok: boolean, detail: Record<string, unknown>): void {
    const before = hysteresis.status;
    const status = hysteresis.observe(ok);
    const report: CheckReport = { status, ...detail, consecutiveFailures: hysteresis.consecutiveBad };
    this.#reports[name] = report;
    if (before !== status) this.options.onTransition?.(name, before, status, report);
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
