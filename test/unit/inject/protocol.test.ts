import { describe, expect, it } from 'vitest';
import { faultSpecProblem, isInjectorMessage, parseRunnerMessage, tag } from '../../../src/inject/protocol.js';

describe('parseRunnerMessage', () => {
  it.each([
    ['apply', { faultline: 'inject', op: 'apply', id: 'a', fault: { kind: 'cpu', workers: 1, load: 1 } }],
    ['revert', { faultline: 'inject', op: 'revert', id: 'a' }],
    ['revert-all', { faultline: 'inject', op: 'revert-all' }],
  ])('accepts %s', (_, message) => {
    expect(parseRunnerMessage(message)).toEqual(message);
  });

  it.each([
    ['the target’s own message', { op: 'apply', id: 'a' }],
    ['another tag', { faultline: 'other', op: 'revert', id: 'a' }],
    ['a string', 'revert'],
    ['null', null],
    ['an array', ['inject']],
    ['an apply without id', { faultline: 'inject', op: 'apply', fault: {} }],
    ['a revert with a numeric id', { faultline: 'inject', op: 'revert', id: 1 }],
    ['an unknown op', { faultline: 'inject', op: 'pause', id: 'a' }],
    ['our own hello', { faultline: 'inject', op: 'hello', pid: 1 }],
  ])('ignores %s', (_, message) => {
    expect(parseRunnerMessage(message)).toBeUndefined();
  });
});

describe('faultSpecProblem', () => {
  it.each([
    [{ kind: 'cpu', workers: 1, load: 0 }],
    [{ kind: 'cpu', workers: 256, load: 1 }],
    [{ kind: 'heap', bytesPerSecond: 1, maxBytes: 1, release: false }],
  ])('accepts %j', (fault) => {
    expect(faultSpecProblem(fault)).toBeUndefined();
  });

  it.each([
    [undefined, 'fault must be an object'],
    [{ kind: 'disk' }, 'fault.kind'],
    [{ kind: 'cpu', workers: 0, load: 0.5 }, 'cpu.workers'],
    [{ kind: 'cpu', workers: 1.5, load: 0.5 }, 'cpu.workers'],
    [{ kind: 'cpu', workers: 257, load: 0.5 }, 'cpu.workers'],
    [{ kind: 'cpu', workers: 1, load: 1.01 }, 'cpu.load'],
    [{ kind: 'cpu', workers: 1, load: '50%' }, 'cpu.load'],
    [{ kind: 'heap', bytesPerSecond: 0, maxBytes: 1, release: true }, 'heap.bytesPerSecond'],
    [{ kind: 'heap', bytesPerSecond: 1, maxBytes: Infinity, release: true }, 'heap.maxBytes'],
    [{ kind: 'heap', bytesPerSecond: 1, maxBytes: 1, release: 'yes' }, 'heap.release'],
  ])('refuses %j naming %s', (fault, field) => {
    expect(faultSpecProblem(fault)).toContain(field);
  });
});

describe('tags', () => {
  it('tags messages and recognises the injector’s', () => {
    const applied = tag({ op: 'applied', id: 'x' });
    expect(applied).toEqual({ faultline: 'inject', op: 'applied', id: 'x' });
    expect(isInjectorMessage(applied)).toBe(true);
    expect(isInjectorMessage(tag({ op: 'revert', id: 'x' }))).toBe(false);
    expect(isInjectorMessage({ op: 'applied', id: 'x' })).toBe(false);
  });
});
