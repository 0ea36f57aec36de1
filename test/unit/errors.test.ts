import { describe, expect, it } from 'vitest';
import { ExitCode, FaultlineError, exitCodeFor, formatError } from '../../src/index.js';

describe('FaultlineError and exit codes', () => {
  it.each([
    ['FAULTLINE_USAGE', ExitCode.BAD_INPUT],
    ['FAULTLINE_SCENARIO_INVALID', ExitCode.BAD_INPUT],
    ['FAULTLINE_INFRASTRUCTURE', ExitCode.INFRASTRUCTURE],
    ['FAULTLINE_INTERNAL', ExitCode.INFRASTRUCTURE],
  ] as const)('%s exits %i', (code, exit) => {
    expect(exitCodeFor(new FaultlineError(code, 'x'))).toBe(exit);
  });

  it('treats anything that is not a FaultlineError as an infrastructure failure', () => {
    expect(exitCodeFor(new Error('boom'))).toBe(ExitCode.INFRASTRUCTURE);
    expect(exitCodeFor('boom')).toBe(ExitCode.INFRASTRUCTURE);
  });

  it('recognises errors from another copy of the package by brand, not by class', () => {
    const foreign = Object.assign(new Error('from another copy'), { [Symbol.for('faultline.error')]: true, code: 'FAULTLINE_USAGE' });
    expect(FaultlineError.is(foreign)).toBe(true);
    expect(exitCodeFor(foreign)).toBe(ExitCode.BAD_INPUT);
    expect(FaultlineError.is(new Error('plain'))).toBe(false);
  });

  it('formats one message line and a hint line, never a stack', () => {
    const text = formatError(new FaultlineError('FAULTLINE_USAGE', 'unknown flag --x', { hint: 'see --help' }));
    expect(text).toBe('error: unknown flag --x\nhint: see --help');
    expect(formatError(new Error('plain'))).toBe('error: plain');
  });

  it('keeps the documented exit-code table', () => {
    expect(ExitCode).toEqual({ OK: 0, EXPECTATION_FAILED: 1, BAD_INPUT: 2, INFRASTRUCTURE: 3, CLEANUP_FAILED: 4, INTERRUPTED: 130 });
  });
});
