import { describe, expect, it } from 'vitest';
import { judgeCpu } from '../../../src/run/fault-executor.js';
import type { ResolvedFault } from '../../../src/scenario/types.js';

type CpuFault = Extract<ResolvedFault, { kind: 'cpu' }>;
const fault = (workers: number, load: number): CpuFault => ({ name: 'burn', kind: 'cpu', startMs: 0, endMs: 1000, workers, load, mode: 'in-process' }) as CpuFault;

describe('judging a CPU fault by the cores its threads took', () => {
  // [workers, requested load, achieved mean duty cycle, machine cores, effect, cores taken]
  const cases: [number, number, number, number, 'effective' | 'not-effective', number][] = [
    [1, 0.5, 0.49, 2, 'effective', 0.49],
    [1, 0.5, 0.26, 2, 'effective', 0.26], // half of 0.5 core is the bar
    [1, 0.5, 0.24, 2, 'not-effective', 0.24],
    [2, 1, 0.83, 2, 'effective', 1.66],
    // More threads than cores: judged against the 2 cores that exist, not the 16 asked for.
    [16, 1, 0.11, 2, 'effective', 1.76],
    [16, 1, 0.05, 2, 'not-effective', 0.8],
    [4, 0.25, 0.24, 8, 'effective', 0.96],
    [4, 0.25, 0.1, 8, 'not-effective', 0.4],
  ];
  it.each(cases)('%i threads at %f, %f achieved on %i cores: %s', (workers, load, achieved, cores, effect, taken) => {
    const [verdict, evidence, measured] = judgeCpu(fault(workers, load), achieved, 40, workers, cores);
    expect(verdict).toBe(effect);
    expect(measured).toEqual({ load: achieved, workers, cores: taken, machineCores: cores });
    expect(evidence).toContain(`over 40 samples`);
    if (workers * load > cores) expect(evidence).toContain(`the machine has ${cores} cores`);
    else expect(evidence).not.toContain('the machine has');
  });
});
