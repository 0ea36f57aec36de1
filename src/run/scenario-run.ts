import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { setMaxListeners } from 'node:events';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { startClock, waitUntil, type Clock } from '../clock.js';
import { FaultlineError } from '../errors.js';
import { InjectorClient, withInjector } from '../faults/injector-client.js';
import { INJECT_PARENT_ENV } from '../inject/protocol.js';
import { ToxiproxyControl } from '../faults/toxiproxy-control.js';
import { startDurabilityWriter, type DurabilityWriter } from '../observe/durability.js';
import { startHealthPoller } from '../observe/health.js';
import { startLoad, type LoadRun } from '../observe/load.js';
import { startMetricsScraper } from '../observe/metrics.js';
import { startResourceSampler } from '../observe/resources.js';
import { packMetrics } from '../record/metrics-pack.js';
import { pollAlerts } from '../slo/prometheus.js';
import type { FaultRecord, HealthSample, InjectorSample, LoadSecond, Recording, RecordedEvent } from '../record/types.js';
import { expandTemplate } from '../scenario/templates.js';
import type { ResolvedFault, ResolvedProcess, ResolvedScenario, ResolvedSuite } from '../scenario/types.js';
import { allocatePorts } from '../target/ports.js';
import { ManagedProcess } from '../target/process.js';
import { waitReadyByAddress } from '../target/readiness.js';
import { AbortMonitor } from './abort-monitor.js';
import { CleanupStack, type UndoFailure } from './cleanup.js';
import { FaultExecutor } from './fault-executor.js';
import { RestartSupervisor } from './restart-supervisor.js';
import { SuiteResources } from './suite-resources.js';

const STRESSOR = fileURLToPath(new URL('../inject/stressor.js', import.meta.url));

/**
 * One scenario, start to finish: allocate ports and folders, start Toxiproxy and the proxies,
 * the services and the target (or wait for an external target, which it never starts or
 * stops), the observers, then walk the timeline (steady → faults at their offsets → recover),
 * and undo everything in reverse. Everything observed goes into the Recording, on one clock.
 * Each undo is registered before the action it undoes.
 */

export interface ScenarioRunOptions {
  suite: ResolvedSuite;
  scenario: ResolvedScenario;
  /** This scenario's output folder (logs, recording.json). */
  outDir: string;
  logger: Logger;
  /** Aborted on the first Ctrl-C: revert everything, keep what was recorded, status interrupted. */
  interrupt: AbortSignal;
  /** Progress for the terminal, about once a second. */
  progress?: (update: Progress) => void;
  /** The suite run's watchdog and embedded Toxiproxy; without it the scenario starts its own. */
  shared?: SuiteResources;
}

export interface Progress {
  t: number;
  phase: string;
  faults: string[];
  rps: number;
  errors: number;
  health: string;
}

export interface ScenarioRunResult {
  recording: Recording;
  /** Undos that failed: a fault may still be in effect (exit 4). */
  cleanupFailures: UndoFailure[];
}

export async function runScenario(options: ScenarioRunOptions): Promise<ScenarioRunResult> {
  const { suite, scenario, outDir, logger } = options;
  await mkdir(outDir, { recursive: true });
  const clock = startClock();
  const cleanup = new CleanupStack();
  const events: RecordedEvent[] = [];
  const event = (e: RecordedEvent) => {
    events.push(e);
    logger.debug({ event: e }, e.type);
  };
  const shared = options.shared ?? new SuiteResources(clock, outDir, scenario.seed);
  if (options.shared === undefined) cleanup.register('stop the watchdog and the embedded Toxiproxy', () => shared.close());

  const recording: Recording = {
    schemaVersion: 1,
    suite: suite.name,
    scenario: scenario.name,
    seed: scenario.seed,
    startedAt: clock.startedAt,
    durationMs: 0,
    status: 'completed',
    reason: null,
    phases: [],
    events,
    faults: [],
    load: [],
    health: [],
    metrics: { series: [], samples: [] },
    resources: [],
    injector: [],
  };

  const finish = async (): Promise<ScenarioRunResult> => {
    const cleanupFailures = await cleanup.runAll();
    for (const failure of cleanupFailures) logger.error({ err: failure.error }, `cleanup failed: ${failure.label}`);
    recording.durationMs = Math.round(clock.now());
    // A fault's revert is recorded when the injector says it took effect, which can be before events logged meanwhile.
    events.sort((a, b) => a.t - b.t);
    return { recording, cleanupFailures };
  };

  try {
    await execute(options, clock, cleanup, event, shared, recording);
  } catch (error) {
    recording.status = 'failed';
    recording.reason = error instanceof Error ? error.message : String(error);
    const result = await finish();
    throw Object.assign(FaultlineError.is(error) ? error : new FaultlineError('FAULTLINE_INFRASTRUCTURE', recording.reason, { cause: error }), { result });
  }
  return finish();
}

async function execute(
  options: ScenarioRunOptions,
  clock: Clock,
  cleanup: CleanupStack,
  event: (e: RecordedEvent) => void,
  shared: SuiteResources,
  recording: Recording,
): Promise<void> {
  const { suite, scenario, outDir, logger, interrupt } = options;
  const watchdog = shared.watchdog;

  // Ports and temporary folders, one per name.
  const ports = await allocatePorts(suite.ports);
  const tmpDirs = new Map<string, string>();
  for (const name of suite.tempDirs) {
    const dir = await mkdtemp(path.join(outDir, `tmp-${name}-`));
    cleanup.register(`remove the temporary folder ${name}`, () => rm(dir, { recursive: true, force: true }));
    tmpDirs.set(name, dir);
  }
  const proxyAddresses = new Map<string, string>();
  const expand = (template: string) => expandTemplate(template, { port: (n) => ports.get(n), proxy: (n) => proxyAddresses.get(n), tmp: (n) => tmpDirs.get(n) });

  // Toxiproxy and the proxies. The embedded server starts while the services do (it needs
  // nothing from them; only the target needs the proxies).
  let toxiproxy: ToxiproxyControl | undefined;
  const needsToxiproxy = suite.proxies.length > 0 || scenario.faults.some((f) => f.kind === 'network');
  // The suite run's embedded server (started by the first scenario that needs it).
  const embedded = needsToxiproxy && suite.toxiproxy.url === null ? shared.embeddedToxiproxyUrl() : undefined;


  // Services, then the target.
  const processes = new Map<string, ManagedProcess>();
  // Restarts processes that exit on their own while the timeline runs, as their `restart` says.
  const restarts = new RestartSupervisor({ clock, event, logger, processes, policies: new Map([...suite.services, suite.target].map((p) => [p.name, p.restart])) });
  const makeProcess = (spec: ResolvedProcess, extra: { nodeOptions?: boolean; injector?: InjectorClient } = {}) => {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
    for (const [key, value] of Object.entries(spec.env)) env[key] = expand(value);
    if (extra.nodeOptions === true) {
      env['NODE_OPTIONS'] = withInjector(env['NODE_OPTIONS']);
      env[INJECT_PARENT_ENV] = String(process.pid);
    }
    const managed = new ManagedProcess(
      {
        name: spec.name,
        command: spec.command.map(expand),
        cwd: spec.cwd,
        env,
        ready: { ...spec.ready, value: spec.ready.kind === 'none' ? '' : expand(spec.ready.value) },
        stop: spec.stop,
        logFile: path.join(outDir, `${spec.name}.log`),
        ipc: extra.nodeOptions === true,
      },
      clock,
      watchdog,
      {
        started: (pid) => {
          event({ t: clock.now(), type: 'process-started', process: spec.name, pid });
          restarts.started(spec.name);
        },
        ready: () => event({ t: clock.now(), type: 'process-ready', process: spec.name }),
        exited: (info) => {
          event({ t: clock.now(), type: 'process-exited', process: spec.name, pid: info.pid, code: info.code, signal: info.signal, expected: info.expected });
          restarts.exited(spec.name, info);
        },
        ...(extra.injector === undefined ? {} : { message: (m: unknown) => extra.injector?.onMessage(m), disconnect: () => extra.injector?.onDisconnect() }),
      },
    );
    processes.set(spec.name, managed);
    cleanup.register(`stop ${spec.name}`, async () => {
      await managed.stop();
      await managed.close();
    });
    return managed;
  };
  // Each process's post-readiness check (it must stay up 100 ms) overlaps the next start.
  for (const service of suite.services) await makeProcess(service).start({ settleLater: true });
  if (needsToxiproxy) {
    const url = embedded === undefined ? (suite.toxiproxy.url as string) : await embedded;
    toxiproxy = new ToxiproxyControl(url, ToxiproxyControl.runPrefix(suite.toxiproxy.prefix));
    const swept = await toxiproxy.sweepStale(suite.toxiproxy.prefix);
    if (swept.length > 0) event({ t: clock.now(), type: 'note', message: `removed ${swept.length} stale proxies left by a crashed run: ${swept.join(', ')}` });
    for (const proxy of suite.proxies) {
      const control = toxiproxy;
      cleanup.register(`remove the proxy ${proxy.name}`, () => control.removeProxy(proxy.name));
      proxyAddresses.set(proxy.name, await control.createProxy(proxy.name, expand(proxy.listen), expand(proxy.upstream)));
    }
  }
  // An external target is already running: it is waited for by its address (once its
  // proxies exist, since it may well need them to be healthy), never started or stopped, and
  // never signalled (the loader refuses process and in-process faults on it).
  const needsInjector = scenario.faults.some((f) => f.kind === 'heap' || (f.kind === 'cpu' && f.mode === 'in-process'));
  const injector = needsInjector && !suite.target.external && suite.target.runtime === 'node' ? new InjectorClient(() => clock.now()) : undefined;
  let target: ManagedProcess | undefined;
  if (suite.target.external) {
    event({ t: clock.now(), type: 'note', message: 'the target is external: faultline did not start it and leaves it running' });
    const ready = suite.target.ready;
    await waitReadyByAddress('the external target', { ...ready, value: ready.kind === 'none' ? '' : expand(ready.value) }, clock, interrupt);
    event({ t: clock.now(), type: 'process-ready', process: 'target' });
  } else {
    target = makeProcess(suite.target, { nodeOptions: injector !== undefined, ...(injector === undefined ? {} : { injector }) });
    injector?.attach(target);
    await target.start({ settleLater: true });
    if (injector !== undefined) await injector.ready();
  }

  // Observers.
  const health = suite.target.health === null ? undefined : startHealthPoller({
    url: expand(suite.target.health.url),
    intervalMs: suite.target.health.intervalMs,
    timeoutMs: suite.target.health.timeoutMs,
    clock,
    onTransition: (from: HealthSample['state'] | null, to: HealthSample['state'], t: number) => {
      event({ t, type: 'health', from, to });
      abort.health(to, t);
    },
  });
  cleanup.register('stop the health poller', async () => {
    recording.health = (await health?.stop()) ?? recording.health;
  });
  const metrics = suite.target.metrics === null ? undefined : startMetricsScraper({
    url: expand(suite.target.metrics.url),
    intervalMs: suite.target.metrics.intervalMs,
    timeoutMs: suite.target.metrics.timeoutMs,
    selectors: suite.slos.flatMap((slo) => (slo.server === null ? [] : slo.server.kind === 'availability' ? [slo.server.total, slo.server.errors] : [slo.server.histogram])),
    clock,
    // Halfway between two health polls, so the two never hit the target at the same moment.
    ...(suite.target.health === null ? {} : { offsetMs: (suite.target.health.intervalMs / 2) % suite.target.metrics.intervalMs }),
  });
  // A real Prometheus, when the suite names one: what its own alert rules said during the run.
  const prometheus = suite.prometheus === null ? undefined : pollAlerts(suite.prometheus.url, clock, suite.evaluation.intervalMs);
  cleanup.register('stop the Prometheus alert poller', async () => {
    if (prometheus !== undefined) recording.prometheus = await prometheus.stop();
  });
  cleanup.register('stop the metrics scraper', async () => {
    if (metrics !== undefined) recording.metrics = packMetrics(await metrics.stop());
  });
  // CPU and memory from /proc: only for a process of this run (an external target has no pid here).
  const sampled = target;
  const resources = sampled === undefined ? undefined : startResourceSampler({ pid: () => sampled.pid, intervalMs: 500, clock });
  cleanup.register('stop the resource sampler', () => {
    if (resources !== undefined) recording.resources = resources.stop();
  });

  const abortController = new AbortController();
  const stopTimeline = AbortSignal.any([abortController.signal, interrupt]);
  // Every fault and phase waits on it: one listener each, not a leak.
  setMaxListeners(0, stopTimeline);
  const abort = new AbortMonitor(scenario.abort, (condition, message, t) => {
    if (abortController.signal.aborted) return;
    event({ t, type: 'abort', condition, message });
    recording.status = 'aborted';
    recording.reason = message;
    abortController.abort();
  });

  const stressor = (fault: Extract<ResolvedFault, { kind: 'cpu' }>, samples: InjectorSample[]) =>
    new ManagedProcess(
      {
        name: `stressor-${fault.name}`,
        command: [process.execPath, STRESSOR, String(fault.workers), String(fault.load)],
        cwd: outDir,
        env: { PATH: process.env['PATH'] ?? '' },
        ready: { kind: 'log', value: '"event":"armed"', status: 200, timeoutMs: 15_000 },
        stop: { signal: 'SIGTERM', graceMs: 2_000 },
        logFile: path.join(outDir, `stressor-${fault.name}.log`),
      },
      clock,
      watchdog,
      {
        line: (line) => {
          if (!line.startsWith('{"cpuLoad"')) return;
          const sample = JSON.parse(line) as { cpuLoad: number | null; workers: number };
          samples.push({ t: clock.now(), cpuLoad: sample.cpuLoad, cpuWorkers: sample.workers, retainedBytes: 0, heapUsed: 0, arrayBuffers: 0, rss: 0, eventLoopDelayP99: 0 });
        },
      },
    );
  const executor = new FaultExecutor({
    clock,
    toxiproxy,
    proxyAddresses,
    processes,
    injector,
    logger,
    event,
    stressor,
    cores: availableParallelism(),
    exclusive: (name, why, launch) => restarts.exclusive(name, why, launch),
  });
  cleanup.register('disarm the prepared faults', async () => {
    for (const fault of scenario.faults) await executor.disarm(fault);
  });
  for (const fault of scenario.faults) await executor.prepare(fault);
  // Every process stayed up past its readiness (checked while the rest started).
  for (const started of processes.values()) await started.settled();

  // The timeline starts now: every planned time is an offset from T0. Restart policies apply
  // from here until the timeline ends (stopped before anything is torn down).
  cleanup.register('stop restarting processes', () => restarts.stop());
  restarts.begin(stopTimeline, injector);
  const t0 = clock.now();
  let load: LoadRun | undefined;
  const seconds: LoadSecond[] = [];
  if (scenario.load !== null) {
    const thresholds = suite.slos.flatMap((slo) => (slo.thresholdMs === null ? [] : [slo.thresholdMs]));
    load = startLoad({
      request: { ...scenario.load.request, url: expand(scenario.load.request.url), headers: Object.fromEntries(Object.entries(scenario.load.request.headers).map(([k, v]) => [k, expand(v)])), body: scenario.load.request.body === null ? null : expand(scenario.load.request.body) },
      ratePerSecond: scenario.load.ratePerSecond,
      timeoutMs: scenario.load.timeoutMs,
      connections: scenario.load.connections,
      clock,
      thresholdsMs: thresholds,
      allowRemote: suite.allowRemote,
      onSecond: (second: LoadSecond) => {
        seconds.push(second);
        abort.loadSecond(second);
      },
    });
    const run = load;
    cleanup.register('stop the load', async () => {
      recording.load = await run.stop();
    });
  }

  recording.phases = scenario.phases.map((phase) => ({ name: phase.name, plannedStart: t0 + phase.startMs, plannedEnd: t0 + phase.endMs, start: null, end: null }));
  const records: FaultRecord[] = scenario.faults.map((fault) => executor.record(fault, t0));
  recording.faults = records;

  const phaseLoop = (async () => {
    for (const phase of recording.phases) {
      await waitUntil(clock, phase.plannedStart, stopTimeline);
      if (stopTimeline.aborted) return;
      phase.start = clock.now();
      event({ t: phase.start, type: 'phase', phase: phase.name, edge: 'start' });
      await waitUntil(clock, phase.plannedEnd, stopTimeline);
      if (stopTimeline.aborted) return;
      phase.end = clock.now();
      event({ t: phase.end, type: 'phase', phase: phase.name, edge: 'end' });
    }
  })();

  // The durability writer runs during its phases; it reads back after the timeline.
  const durabilityExpectation = scenario.expectations.find((e) => e.kind === 'durability');
  let durability: DurabilityWriter | undefined;
  const durabilityLoop = (async () => {
    if (durabilityExpectation?.kind !== 'durability') return;
    const phases = recording.phases.filter((p) => durabilityExpectation.phases.includes(p.name));
    const from = Math.min(...phases.map((p) => p.plannedStart));
    const to = Math.max(...phases.map((p) => p.plannedEnd));
    await waitUntil(clock, from, stopTimeline);
    if (stopTimeline.aborted) return;
    durability = startDurabilityWriter({ url: expand(durabilityExpectation.url), ratePerSecond: durabilityExpectation.ratePerSecond, clock });
    await waitUntil(clock, to, stopTimeline);
    await durability.stopWriting();
  })();

  const faultLoops = scenario.faults.map(async (fault: ResolvedFault, index: number) => {
    const record = records[index] as FaultRecord;
    const revertNow = cleanup.register(`revert the fault ${fault.name}`, () => executor.revert(fault, record, { final: true }));
    await waitUntil(clock, t0 + fault.startMs, stopTimeline);
    if (stopTimeline.aborted) return;
    await executor.apply(fault, record);
    await waitUntil(clock, t0 + fault.endMs, stopTimeline);
    if (stopTimeline.aborted) return;
    await executor.revert(fault, record, { final: false });
    await revertNow();
  });

  const progressTimer = options.progress === undefined ? undefined : setInterval(() => {
    const last = seconds[seconds.length - 1];
    const phase = recording.phases.find((p) => p.start !== null && p.end === null)?.name ?? 'starting';
    options.progress?.({
      t: clock.now() - t0,
      phase,
      faults: records.filter((r) => r.appliedAt !== null && r.revertedAt === null).map((r) => r.name),
      rps: last === undefined ? 0 : last.sent,
      errors: last === undefined ? 0 : Object.entries(last.status).reduce((n, [code, count]) => n + (Number(code) >= 500 ? count : 0), 0) + last.errors.unanswered + last.errors.refused + last.errors.timeout + last.errors.skipped + last.errors.other,
      health: abort.lastHealth ?? '-',
    });
  }, 1_000);
  progressTimer?.unref();
  const abortTimer = setInterval(() => abort.tick(clock.now()), 250);
  abortTimer.unref();

  try {
    await Promise.all([phaseLoop, durabilityLoop, ...faultLoops]);
  } finally {
    if (progressTimer !== undefined) clearInterval(progressTimer);
    clearInterval(abortTimer);
    // No restart once the timeline is over: not during the final reverts, nor during cleanup.
    await restarts.stop();
  }
  if (interrupt.aborted && recording.status === 'completed') {
    recording.status = 'interrupted';
    recording.reason = 'interrupted (Ctrl-C or SIGTERM)';
    event({ t: clock.now(), type: 'interrupted', signal: 'SIGINT' });
  }
  // Revert what is still applied (an abort or an interrupt), then verify what each fault did.
  for (const [index, fault] of scenario.faults.entries()) await executor.revert(fault, records[index] as FaultRecord, { final: true });
  // Read acknowledged writes back while the target still runs (a killed one has restarted).
  if (durability !== undefined) recording.durability = await durability.verify();
  if (load !== undefined) recording.load = await load.stop();
  if (health !== undefined) recording.health = await health.stop();
  recording.injector = [...(injector?.samples ?? []), ...executor.stressorSamples].sort((a, b) => a.t - b.t);
  for (const [index, fault] of scenario.faults.entries()) executor.verify(fault, records[index] as FaultRecord, recording);
}
