import { checkAddress } from './addresses.js';
import { checkExternalFault } from './check-external.js';
import type { IssueSink } from './check-suite.js';
import { PHASES } from './schema/expect.js';
import type { ScenarioParsed } from './schema/scenario.js';
import { eventNames } from './resolve-scenario.js';
import type { PlaceholderUse } from './templates.js';
import type { Path } from './source.js';
import { formatDuration } from './units.js';
import type { EventRef, ResolvedFault, ResolvedScenario, ResolvedSuite } from './types.js';

/**
 * Checks that need the suite and the timeline: references to proxies, services, SLOs, alerts
 * and events; faults that collide or run past the end; windows that cannot be observed; and
 * in-process faults on a target that cannot host them.
 */
export function checkScenario(parsed: ScenarioParsed, scenario: ResolvedScenario, suite: ResolvedSuite, uses: readonly PlaceholderUse[], sink: IssueSink): void {
  checkFaults(parsed, scenario, suite, sink);
  checkExpectations(parsed, scenario, suite, sink);
  checkAbortLoad(parsed, scenario, sink);

  for (const use of uses) {
    if (use.kind === 'proxy' && !suite.proxies.some((p) => p.name === use.name)) {
      sink.unknown(use.path, 'UNKNOWN_PROXY', 'proxy', use.name, suite.proxies.map((p) => p.name), { needle: use.text });
    }
    if (use.kind === 'port' && !suite.ports.includes(use.name)) {
      sink.unknown(use.path, 'UNKNOWN_PORT', 'port', use.name, suite.ports, { needle: use.text });
    }
    if (use.kind === 'tmp' && !suite.tempDirs.includes(use.name)) {
      sink.unknown(use.path, 'UNKNOWN_TMP', 'temporary folder', use.name, suite.tempDirs, { needle: use.text });
    }
  }
  if (parsed.load !== undefined && parsed.load.request === undefined && suite.load === null) {
    sink.add(['load'], 'MISSING_KEY', 'missing required key "request"', 'the suite has no load, so the scenario\'s load needs a request: { url: ... }', { key: true, shown: ['load', 'request'] });
  }
  if (parsed.load?.request !== undefined) {
    const problem = checkAddress(parsed.load.request.url, 'url', suite.allowRemote);
    if (problem !== undefined) sink.add(['load', 'request', 'url'], problem.code, problem.message, problem.hint);
  }
  const needsHealth = (parsed.abort ?? []).findIndex((a) => a.when === 'healthDown');
  if (needsHealth >= 0 && suite.target.health === null) sink.add(['abort', needsHealth, 'when'], 'NO_HEALTH', 'aborting on health needs the target\'s health URL', 'add `target.health.url` to the suite');
}

function checkFaults(parsed: ScenarioParsed, scenario: ResolvedScenario, suite: ResolvedSuite, sink: IssueSink): void {
  const seen = new Map<string, number>();
  const chaos = scenario.phases[1];
  parsed.faults?.forEach((raw, index) => {
    const at: Path = ['faults', index];
    const fault = scenario.faults[index] as ResolvedFault;
    if ((PHASES as readonly string[]).includes(raw.name)) sink.add([...at, 'name'], 'RESERVED_NAME', `"${raw.name}" names a phase`, 'pick another fault name: steady, chaos and recover are phases');
    const first = seen.get(raw.name);
    if (first !== undefined) sink.add([...at, 'name'], 'DUPLICATE_NAME', `fault name "${raw.name}" is already used by faults[${first}]`, 'fault names must be unique in a scenario');
    else seen.set(raw.name, index);

    const instant = fault.kind === 'process' && fault.action !== 'pause';
    if (raw.duration === undefined && !instant) {
      sink.add(at, 'MISSING_KEY', 'missing required key "duration"', 'network, cpu, heap and pause faults need a duration, e.g. duration: 30s', { shown: [...at, 'duration'] });
    } else if (raw.duration === 0 && !instant) {
      sink.add([...at, 'duration'], 'ZERO_DURATION', 'this fault would last 0s', 'give it a length like "10s"');
    }
    if (fault.kind === 'process' && fault.action !== 'pause' && !fault.restart && raw.duration !== undefined && raw.duration > 0) {
      sink.add([...at, 'duration'], 'NO_RESTART_DURATION', 'a duration means "restart after"; with restart: false the process stays down', 'drop the duration or set restart: true');
    }
    if (chaos !== undefined && parsed.chaos !== undefined && fault.endMs > chaos.endMs) {
      sink.add([...at, raw.duration === undefined ? 'at' : 'duration'], 'FAULT_PAST_END', `the fault ends ${formatDuration(fault.endMs - chaos.startMs)} into the chaos phase, which lasts ${formatDuration(parsed.chaos)}`, 'shorten the fault or lengthen `chaos`');
    }

    if (fault.kind === 'network') {
      const proxy = fault.network.proxy;
      if (!suite.proxies.some((p) => p.name === proxy)) sink.unknown([...at, 'network', 'proxy'], 'UNKNOWN_PROXY', 'proxy', proxy, suite.proxies.map((p) => p.name));
    }
    // An external target refuses process and in-process faults; the next three checks would only echo that.
    const refused = suite.target.external && checkExternalFault(raw, fault, at, sink);
    if (!refused && fault.kind === 'process' && fault.process !== 'target' && !suite.services.some((s) => s.name === fault.process)) {
      sink.unknown([...at, 'process', 'service'], 'UNKNOWN_SERVICE', 'service', fault.process, suite.services.map((s) => s.name));
    }
    if (!refused && fault.kind === 'heap' && suite.target.runtime !== 'node') {
      sink.add([...at, 'heap'], 'NOT_NODE_TARGET', 'heap faults run inside the target, which must be a Node.js process', 'set `target.runtime: node` if the target runs on node', { key: true });
    }
    if (!refused && fault.kind === 'cpu' && raw.cpu?.mode === 'in-process' && suite.target.runtime !== 'node') {
      sink.add([...at, 'cpu', 'mode'], 'NOT_NODE_TARGET', 'in-process cpu faults need a Node.js target', 'use mode: stressor (a separate process) or set `target.runtime: node`');
    }
    if (fault.kind === 'process' && fault.action === 'pause' && raw.process?.restart !== undefined) {
      sink.add([...at, 'process', 'restart'], 'PAUSE_RESTART', 'a paused process is resumed (SIGCONT), not restarted', 'drop `restart` from a pause fault', { key: true });
    }
    if (fault.kind === 'network' && fault.network.toxic === 'slicer' && fault.network.averageSize === 0) sink.add([...at, 'network', 'average_size'], 'OUT_OF_RANGE', 'average_size must be more than 0 bytes');
    if (fault.kind === 'heap' && fault.maxBytes === 0) sink.add([...at, 'heap', 'max'], 'OUT_OF_RANGE', 'max must be more than 0 bytes');
    if (fault.kind === 'heap' && fault.bytesPerSecond === 0) sink.add([...at, 'heap', 'rate'], 'OUT_OF_RANGE', 'rate must be more than 0');
  });

  // Collisions: the same toxic on the same proxy and stream at once, or two faults on one process.
  scenario.faults.forEach((b, j) => {
    for (let i = 0; i < j; i++) {
      const a = scenario.faults[i] as ResolvedFault;
      if (!overlaps(a, b)) continue;
      const sameToxic =
        a.kind === 'network' &&
        b.kind === 'network' &&
        a.network.proxy === b.network.proxy &&
        a.network.toxic === b.network.toxic &&
        ('stream' in a.network ? a.network.stream : '') === ('stream' in b.network ? b.network.stream : '');
      const sameProcess = a.kind === 'process' && b.kind === 'process' && a.process === b.process;
      if (sameToxic || sameProcess) {
        const what = sameToxic ? `the same ${b.kind === 'network' ? b.network.toxic : ''} toxic on proxy "${a.kind === 'network' ? a.network.proxy : ''}"` : `process faults on ${a.kind === 'process' ? a.process : ''}`;
        sink.add(['faults', j, 'at'], 'FAULT_OVERLAP', `faults "${a.name}" and "${b.name}" overlap with ${what}`, `start "${b.name}" at or after ${formatDuration(a.endMs - (scenario.phases[0]?.endMs ?? 0))}, or merge them`);
        break;
      }
    }
  });
}

function overlaps(a: ResolvedFault, b: ResolvedFault): boolean {
  if (a.startMs === b.startMs) return true;
  return a.startMs < b.endMs && b.startMs < a.endMs;
}

function checkExpectations(parsed: ScenarioParsed, scenario: ResolvedScenario, suite: ResolvedSuite, sink: IssueSink): void {
  const expect = parsed.expect;
  if (expect === undefined) return;
  const events = eventNames(scenario);
  const endMs = scenario.durationMs;
  const sloNames = suite.slos.map((s) => s.name);
  const alertNames = suite.alerts.map((a) => a.name);
  const [steady, , recover] = scenario.phases;

  const checkEvent = (path: Path, ref: string | undefined) => {
    if (ref !== undefined && !events.includes(ref)) sink.unknown(path, 'UNKNOWN_EVENT', 'event', ref, events);
  };
  const checkWindow = (path: Path, anchor: EventRef, withinMs: number, what: string) => {
    if (anchor.atMs + withinMs > endMs) {
      sink.add(path, 'WITHIN_PAST_END', `${what} ends ${formatDuration(anchor.atMs + withinMs)} into the scenario, which ends at ${formatDuration(endMs)}`, 'shorten `within` or lengthen `recover`');
    }
  };
  const checkSlos = (path: Path, names: readonly string[] | undefined) => {
    names?.forEach((n, i) => {
      if (!sloNames.includes(n)) sink.unknown([...path, i], 'UNKNOWN_SLO', 'SLO', n, sloNames);
    });
  };

  if (expect.steadyState !== undefined) {
    const s = expect.steadyState;
    checkSlos(['expect', 'steadyState', 'slos'], s.slos);
    const windowMs = s.window;
    if (windowMs !== undefined && steady !== undefined && recover !== undefined) {
      const tooShort = [...((s.before ?? true) ? [steady] : []), ...((s.after ?? true) ? [recover] : [])].filter((p) => windowMs > p.endMs - p.startMs);
      if (tooShort.length > 0) {
        const phases = tooShort.map((p) => `the ${p.name} phase (${formatDuration(p.endMs - p.startMs)})`).join(' and ');
        sink.add(['expect', 'steadyState', 'window'], 'WINDOW_TOO_LONG', `the window (${formatDuration(windowMs)}) is longer than ${phases}`, `shorten the window or lengthen ${tooShort.map((p) => `\`${p.name}\``).join(' and ')}`);
      }
    }
    if ((s.before ?? true) && steady !== undefined && steady.endMs === steady.startMs) sink.add(['expect', 'steadyState'], 'EMPTY_PHASE', 'the steady-state check before the faults needs a steady phase longer than 0s', 'set `steady:` or `before: false`', { key: true });
    if ((s.after ?? true) && recover !== undefined && recover.endMs === recover.startMs) sink.add(['expect', 'steadyState'], 'EMPTY_PHASE', 'the steady-state check after recovery needs a recover phase longer than 0s', 'set `recover:` or `after: false`', { key: true });
    if ((s.health ?? true) && suite.target.health === null) sink.add(['expect', 'steadyState'], 'NO_HEALTH', 'checking health needs the target\'s health URL', 'add `target.health.url` to the suite, or set `health: false`', { key: true });
  }

  expect.health?.forEach((t, i) => {
    const at: Path = ['expect', 'health', i];
    if (t.from === t.to) sink.add([...at, 'to'], 'SAME_STATE', `a transition from ${t.from} to ${t.to} is no transition`, 'from and to must differ');
    checkEvent([...at, 'after'], t.after);
    const resolved = scenario.expectations.find((e) => e.kind === 'health' && e.index === i);
    if (resolved?.kind === 'health' && events.includes(t.after)) checkWindow([...at, 'within'], resolved.after, t.within, 'the window');
  });
  if (expect.health !== undefined && expect.health.length > 0 && suite.target.health === null) sink.add(['expect', 'health'], 'NO_HEALTH', 'health expectations need the target\'s health URL', 'add `target.health.url` to the suite', { key: true });

  if (expect.recovery !== undefined) {
    const r = expect.recovery;
    checkSlos(['expect', 'recovery', 'slos'], r.slos);
    const resolved = scenario.expectations.find((e) => e.kind === 'recovery');
    if (resolved?.kind === 'recovery' && resolved.after.atMs + resolved.withinMs + resolved.stableMs > endMs) {
      sink.add(['expect', 'recovery', 'within'], 'RECOVERY_PAST_END', `recovery within ${formatDuration(r.within)} plus ${formatDuration(resolved.stableMs)} stable does not fit in the ${formatDuration(endMs - resolved.after.atMs)} after the last fault`, 'lengthen `recover` or shorten `within`/`stable`');
    }
    if ((r.health ?? true) && suite.target.health === null) sink.add(['expect', 'recovery'], 'NO_HEALTH', 'recovery on health needs the target\'s health URL', 'add `target.health.url` to the suite, or set `health: false`', { key: true });
  }

  expect.alerts?.forEach((a, i) => {
    const at: Path = ['expect', 'alerts', i];
    if (!alertNames.includes(a.alert)) sink.unknown([...at, 'alert'], 'UNKNOWN_ALERT', 'alert', a.alert, alertNames);
    // `never: all` (or all three listed) means "whenever": an empty phase among them is fine.
    const empty = (a.never !== undefined && a.never.length < 3 ? a.never : []).map((name) => scenario.phases.find((p) => p.name === name)).filter((p) => p !== undefined && p.endMs === p.startMs);
    if (empty.length > 0) sink.add([...at, 'never'], 'EMPTY_PHASE', `${empty.map((p) => `the ${p?.name ?? ''} phase`).join(' and ')} last${empty.length === 1 ? 's' : ''} 0s in this scenario: "never" there checks nothing`);
    for (const which of ['fires', 'resolves'] as const) {
      const w = a[which];
      if (w === undefined) continue;
      checkEvent([...at, which, 'after'], w.after);
      const resolved = scenario.expectations.find((e) => e.id === `alerts[${i}].${which}`);
      if (resolved !== undefined && 'after' in resolved && (w.after === undefined || events.includes(w.after))) checkWindow([...at, which, 'within'], resolved.after, w.within, `the "${which}" window`);
    }
  });

  expect.slo?.forEach((s, i) => {
    const at: Path = ['expect', 'slo', i];
    const slo = suite.slos.find((candidate) => candidate.name === s.slo);
    if (slo === undefined) {
      sink.unknown([...at, 'slo'], 'UNKNOWN_SLO', 'SLO', s.slo, sloNames);
      return;
    }
    const source = s.source ?? (slo.client ? 'client' : 'server');
    if (source !== 'client' && slo.server === null) sink.add([...at, 'source'], 'NO_SERVER_SLI', `SLO "${slo.name}" has no server-side selectors`, 'add `server:` to the SLO, or use source: client');
    if (source !== 'server' && !slo.client) sink.add([...at, 'source'], 'NO_CLIENT_SLI', `SLO "${slo.name}" is not measured on the client side`, 'use source: server');
    const phase = s.phase === undefined || s.phase === 'all' ? undefined : scenario.phases.find((p) => p.name === s.phase);
    if (phase !== undefined && phase.endMs === phase.startMs) sink.add([...at, 'phase'], 'EMPTY_PHASE', `the ${phase.name} phase lasts 0s in this scenario`, phase.name === 'chaos' ? 'add a fault or set `chaos:`' : `set \`${phase.name}:\``);
  });

  expect.errors?.forEach((e, i) => {
    const phase = e.phase === undefined || e.phase === 'all' ? undefined : scenario.phases.find((p) => p.name === e.phase);
    if (phase !== undefined && phase.endMs === phase.startMs) sink.add(['expect', 'errors', i, 'phase'], 'EMPTY_PHASE', `the ${phase.name} phase lasts 0s in this scenario`);
  });
  if (expect.durability !== undefined) {
    const problem = checkAddress(expect.durability.url, 'url', suite.allowRemote);
    if (problem !== undefined) sink.add(['expect', 'durability', 'url'], problem.code, problem.message, problem.hint);
  }

  if (scenario.load === null) {
    const clientSlo = (names: readonly string[]) => names.some((n) => suite.slos.find((s) => s.name === n)?.client === true);
    const needs: [Path, string][] = [
      ...(expect.errors ?? []).map((_, i): [Path, string] => [['expect', 'errors', i], 'error limits count load requests']),
      ...(expect.slo ?? []).flatMap((s, i): [Path, string][] => ((s.source ?? 'client') !== 'server' && clientSlo([s.slo]) ? [[['expect', 'slo', i], 'a client-side SLO needs load']] : [])),
      ...(expect.steadyState !== undefined && clientSlo(expect.steadyState.slos ?? sloNames) ? [[['expect', 'steadyState'], 'the steady-state SLOs are measured on load']] as [Path, string][] : []),
      ...(expect.alerts ?? []).flatMap((a, i): [Path, string][] => (suite.alerts.find((alert) => alert.name === a.alert)?.source === 'client' ? [[['expect', 'alerts', i], `alert "${a.alert}" reads the client-side SLI`]] : [])),
      ...(expect.recovery !== undefined && clientSlo(expect.recovery.slos ?? sloNames) ? [[['expect', 'recovery'], 'recovery of client-side SLOs is measured on load']] as [Path, string][] : []),
    ];
    for (const [path, why] of needs) sink.add(path, 'NO_LOAD', `${why}, and neither the suite nor the scenario has load`, 'add `load:` to the suite or the scenario', { key: true });
  }
}

/** Abort conditions on client signals need load too. */
export function checkAbortLoad(parsed: ScenarioParsed, scenario: ResolvedScenario, sink: IssueSink): void {
  if (scenario.load !== null) return;
  (parsed.abort ?? []).forEach((a, i) => {
    if (a.when !== 'healthDown') sink.add(['abort', i, 'when'], 'NO_LOAD', `aborting on ${a.when} reads the load's requests, and neither the suite nor the scenario has load`, 'add `load:`, or abort on healthDown');
  });
}
