/**
 * The schedule of a CPU fault's threads: each spins for `load` of every period and sleeps the
 * rest, and thread i of n starts its period i/n of a period later, so that n threads at 50 %
 * on fewer cores take turns instead of all bursting at the top of the period together.
 */

/** Long enough for the scheduler's time slices to average out, short enough to look steady. */
export const DUTY_PERIOD_MS = 100;

export interface DutySchedule {
  periodMs: number;
  /** Spin this long at the start of every period. */
  busyMs: number;
  /** Sleep this long before the first period. */
  offsetMs: number;
}

/** Schedules of `workers` threads at duty cycle `load` (0..1). */
export function dutySchedules(workers: number, load: number, periodMs = DUTY_PERIOD_MS): DutySchedule[] {
  const clamped = Math.min(1, Math.max(0, load));
  const busyMs = clamped * periodMs;
  // At 100 % every thread spins all the time: a phase would only delay its start.
  const stagger = clamped < 1 && workers > 1;
  return Array.from({ length: workers }, (_, i) => ({ periodMs, busyMs, offsetMs: stagger ? (i * periodMs) / workers : 0 }));
}

/**
 * The duty cycle a thread achieved between two readings of its CPU time: CPU ns over wall ms,
 * within [0, 1] (a reading a few ms stale can make one interval look a hair above 1), or null
 * when nothing can be said (no CPU reading, or no time passed).
 */
export function dutyCycle(cpuNsDelta: number, wallMsDelta: number): number | null {
  if (!Number.isFinite(cpuNsDelta) || cpuNsDelta < 0 || !(wallMsDelta > 0)) return null;
  return Math.min(1, cpuNsDelta / 1e6 / wallMsDelta);
}

/** The mean of the threads' duty cycles, ignoring threads without one; null when none has. */
export function meanDutyCycle(cycles: readonly (number | null)[]): number | null {
  const known = cycles.filter((c): c is number => c !== null);
  return known.length === 0 ? null : known.reduce((a, b) => a + b, 0) / known.length;
}
