import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, parsePercent, parsePerCore, parseRate, parseSize } from '../../../src/scenario/units.js';

describe('durations', () => {
  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1.5s', 1_500],
    ['0s', 0],
    [' 10s ', 10_000],
  ])('%j is %i ms', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, value: ms });
  });

  it.each([['fast'], ['10'], [10], ['-5s'], ['10 s'], ['1s1s'], ['s'], [''], [null], ['10sec']])('%j is not a duration', (input) => {
    const parsed = parseDuration(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.expected).toMatch(/^a duration like "250ms"/);
  });

  it.each([
    [0, '0s'],
    [250, '250ms'],
    [90_000, '1m30s'],
    [3_661_500, '1h1m1s500ms'],
  ])('formats %i ms as %j, which parses back', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toEqual({ ok: true, value: ms });
  });
});

describe('rates, sizes and percentages', () => {
  it.each([
    ['50/s', 50],
    ['600/m', 10],
    ['3600/h', 1],
    ['2.5 / s', 2.5],
  ])('rate %j is %d per second', (text, perSecond) => {
    expect(parseRate(text)).toEqual({ ok: true, value: perSecond });
  });

  it.each([['50'], ['50/d'], [50], ['-1/s']])('rate %j is refused', (input) => {
    expect(parseRate(input).ok).toBe(false);
  });

  it.each([
    ['64MB', 64e6],
    ['512KiB', 524_288],
    ['1GiB', 1024 ** 3],
    ['100B', 100],
    ['1.5KB', 1500],
  ])('size %j is %i bytes', (text, bytes) => {
    expect(parseSize(text)).toEqual({ ok: true, value: bytes });
  });

  it.each([['64'], ['64mb'], ['-1MB'], [64]])('size %j is refused', (input) => {
    expect(parseSize(input).ok).toBe(false);
  });

  it.each([
    ['99.5%', 0.995],
    [0.995, 0.995],
    ['100%', 1],
    [0, 0],
  ])('percentage %j is %d', (input, ratio) => {
    expect(parsePercent(input)).toEqual({ ok: true, value: ratio });
  });

  it.each([['101%'], [1.5], [-0.1], ['99.5'], ['abc']])('percentage %j is refused', (input) => {
    expect(parsePercent(input).ok).toBe(false);
  });
});

describe('counts per CPU core', () => {
  // The parser reads the form; whether N is a whole number ≥ 1 is the field's check, so that
  // "0/core" and "1.5/core" get their own codes (OUT_OF_RANGE, NOT_INTEGER).
  it.each([
    ['4/core', 4],
    ['1/core', 1],
    [' 2 / core ', 2],
    ['1.5/core', 1.5],
    ['-2/core', -2],
  ])('%j is %d per core', (text, perCore) => {
    expect(parsePerCore(text)).toEqual({ ok: true, value: perCore });
  });

  it.each([['4/cores'], ['x/core'], ['4'], [4], ['/core'], ['4/Core'], ['4 core'], ['1e3/core'], [`${'9'.repeat(400)}/core`]])('%j is refused', (input) => {
    expect(parsePerCore(input)).toEqual({ ok: false, expected: 'a count per CPU core like "2/core"' });
  });
});
