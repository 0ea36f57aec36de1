import type { HealthSample, Recording } from '../record/types.js';
import type { EventRef, HealthState } from '../scenario/types.js';

/**
 * The judge's view of time: anchors (phase edges on their planned times, fault edges on the
 * observed ones) and health as two states. Health is UP for a 2xx answer within the poll's
 * timeout and DOWN otherwise, UNREACHABLE included, as a load balancer's probe sees it.
 */

/** The run-clock time of t = 0 of the scenario's timeline (the planned start of steady). */
export function timelineStart(recording: Recording): number {
  return recording.phases[0]?.plannedStart ?? 0;
}

/** When an anchor happened on the run's clock, or why it has no time (a fault never applied). */
export function anchorTime(recording: Recording, ref: EventRef): { t: number } | { missing: string } {
  if (ref.of === 'phase') return { t: timelineStart(recording) + ref.atMs };
  const fault = recording.faults.find((f) => f.name === ref.name);
  if (fault === undefined) return { missing: `no fault named ${ref.name} in the recording` };
  const t = ref.edge === 'start' ? fault.appliedAt : fault.revertedAt;
  return t === null ? { missing: `the fault ${ref.name} was never ${ref.edge === 'start' ? 'applied' : 'reverted'}` } : { t };
}

export const binary = (sample: HealthSample): HealthState => (sample.state === 'UP' ? 'UP' : 'DOWN');

export interface HealthChange {
  t: number;
  from: HealthState;
  to: HealthState;
}

/** Changes of the two-valued health, at the first sample showing the new state. */
export function healthChanges(samples: readonly HealthSample[]): HealthChange[] {
  const changes: HealthChange[] = [];
  let last: HealthState | undefined;
  for (const sample of samples) {
    const state = binary(sample);
    if (last !== undefined && state !== last) changes.push({ t: sample.t, from: last, to: state });
    last = state;
  }
  return changes;
}

/** The health state at time t (the last sample at or before it), undefined before the first. */
export function healthAt(samples: readonly HealthSample[], t: number): HealthState | undefined {
  let state: HealthState | undefined;
  for (const sample of samples) {
    if (sample.t > t) break;
    state = binary(sample);
  }
  return state;
}

/** Samples with from ≤ t ≤ to. */
export function healthBetween(samples: readonly HealthSample[], from: number, to: number): HealthSample[] {
  return samples.filter((s) => s.t >= from && s.t <= to);
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : ms < 10_000 ? 2 : 1)} s`;
