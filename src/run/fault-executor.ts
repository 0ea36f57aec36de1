import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { InjectorClient } from '../faults/injector-client.js';
import { probeThrough, type ProbeResult } from '../faults/proxy-probe.js';
import type { ToxiproxyControl } from '../faults/toxiproxy-control.js';
import { readProcStat } from '../observe/resources.js';
import type { FaultRecord, InjectorSample, Recording, RecordedEvent } from '../record/types.js';
import type { ResolvedFault } from '../scenario/types.js';
import type { ManagedProcess } from '../target/process.js';

/**
 * Applies and reverts faults of every kind, and records what each one really did: requested
 * vs achieved, so a verdict can never pass on a fault that did not happen. Reverts are
 * idempotent: the scheduled revert and the cleanup's can both run.
 */

export interface FaultTargets {
  clock: Clock;
  toxiproxy: ToxiproxyControl | undefined;
  proxyAddresses: ReadonlyMap<string, string>;
  processes: ReadonlyMap<string, ManagedProcess>;
  injector: InjectorClient | undefined;
  logger: Logger;
  event: (e: RecordedEvent) => void;
  /** CPU cores of this machine (os.availableParallelism()): what a CPU fault can achieve at most. */
  cores: number;
  /** A CPU stressor process for a fault (non-Node targets), not yet started. */
  stressor: (fault: Extract<ResolvedFault, { kind: 'cpu' }>, samples: InjectorSample[]) => ManagedProcess;
  /**
   * Runs a fault's relaunch of a process with none of its restart policy's restarts under way
   * (RestartSupervisor.exclusive), so that the two never both start it. Default: runs it.
   */
  exclusive?: <T>(process: string, why: string, launch: () => Promise<T>) => Promise<T>;
}

const PROBE_TIMEOUT_MS = 3_000;

interface State {
  applied: boolean;
  reverted: boolean;
  baseline?: ProbeResult;
  during?: ProbeResult;
  exitSeen?: boolean;
  stoppedState?: string;
  stressor?: ManagedProcess;
  /** An in-process CPU fault whose threads were started idle in the target (see prepare). */
  armed?: boolean;
  /** A restarted process: from its launch to ready (and settled), ms. */
  restartReadyMs?: number;
}

export class FaultExecutor {
  readonly #state = new Map<string, State>();
  /** CPU samples of stressor processes (same shape as the injector's). */
  readonly stressorSamples: InjectorSample[] = [];

  constructor(readonly targets: FaultTargets) {}

  /** The record of a fault before it runs: what was asked for, when. */
  record(fault: ResolvedFault, t0: number): FaultRecord {
    return {
      name: fault.name,
      kind: fault.kind,
      plannedStart: t0 + fault.startMs,
      plannedEnd: t0 + fault.endMs,
      appliedAt: null,
      revertedAt: null,
      requested: requested(fault),
      achieved: {},
      effect: 'unverified',
      evidence: 'not applied',
    };
  }

  /**
   * Before the timeline, whatever would make the apply late: CPU faults are armed (threads or
   * a stressor process started idle, so applying is a release, not a start), and a network
   * fault's proxy gets a baseline probe.
   */
  async prepare(fault: ResolvedFault): Promise<void> {
    const state: State = { applied: false, reverted: false };
    this.#state.set(fault.name, state);
    if (fault.kind === 'cpu' && fault.mode === 'stressor') {
      state.stressor = this.targets.stressor(fault, this.stressorSamples);
      await state.stressor.start();
      return;
    }
    if (fault.kind === 'cpu') {
      try {
        await this.#injector().arm(fault.name, { kind: 'cpu', workers: fault.workers, load: fault.load });
        state.armed = true;
      } catch (error) {
        // The apply will try again from scratch, and record why if it fails too.
        this.targets.logger.warn({ err: error, fault: fault.name }, 'could not arm the CPU fault ahead of time');
      }
      return;
    }
    if (fault.kind !== 'network') return;
    const address = this.targets.proxyAddresses.get(fault.network.proxy);
    if (address !== undefined) state.baseline = await probeThrough(address, PROBE_TIMEOUT_MS);
  }

  async apply(fault: ResolvedFault, record: FaultRecord): Promise<void> {
    const state = this.#state.get(fault.name) ?? { applied: false, reverted: false };
    this.#state.set(fault.name, state);
    const { clock, event } = this.targets;
    let signalledAt: number | undefined;
    try {
      switch (fault.kind) {
        case 'network':
          await this.#toxiproxy().apply(fault.name, fault.network);
          break;
        case 'cpu':
          if (fault.mode === 'stressor') {
            const stressor = state.stressor;
            if (stressor === undefined || !stressor.running) throw new Error('the CPU stressor process is not running');
            const started = stressor.waitForLine(/"event":"started"/, 15_000);
            stressor.signal('SIGUSR1', false);
            if (!(await started)) throw new Error('the CPU stressor did not start its threads within 15 s');
          } else {
            // The threads stop on time by themselves: the revert message may wait on an event loop this very fault starves.
            await this.#injector().apply(fault.name, { kind: 'cpu', workers: fault.workers, load: fault.load, until: clock.toMonotonic(record.plannedEnd) });
          }
          break;
        case 'heap':
          await this.#injector().apply(fault.name, { kind: 'heap', bytesPerSecond: fault.bytesPerSecond, maxBytes: fault.maxBytes, release: fault.release });
          break;
        case 'process': {
          const target = this.#process(fault.process);
          if (fault.action === 'pause') {
            target.signal('SIGSTOP', false);
            signalledAt = clock.now();
            state.stoppedState = await stoppedState(target.pid);
          } else {
            const exiting = fault.action === 'kill' ? target.kill('SIGKILL') : this.#terminate(target);
            signalledAt = clock.now();
            state.exitSeen = (await exiting) !== undefined;
          }
          break;
        }
      }
      state.applied = true;
      // A process fault takes effect when the signal is sent; waiting for the exit is bookkeeping.
      record.appliedAt = signalledAt ?? clock.now();
      event({ t: record.appliedAt, type: 'fault-applied', fault: fault.name, plannedT: record.plannedStart });
      if (fault.kind === 'network') {
        const address = this.targets.proxyAddresses.get(fault.network.proxy);
        if (address !== undefined) state.during = await probeThrough(address, PROBE_TIMEOUT_MS);
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      event({ t: clock.now(), type: 'fault-failed', fault: fault.name, message });
      this.targets.logger.error({ err: error, fault: fault.name }, 'fault could not be applied');
      record.evidence = `could not be applied: ${message}`;
      record.effect = 'not-effective';
    }
  }

  /** Undoes a prepare() whose fault was never applied (the scenario ended first). Idempotent. */
  async disarm(fault: ResolvedFault): Promise<void> {
    const state = this.#state.get(fault.name);
    if (state === undefined || state.applied || state.reverted) return;
    state.reverted = true;
    if (state.stressor !== undefined) {
      await state.stressor.stop();
      await state.stressor.close();
    }
    const injector = this.targets.injector;
    if (state.armed === true && injector !== undefined && this.#process('target').running) await injector.revert(fault.name);
  }

  /** Idempotent. `final`: the scenario is over (cleanup): a killed process is not restarted. */
  async revert(fault: ResolvedFault, record: FaultRecord, options: { final: boolean }): Promise<void> {
    const state = this.#state.get(fault.name);
    if (state !== undefined && !state.applied) {
      await this.disarm(fault);
      return;
    }
    if (state === undefined || !state.applied || state.reverted) return;
    state.reverted = true;
    let stoppedAt: number | undefined;
    switch (fault.kind) {
      case 'network':
        await this.#toxiproxy().revert(fault.name, fault.network);
        break;
      case 'cpu':
      case 'heap': {
        if (state.stressor !== undefined) {
          await state.stressor.stop();
          await state.stressor.close();
          break;
        }
        const injector = this.targets.injector;
        if (injector !== undefined && this.#process('target').running) {
          const reply = await injector.revert(fault.name);
          // When the threads really stopped (at `until`, often before the revert reached a starved target).
          if (typeof reply['stoppedAt'] === 'number') stoppedAt = Math.min(this.targets.clock.now(), this.targets.clock.fromMonotonic(reply['stoppedAt']));
        }
        break;
      }
      case 'process': {
        const target = this.#process(fault.process);
        if (fault.action === 'pause') target.signal('SIGCONT', false);
        else if (fault.restart && !options.final) {
          const exclusive = this.targets.exclusive ?? ((_process, _why, launch) => launch());
          stoppedAt = await exclusive(fault.process, `the fault ${fault.name} starts it again`, async () => {
            // Started again meanwhile (by its restart policy, after a crash the fault did not cause).
            if (target.running) return undefined;
            const injector = fault.process === 'target' ? this.targets.injector : undefined;
            injector?.attach(target);
            await target.start();
            // The fault ends when the process is launched again; how long it takes to be ready is its own recovery.
            const launchedAt = target.startedAt;
            if (launchedAt !== undefined) state.restartReadyMs = this.targets.clock.now() - launchedAt;
            await injector?.ready();
            return launchedAt;
          });
        }
        break;
      }
    }
    record.revertedAt = stoppedAt ?? this.targets.clock.now();
    this.targets.event({ t: record.revertedAt, type: 'fault-reverted', fault: fault.name, plannedT: record.plannedEnd });
  }

  /** Judges whether the fault took effect, from what was measured while it was applied. */
  verify(fault: ResolvedFault, record: FaultRecord, recording: Recording): void {
    const state = this.#state.get(fault.name);
    if (state === undefined || !state.applied || record.appliedAt === null) {
      if (record.effect !== 'not-effective') {
        record.effect = 'not-effective';
        record.evidence = 'the fault was never applied (the scenario stopped before its time)';
      }
      return;
    }
    const set = (effect: FaultRecord['effect'], evidence: string, achieved: FaultRecord['achieved']) => {
      record.effect = effect;
      record.evidence = evidence;
      record.achieved = achieved;
    };
    const until = record.revertedAt ?? recording.durationMs;
    switch (fault.kind) {
      case 'network':
        verifyNetwork(fault, state, set);
        return;
      case 'cpu': {
        const source = fault.mode === 'stressor' ? this.stressorSamples : recording.injector;
        const samples = source.filter((s) => s.t > record.appliedAt! + 250 && s.t <= until && s.cpuLoad !== null);
        if (samples.length === 0) return set('unverified', 'the injector sent no CPU samples while the fault was applied', { load: null });
        const load = samples.reduce((sum, s) => sum + (s.cpuLoad ?? 0), 0) / samples.length;
        return set(...judgeCpu(fault, load, samples.length, samples[samples.length - 1]?.cpuWorkers ?? 0, this.targets.cores));
      }
      case 'heap': {
        const samples = recording.injector.filter((s) => s.t >= record.appliedAt! && s.t <= until);
        const peak = samples.reduce((max, s) => Math.max(max, s.retainedBytes), 0);
        const expected = Math.min(fault.maxBytes, (fault.bytesPerSecond * (until - record.appliedAt)) / 1000);
        const ok = samples.length > 0 && peak >= expected * 0.5;
        return set(ok ? 'effective' : 'not-effective', `retained up to ${mb(peak)} MB against ${mb(expected)} MB expected by then`, { peakRetainedBytes: peak, expectedBytes: Math.round(expected) });
      }
      case 'process': {
        if (fault.action === 'pause') {
          const stopped = state.stoppedState === 'T' || state.stoppedState === 't';
          return set(stopped ? 'effective' : 'not-effective', stopped ? 'the process was in state T (stopped) after SIGSTOP' : `the process state after SIGSTOP was ${state.stoppedState ?? 'unknown'}`, { state: state.stoppedState ?? null });
        }
        const ready = state.restartReadyMs === undefined ? undefined : Math.round(state.restartReadyMs);
        const restarted = ready === undefined ? '' : `; launched again at its end, ready ${ready} ms later`;
        return set(state.exitSeen === true ? 'effective' : 'not-effective', state.exitSeen === true ? `the process exited after ${fault.action === 'kill' ? 'SIGKILL' : 'SIGTERM'}${restarted}` : 'no exit was seen', { exited: state.exitSeen === true, ...(ready === undefined ? {} : { restartReadyMs: ready }) });
      }
    }
  }

  async #terminate(target: ManagedProcess) {
    target.signal('SIGTERM', true);
    const exit = await target.waitExit(target.spec.stop.graceMs);
    return exit ?? (await target.kill('SIGKILL'));
  }

  #toxiproxy(): ToxiproxyControl {
    if (this.targets.toxiproxy === undefined) throw new Error('no Toxiproxy in this run');
    return this.targets.toxiproxy;
  }

  #injector(): InjectorClient {
    if (this.targets.injector === undefined) throw new Error('the target has no injector (in-process faults need runtime: node)');
    return this.targets.injector;
  }

  #process(name: string): ManagedProcess {
    const found = this.targets.processes.get(name);
    if (found === undefined) throw new Error(`no process named ${name}`);
    return found;
  }
}

/** The /proc state of a process after SIGSTOP, once the signal has landed (it is asynchronous). */
async function stoppedState(pid: number | undefined): Promise<string | undefined> {
  if (pid === undefined) return undefined;
  let state: string | undefined;
  for (let i = 0; i < 50; i++) {
    state = (await readProcStat(pid))?.state;
    if (state === 'T' || state === 't' || state === undefined) return state;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return state;
}

function verifyNetwork(fault: Extract<ResolvedFault, { kind: 'network' }>, state: State, set: (effect: FaultRecord['effect'], evidence: string, achieved: FaultRecord['achieved']) => void): void {
  const base = state.baseline;
  const during = state.during;
  if (during === undefined) return set('unverified', 'the proxy could not be probed', {});
  const network = fault.network;
  const describe = (p: ProbeResult) => (p.outcome === 'answered' ? `answered after ${p.firstByteMs} ms` : `${p.outcome} after ${p.afterMs} ms`);
  switch (network.toxic) {
    case 'latency': {
      if (base?.outcome !== 'answered' || during.outcome !== 'answered') return set('unverified', `the probe through the proxy ${base === undefined ? 'had no baseline' : describe(base)} before and ${describe(during)} during the fault (not an HTTP upstream?)`, {});
      const added = during.firstByteMs - base.firstByteMs;
      // Toxiproxy draws each chunk's delay uniformly in latency ± jitter.
      const ok = added >= network.latencyMs - network.jitterMs - 20 || (network.toxicity < 1 && added >= 0);
      return set(ok ? 'effective' : 'not-effective', `a probe through the proxy took ${round(added, 1)} ms longer than before the fault (requested ${network.latencyMs} ± ${network.jitterMs} ms)`, { addedLatencyMs: round(added, 1) });
    }
    case 'down':
      return set(during.outcome === 'answered' ? 'not-effective' : 'effective', `a probe through the disabled proxy was ${describe(during)}`, { probe: during.outcome });
    case 'timeout':
    case 'reset_peer':
      if (network.toxicity < 1) return set('unverified', `with toxicity ${network.toxicity} a single probe proves nothing (it was ${describe(during)})`, { probe: during.outcome });
      return set(during.outcome === 'answered' ? 'not-effective' : 'effective', `a probe through the proxy was ${describe(during)}`, { probe: during.outcome });
    default:
      return set('unverified', `${network.toxic} changes how data flows rather than whether it does; the probe ${describe(during)}`, { probe: during.outcome });
  }
}

/**
 * A CPU fault is effective when its threads got at least half the CPU they asked for, or half
 * of what the machine has when they asked for more than that: 8 threads at 100% on 2 cores can
 * take 2 cores, not 8, and the evidence says so rather than letting the shortfall pass unseen.
 */
export function judgeCpu(fault: Extract<ResolvedFault, { kind: 'cpu' }>, load: number, samples: number, workers: number, cores: number): [FaultRecord['effect'], string, FaultRecord['achieved']] {
  const requestedCores = fault.workers * fault.load;
  const possibleCores = Math.min(requestedCores, cores);
  const achievedCores = load * fault.workers;
  const ok = achievedCores >= possibleCores * 0.5;
  const pct = (n: number) => `${(n * 100).toFixed(0)}%`;
  let evidence = `${fault.workers} thread${fault.workers === 1 ? '' : 's'} averaged ${pct(load)} busy against ${pct(fault.load)} requested over ${samples} samples (${round(achievedCores, 2)} of ${round(requestedCores, 2)} cores)`;
  if (requestedCores > cores) evidence += `; the machine has ${cores} cores, so at most ${cores} were possible`;
  return [ok ? 'effective' : 'not-effective', evidence, { load: round(load, 3), workers, cores: round(achievedCores, 3), machineCores: cores }];
}

function requested(fault: ResolvedFault): FaultRecord['requested'] {
  switch (fault.kind) {
    case 'network': {
      const { proxy, toxic, ...rest } = fault.network;
      return { proxy, toxic, ...(rest as Record<string, number | string>) };
    }
    case 'cpu':
      return { workers: fault.workers, load: fault.load, mode: fault.mode, ...(fault.workersPerCore === undefined ? {} : { workersPerCore: fault.workersPerCore }) };
    case 'heap':
      return { bytesPerSecond: fault.bytesPerSecond, maxBytes: fault.maxBytes, release: fault.release };
    case 'process':
      return { action: fault.action, restart: fault.restart, process: fault.process };
  }
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
const mb = (bytes: number) => round(bytes / 1e6, 1);
