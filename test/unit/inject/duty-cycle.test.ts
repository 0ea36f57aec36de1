import { describe, expect, it } from 'vitest';
import { DUTY_PERIOD_MS, dutyCycle, dutySchedules, meanDutyCycle } from '../../../src/inject/duty-cycle.js';

describe('dutySchedules', () => {
  it.each([
    // workers, load, busyMs, offsets
    [1, 0.5, 50, [0]],
    [2, 0.5, 50, [0, 50]],
    [4, 0.25, 25, [0, 25, 50, 75]],
    [3, 0.8, 80, [0, 100 / 3, 200 / 3]],
    [2, 1, 100, [0, 0]],
    [2, 0, 0, [0, 50]],
  ])('%i workers at %f spin %f ms with offsets %j', (workers, load, busyMs, offsets) => {
    const schedules = dutySchedules(workers, load);
    expect(schedules.map((s) => s.busyMs)).toEqual(offsets.map(() => busyMs));
    expect(schedules.map((s) => s.offsetMs)).toEqual(offsets);
    expect(schedules.every((s) => s.periodMs === DUTY_PERIOD_MS)).toBe(true);
  });

  it('spreads the bursts so that at most ceil(n x load) threads spin at any instant', () => {
    for (const [workers, load] of [[4, 0.5], [8, 0.25], [3, 0.34], [16, 0.1]] as const) {
      const schedules = dutySchedules(workers, load);
      for (let t = 0; t < DUTY_PERIOD_MS; t += 0.5) {
        const spinning = schedules.filter((s) => {
          const phase = (((t - s.offsetMs) % s.periodMs) + s.periodMs) % s.periodMs;
          return phase < s.busyMs;
        }).length;
        expect(spinning).toBeLessThanOrEqual(Math.ceil(workers * load));
      }
    }
  });

  it('clamps the load into 0..1', () => {
    expect(dutySchedules(1, 1.5)[0]?.busyMs).toBe(DUTY_PERIOD_MS);
    expect(dutySchedules(1, -1)[0]?.busyMs).toBe(0);
  });
});

describe('dutyCycle', () => {
  it.each([
    [50e6, 100, 0.5],
    [0, 250, 0],
    [260e6, 250, 1],
    [125e6, 250, 0.5],
  ])('%f ns of CPU over %f ms is %f', (cpuNs, wallMs, expected) => {
    expect(dutyCycle(cpuNs, wallMs)).toBeCloseTo(expected, 9);
  });

  it.each([
    [-1, 100],
    [Number.NaN, 100],
    [10, 0],
    [10, -5],
  ])('is unknown for %f ns over %f ms', (cpuNs, wallMs) => {
    expect(dutyCycle(cpuNs, wallMs)).toBeNull();
  });

  it('averages the known threads only', () => {
    expect(meanDutyCycle([0.4, 0.6, null])).toBeCloseTo(0.5, 9);
    expect(meanDutyCycle([null])).toBeNull();
    expect(meanDutyCycle([])).toBeNull();
  });
});
