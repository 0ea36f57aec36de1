import type { IssueSink } from './check-suite.js';
import type { ScenarioParsed } from './schema/scenario.js';
import type { SuiteParsed } from './schema/suite.js';
import type { Path } from './source.js';
import type { ResolvedFault } from './types.js';

/**
 * External targets (`target: { external: true }`): a system that is already running, which
 * faultline reaches only by its URLs. Whatever needs a process that faultline started (a
 * command, a stop signal, a restart policy, readiness by log, services, process signals, the
 * in-process injector) is refused here, at its place in the file, rather than ignored at run
 * time.
 */

/** What an external target takes: named in every hint, so the fix is one read away. */
const SUITE_ALLOWED = 'an external target takes `ready` (http or tcp), `health` and `metrics`';
const FAULTS_ALLOWED = 'with an external target a scenario can use network faults, and cpu faults with `mode: stressor` (busy threads in a separate process on the machine faultline runs on)';

/** The process fields of a target, and why each needs a process faultline starts. */
const PROCESS_FIELDS = {
  command: 'starts the target',
  cwd: 'is where faultline starts the target',
  env: 'is the environment faultline starts the target with',
  stop: 'says how faultline stops the target',
  restart: 'says when faultline starts the target again',
  runtime: "says whether faultline can load its fault injector into the target's process",
} as const;

export function checkExternalSuite(parsed: SuiteParsed, sink: IssueSink): void {
  if (parsed.target.external !== true) return;
  for (const [key, why] of Object.entries(PROCESS_FIELDS)) {
    if ((parsed.target as Record<string, unknown>)[key] === undefined) continue;
    sink.add(['target', key], 'EXTERNAL_FIELD', `\`${key}\` ${why}, but this target is external: it is already running, and faultline does not start or stop it`, `${SUITE_ALLOWED}; drop \`${key}\`, or drop \`external: true\` to have faultline start the target`, { key: true });
  }
  if (parsed.target.ready?.log !== undefined) {
    sink.add(['target', 'ready', 'log'], 'EXTERNAL_FIELD', "readiness by log reads the target's output, which faultline does not see for an external target", `${SUITE_ALLOWED}: use \`ready.http\` or \`ready.tcp\``, { key: true });
  }
  const services = Object.keys(parsed.services ?? {});
  if (services.length > 0) {
    sink.add(['services'], 'EXTERNAL_FIELD', `services are processes faultline starts before the target (${services.join(', ')}); with an external target faultline starts no process of the system under test`, 'run them with the system (in the same docker compose stack, say) and drop `services`, or drop `external: true`', { key: true });
  }
}

/** Refuses a fault an external target cannot take; true when it did (the caller skips the checks that would echo it). */
export function checkExternalFault(raw: NonNullable<ScenarioParsed['faults']>[number], fault: ResolvedFault, at: Path, sink: IssueSink): boolean {
  if (fault.kind === 'process') {
    const signal = fault.action === 'kill' ? 'SIGKILL' : fault.action === 'terminate' ? 'SIGTERM' : 'SIGSTOP';
    sink.add([...at, 'process'], 'EXTERNAL_FAULT', `a ${fault.action} fault sends ${signal} to a process faultline started, but the suite's target is external: faultline started no process to signal`, `${FAULTS_ALLOWED}; to ${fault.action} the system, have faultline start it (drop \`external: true\` from the suite's target)`, { key: true });
    return true;
  }
  if (fault.kind === 'heap') {
    sink.add([...at, 'heap'], 'EXTERNAL_FAULT', "heap faults grow the heap inside the target through faultline's injector, which an external target does not load", FAULTS_ALLOWED, { key: true });
    return true;
  }
  if (fault.kind === 'cpu' && raw.cpu?.mode === 'in-process') {
    sink.add([...at, 'cpu', 'mode'], 'EXTERNAL_FAULT', "in-process cpu faults run inside the target through faultline's injector, which an external target does not load", 'use `mode: stressor` (or leave `mode` out): busy threads in a separate process on the machine faultline runs on');
    return true;
  }
  return false;
}
