import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ContextBus } from './bus/context-bus.js';
import type { AgentConfig } from './config.js';
import { BehaviorEngine } from './engine/engine.js';
import { computeHandler, createFetchHandler, echoHandler } from './engine/handlers.js';
import { HealthMonitor, type HealthReport } from './health/monitor.js';
import { createHttpServer, type AgentHttpServer } from './http/server.js';
import { createMetrics, type AgentMetrics } from './metrics.js';
import { StateCoordinator, type StateRecord } from './state/coordinator.js';
import { WriteAheadLog } from './state/wal.js';

export type LifecycleState = 'created' | 'initialized' | 'running' | 'stopping' | 'stopped';

export interface StopResult {
  /** True when all in-flight work finished before the deadline. */
  drained: boolean;
  /** Actions aborted at the deadline. */
  aborted: number;
}

/**
 * The agent runtime: wires the behavior engine, state coordinator, context bus, health
 * monitor, metrics and HTTP server, and owns their lifecycle:
 * init (open and replay the WAL) → start (listen, start checks) → stop(deadline) (refuse new
 * work, drain in-flight work until the deadline, flush the WAL, close everything).
 */
export class AgentRuntime {
  #state: LifecycleState = 'created';
  #wal: WriteAheadLog<StateRecord> | undefined;
  #coordinator!: StateCoordinator;
  #engine!: BehaviorEngine;
  #bus!: ContextBus;
  #health: HealthMonitor | undefined;
  #metrics!: AgentMetrics;
  #http!: AgentHttpServer;
  #closeFetch: (graceMs: number) => Promise<void> = () => Promise.resolve();
  /** The `leak` seeded bug: per-request records kept forever, as an unbounded cache would. */
  #leaked: number[][] = [];
  #leakedBytes = 0;

  constructor(
    readonly config: AgentConfig,
    private readonly logger: Logger,
  ) {}

  get state(): LifecycleState {
    return this.#state;
  }

  async init(): Promise<void> {
    if (this.#state !== 'created') throw new Error(`init() called in state ${this.#state}`);
    const { config, logger } = this;
    const bugs = config.bugs;
    this.#metrics = createMetrics({
      inflight: () => this.#engine.inflight,
      queued: () => this.#engine.queued,
      ringSize: () => this.#bus.ringSize,
      states: () => this.#coordinator.size,
    });

    if (config.walPath !== undefined) {
      const { wal, replay } = await WriteAheadLog.open<StateRecord>(config.walPath, {
        ackBeforeDurable: bugs.has('wal-no-fsync'),
        onAppend: () => this.#metrics.walAppends.inc(),
        onSync: (_records, seconds) => this.#metrics.walSyncDuration.observe(seconds),
      });
      this.#wal = wal;
      this.#coordinator = new StateCoordinator(wal);
      this.#coordinator.restore(replay.records);
      if (replay.records.length > this.#coordinator.size) await wal.compact(this.#coordinator.all().map((snapshot) => ({ op: 'put', snapshot })));
      logger.info(
        { wal: config.walPath, records: replay.records.length, states: this.#coordinator.size, tornBytesDropped: replay.droppedBytes },
        'write-ahead log replayed',
      );
    } else {
      this.#coordinator = new StateCoordinator(undefined);
    }

    this.#engine = new BehaviorEngine({
      maxConcurrency: config.maxConcurrency,
      maxQueue: config.maxQueue,
      defaultTimeoutMs: config.actionTimeoutMs,
      maxTimeoutMs: config.maxActionTimeoutMs,
      ignoreDeadlines: bugs.has('no-timeout'),
      onOutcome: (type, outcome, seconds) => {
        this.#metrics.actions.inc({ type, outcome });
        this.#metrics.actionDuration.observe({ type, outcome }, seconds);
      },
    });
    const fetch = createFetchHandler({ upstreamUrl: config.upstreamUrl, ignoreSignal: bugs.has('no-timeout') });
    this.#closeFetch = fetch.close;
    this.#engine.register('fetch', fetch.handler).register('compute', computeHandler).register('echo', echoHandler);

    this.#bus = new ContextBus(this.#engine, {
      ringSize: config.busRingSize,
      sampleRate: config.busSampleRate,
      drainIntervalMs: config.busDrainIntervalMs,
      drainBatch: config.busDrainBatch,
      seed: config.seed,
      onReceive: (priority) => this.#metrics.busMessages.inc({ priority }),
      onDrop: (reason, priority) => this.#metrics.busDrops.inc({ reason, priority }),
      onDeliveryError: (message, error) =>
        logger.debug({ trace_id: message.traceId, code: error.code }, 'low-priority bus message not delivered'),
    });

    this.#health = new HealthMonitor({
      upstreamUrl: config.upstreamUrl,
      downstreamPath: config.healthDownstreamPath,
      intervalMs: config.healthIntervalMs,
      downstreamTimeoutMs: config.healthDownstreamTimeoutMs,
      failThreshold: config.healthFailThreshold,
      recoverThreshold: config.healthRecoverThreshold,
      eventLoopP99LimitMs: config.eventLoopP99LimitMs,
      heapLimitFraction: config.heapLimitFraction,
      heapLimitMb: config.heapLimitMb,
      alwaysUp: bugs.has('health-always-up'),
      onEvaluate: (checks) => {
        for (const [check, status] of Object.entries(checks)) this.#metrics.healthStatus.set({ check }, status === 'UP' ? 1 : 0);
      },
      onTransition: (check, from, to, detail) => logger.warn({ check, from, to, detail }, `health check ${check} ${from} -> ${to}`),
      onError: (error) => logger.error({ err: error }, 'health evaluation failed'),
    });

    this.#http = createHttpServer({
      logger,
      isStopping: () => this.#state === 'stopping' || this.#state === 'stopped',
      deps: {
        engine: this.#engine,
        state: this.#coordinator,
        bus: this.#bus,
        health: this.#health,
        metrics: this.#metrics,
        maxBodyBytes: config.maxBodyBytes,
        onActionRequest: bugs.has('leak') ? () => this.#leak() : () => undefined,
      },
    });
    this.#state = 'initialized';
    if (bugs.size > 0) logger.warn({ bugs: [...bugs] }, 'seeded resilience bugs are ON');
  }

  #leak(): void {
    // A JS array of doubles lives on the V8 heap (unlike a Buffer), so heap checks can see it.
    const n = Math.ceil(this.config.leakBytesPerRequest / 8);
    const record = new Array<number>(n);
    for (let i = 0; i < n; i++) record[i] = i + 0.5;
    this.#leaked.push(record);
    this.#leakedBytes += n * 8;
    this.#metrics.leakedBytes.set(this.#leakedBytes);
  }

  /** Listens and starts the background work; resolves with the bound address. */
  async start(): Promise<AddressInfo> {
    if (this.#state !== 'initialized') throw new Error(`start() called in state ${this.#state}`);
    const { server } = this.#http;
    server.listen(this.config.port, this.config.host);
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error as Error))]);
    this.#bus.start();
    // The first health evaluation completes before the agent says it is listening, so the
    // first /health anyone reads already has every check.
    const health = initialized(this.#health);
    await health.start();
    if (this.#state !== 'initialized') throw new Error('the agent was stopped while starting');
    this.#state = 'running';
    health.setLifecycle('running', true);
    return server.address() as AddressInfo;
  }

  healthCheck(): HealthReport {
    return initialized(this.#health).report();
  }

  /**
   * Graceful stop. While draining, the agent keeps listening so that callers get an answer
   * rather than a refused connection: new work gets 503 (and the connection closes), /health
   * turns DOWN with `lifecycle: stopping`. In-flight actions and state writes run until
   * `deadlineMs`; what is left is aborted (503). Then the listener closes, the WAL is flushed
   * and synced, and every handle is released. Safe to call in any state.
   */
  async stop(deadlineMs: number): Promise<StopResult> {
    if (this.#state === 'stopping' || this.#state === 'stopped') return { drained: true, aborted: 0 };
    const wasRunning = this.#state === 'running';
    this.#state = 'stopping';
    const started = performance.now();
    const result: StopResult = { drained: true, aborted: 0 };
    if (wasRunning) {
      initialized(this.#health).setLifecycle('stopping', false);
      this.#engine.close();
      this.#bus.stop();
      const inflight = this.#engine.inflight + this.#engine.queued;
      const drained = await raceDeadline(Promise.all([this.#engine.drain(deadlineMs), this.#http.whenIdle()]), deadlineMs);
      if (!drained) {
        result.drained = false;
        result.aborted = this.#engine.inflight + this.#engine.queued;
        this.#engine.abortAll();
        // Give the aborted requests a moment to send their 503 before the sockets go.
        await raceDeadline(this.#http.whenIdle(), 1_000);
      }
      const { server } = this.#http;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      this.logger.info(
        { drained: result.drained, inflightAtStop: inflight, aborted: result.aborted, stopMs: Math.round(performance.now() - started) },
        'stopped accepting work',
      );
    }
    // init() may have stopped half-way (a signal during WAL replay): close what exists.
    await this.#health?.stop();
    // A handler that ignores its signal (the no-timeout bug) must not hold the exit: give open
    // downstream requests a second, then cut them.
    await this.#closeFetch(1_000);
    await this.#wal?.close();
    this.#state = 'stopped';
    return result;
  }
}

function initialized<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('the agent is not initialized; call init() first');
  return value;
}

async function raceDeadline(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
  });
  try {
    return await Promise.race([work.then(() => true), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
