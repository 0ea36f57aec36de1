import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { DEFAULTS } from './defaults.js';
import { resolveLoad } from './resolve-suite.js';
import { MAX_CPU_WORKERS, type FaultParsed } from './schema/fault.js';
import type { ScenarioParsed } from './schema/scenario.js';
import type { EventRef, PhaseName, ResolvedAbort, ResolvedExpectation, ResolvedFault, ResolvedFaultSpec, ResolvedNetwork, ResolvedPhase, ResolvedScenario, ResolvedSuite } from './types.js';

export interface ResolveOptions {
  /** CPU cores that `cpu.workers: N/core` is multiplied by (default os.availableParallelism()). */
  cores?: number;
}

/**
 * The scenario with every default applied and its timeline laid out: phases and faults get
 * absolute offsets from the scenario start, expectations get their anchor events resolved.
 * Pure and total: a dangling reference resolves to an anchor at 0 and is reported by the
 * semantic checks, never thrown here. The one input from the machine, its CPU cores (for
 * `workers: N/core`), can be given in `options` so that tests do not depend on it.
 */
export function resolveScenario(parsed: ScenarioParsed, file: string, suite: ResolvedSuite, options: ResolveOptions = {}): ResolvedScenario {
  const steadyMs = parsed.steady ?? DEFAULTS.scenario.steadyMs;
  const faultsRaw = parsed.faults ?? [];
  const faults = faultsRaw.map((fault) => resolveFault(fault, steadyMs, suite, options));
  const lastFaultEnd = faults.reduce((end, fault) => Math.max(end, fault.endMs), steadyMs);
  const chaosMs = parsed.chaos ?? lastFaultEnd - steadyMs;
  const recoverMs = parsed.recover ?? DEFAULTS.scenario.recoverMs;
  const phases: ResolvedPhase[] = [
    { name: 'steady', startMs: 0, endMs: steadyMs },
    { name: 'chaos', startMs: steadyMs, endMs: steadyMs + chaosMs },
    { name: 'recover', startMs: steadyMs + chaosMs, endMs: steadyMs + chaosMs + recoverMs },
  ];
  const events = eventTable(phases, faults);
  const event = (ref: string): EventRef => events.get(ref) ?? { ref, of: 'fault', name: ref.replace(/\.(start|end)$/, ''), edge: ref.endsWith('.end') ? 'end' : 'start', atMs: 0 };
  const firstStart = faults.length === 0 ? 'chaos.start' : `${[...faults].sort((a, b) => a.startMs - b.startMs)[0]?.name}.start`;
  const lastEnd = faults.length === 0 ? 'chaos.end' : `${[...faults].sort((a, b) => b.endMs - a.endMs)[0]?.name}.end`;
  const allSlos = suite.slos.map((s) => s.name);
  const expect = parsed.expect ?? {};
  const expectations: ResolvedExpectation[] = [];

  const steady = expect.steadyState;
  if (steady !== undefined) {
    const windowMs = steady.window ?? Math.min(DEFAULTS.expect.steadyStateWindowMs, steadyMs, recoverMs);
    const common = { kind: 'steady-state' as const, health: steady.health ?? true, slos: steady.slos ?? allSlos };
    const steadyPhase = phases[0] as ResolvedPhase;
    const recoverPhase = phases[2] as ResolvedPhase;
    if (steady.before ?? true) expectations.push({ id: 'steady-state.before', ...common, when: 'before', fromMs: steadyPhase.endMs - windowMs, toMs: steadyPhase.endMs });
    if (steady.after ?? true) expectations.push({ id: 'steady-state.after', ...common, when: 'after', fromMs: recoverPhase.endMs - windowMs, toMs: recoverPhase.endMs });
  }
  (expect.health ?? []).forEach((t, index) => {
    expectations.push({ id: `health[${index}]`, kind: 'health', index, from: t.from, to: t.to, withinMs: t.within, after: event(t.after) });
  });
  if (expect.recovery !== undefined) {
    const r = expect.recovery;
    expectations.push({ id: 'recovery', kind: 'recovery', withinMs: r.within, stableMs: r.stable ?? DEFAULTS.expect.recoveryStableMs, health: r.health ?? true, slos: r.slos ?? allSlos, after: event(lastEnd) });
  }
  (expect.alerts ?? []).forEach((a, index) => {
    if (a.fires !== undefined) expectations.push({ id: `alerts[${index}].fires`, kind: 'alert-fires', alert: a.alert, withinMs: a.fires.within, after: event(a.fires.after ?? firstStart) });
    if (a.resolves !== undefined) expectations.push({ id: `alerts[${index}].resolves`, kind: 'alert-resolves', alert: a.alert, withinMs: a.resolves.within, after: event(a.resolves.after ?? lastEnd) });
    if (a.never !== undefined) expectations.push({ id: `alerts[${index}].never`, kind: 'alert-never', alert: a.alert, phases: a.never });
  });
  (expect.slo ?? []).forEach((s, index) => {
    const slo = suite.slos.find((candidate) => candidate.name === s.slo);
    expectations.push({
      id: `slo[${index}]`,
      kind: 'slo',
      slo: s.slo,
      phase: s.phase ?? 'all',
      objective: s.objective ?? slo?.objective ?? 0,
      source: s.source ?? (slo === undefined || slo.client ? 'client' : 'server'),
    });
  });

  (expect.errors ?? []).forEach((e, index) => {
    expectations.push({
      id: `errors[${index}]`,
      kind: 'errors',
      errorKind: e.kind,
      max: e.ratio === undefined ? (e.max ?? DEFAULTS.expect.errorsMax) : null,
      ratio: e.ratio ?? null,
      phase: e.phase ?? 'all',
    });
  });
  if (expect.durability !== undefined) {
    const d = expect.durability;
    expectations.push({ id: 'durability', kind: 'durability', url: d.url, ratePerSecond: d.rate ?? DEFAULTS.expect.durabilityRatePerSecond, phases: d.during ?? [...DEFAULTS.expect.durabilityPhases] });
  }

  const abort = (parsed.abort ?? []).map((a): ResolvedAbort => {
    switch (a.when) {
      case 'errorRatio':
        return { when: 'errorRatio', above: a.above, forMs: a.for ?? DEFAULTS.abort.forMs };
      case 'healthDown':
        return { when: 'healthDown', forMs: a.for };
      case 'latency':
        return { when: 'latency', quantile: a.quantile ?? DEFAULTS.abort.quantile, aboveMs: a.above, forMs: a.for ?? DEFAULTS.abort.forMs };
    }
  });

  return {
    file,
    name: parsed.name,
    description: parsed.description ?? '',
    tags: parsed.tags ?? [],
    skip: parsed.skip === undefined || parsed.skip === false ? null : parsed.skip === true ? 'skipped' : parsed.skip,
    seed: parsed.seed ?? deriveSeed(suite.seed, parsed.name),
    phases,
    durationMs: (phases[2] as ResolvedPhase).endMs,
    load: parsed.load === undefined ? suite.load : resolveLoad(parsed.load, suite.load),
    faults,
    expectations,
    abort,
  };
}

/** A scenario's own seed: stable for a suite seed and a scenario name. */
export function deriveSeed(suiteSeed: number, name: string): number {
  return createHash('sha256').update(`${suiteSeed}:${name}`).digest().readUInt32BE(0);
}

function eventTable(phases: readonly ResolvedPhase[], faults: readonly ResolvedFault[]): Map<string, EventRef> {
  const table = new Map<string, EventRef>();
  for (const phase of phases) {
    table.set(`${phase.name}.start`, { ref: `${phase.name}.start`, of: 'phase', name: phase.name, edge: 'start', atMs: phase.startMs });
    table.set(`${phase.name}.end`, { ref: `${phase.name}.end`, of: 'phase', name: phase.name, edge: 'end', atMs: phase.endMs });
  }
  for (const fault of faults) {
    if (table.has(`${fault.name}.start`)) continue; // a duplicate or reserved name, reported by the checks
    table.set(`${fault.name}.start`, { ref: `${fault.name}.start`, of: 'fault', name: fault.name, edge: 'start', atMs: fault.startMs });
    table.set(`${fault.name}.end`, { ref: `${fault.name}.end`, of: 'fault', name: fault.name, edge: 'end', atMs: fault.endMs });
  }
  return table;
}

/** Event names a scenario can anchor on, for "did you mean". */
export function eventNames(scenario: ResolvedScenario): string[] {
  return [...eventTable(scenario.phases, scenario.faults).keys()];
}

function resolveFault(fault: FaultParsed, steadyMs: number, suite: ResolvedSuite, options: ResolveOptions): ResolvedFault {
  const startMs = steadyMs + (fault.at ?? DEFAULTS.fault.atMs);
  const spec = resolveSpec(fault, suite, options);
  const durationMs = fault.duration ?? 0;
  return { ...spec, name: fault.name, description: fault.description ?? '', startMs, endMs: startMs + durationMs };
}

function resolveSpec(fault: FaultParsed, suite: ResolvedSuite, options: ResolveOptions): ResolvedFaultSpec {
  if (fault.network !== undefined) return { kind: 'network', network: resolveNetwork(fault.network) };
  if (fault.cpu !== undefined) {
    const mode = fault.cpu.mode ?? DEFAULTS.cpu.mode;
    return {
      kind: 'cpu',
      ...resolveWorkers(fault.cpu.workers, options),
      load: fault.cpu.load ?? DEFAULTS.cpu.load,
      mode: mode === 'auto' ? (suite.target.runtime === 'node' ? 'in-process' : 'stressor') : mode,
    };
  }
  if (fault.heap !== undefined) return { kind: 'heap', bytesPerSecond: fault.heap.rate, maxBytes: fault.heap.max, release: fault.heap.release ?? DEFAULTS.heap.release };
  const p = fault.process;
  if (p === undefined) throw new Error('unreachable: a fault without a kind passed the schema');
  return { kind: 'process', action: p.action, restart: p.restart ?? p.action !== 'pause', process: p.service ?? 'target' };
}

/**
 * `N/core` is N × the machine's cores, capped like a written count (a machine with more cores
 * than the cap gets the cap); N stays in the resolved fault so that reports can show both.
 */
function resolveWorkers(workers: NonNullable<FaultParsed['cpu']>['workers'], options: ResolveOptions): { workers: number; workersPerCore?: number } {
  if (workers === undefined) return { workers: DEFAULTS.cpu.workers };
  if (typeof workers === 'number') return { workers };
  const cores = options.cores ?? availableParallelism();
  return { workers: Math.min(workers.perCore * cores, MAX_CPU_WORKERS), workersPerCore: workers.perCore };
}

function resolveNetwork(n: NonNullable<FaultParsed['network']>): ResolvedNetwork {
  if (n.toxic === 'down') return { toxic: 'down', proxy: n.proxy };
  const common = { proxy: n.proxy, stream: n.stream ?? DEFAULTS.network.stream, toxicity: n.toxicity ?? DEFAULTS.network.toxicity };
  switch (n.toxic) {
    case 'latency':
      return { toxic: 'latency', ...common, latencyMs: n.latency, jitterMs: n.jitter ?? DEFAULTS.network.jitterMs };
    case 'bandwidth':
      return { toxic: 'bandwidth', ...common, bytesPerSecond: n.rate };
    case 'slow_close':
      return { toxic: 'slow_close', ...common, delayMs: n.delay };
    case 'timeout':
      return { toxic: 'timeout', ...common, timeoutMs: n.timeout };
    case 'reset_peer':
      return { toxic: 'reset_peer', ...common, timeoutMs: n.timeout ?? DEFAULTS.network.resetTimeoutMs };
    case 'slicer':
      return { toxic: 'slicer', ...common, averageSize: n.average_size, sizeVariation: n.size_variation ?? DEFAULTS.network.sizeVariation, delayMs: n.delay ?? DEFAULTS.network.slicerDelayMs };
    case 'limit_data':
      return { toxic: 'limit_data', ...common, bytes: n.bytes };
  }
}

export type { PhaseName };
