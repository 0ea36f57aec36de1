import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSelector, type Matcher } from '../../../src/scenario/selector.js';
import { promDuration, promNumber, promSelector, promString, templateLiteral, wholeMs } from '../../../src/slo/promql.js';

describe('promDuration: ms as a Prometheus duration', () => {
  it.each<[number, string]>([
    [0, '0s'],
    [1, '1ms'],
    [500, '500ms'],
    [1_000, '1s'],
    [1_500, '1s500ms'],
    [5_000, '5s'],
    [30_000, '30s'],
    [60_000, '1m'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
    [3_661_001, '1h1m1s1ms'],
    [86_400_000, '24h'],
    // Prometheus counts whole ms: a fraction is rounded up, float noise is not.
    [0.5, '1ms'],
    [1_000.001, '1s1ms'],
    [4_320.000000000004, '4s320ms'],
  ])('%s ms → %s', (ms, text) => {
    expect(promDuration(ms)).toBe(text);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses %s', (ms) => {
    expect(() => promDuration(ms)).toThrow(RangeError);
  });

  it('wholeMs drops float noise before rounding up', () => {
    expect([wholeMs(14.4 * 0.01 * 30_000), wholeMs(0.001), wholeMs(2.001), wholeMs(2.0004), wholeMs(7)]).toEqual([4_320, 1, 3, 2, 7]);
  });
});

describe('promNumber', () => {
  it.each<[number, string]>([
    [14.4, '14.4'],
    [1 - 0.99, '0.01'],
    [14.4 * 0.01, '0.144'],
    [1 - 0.999, '0.001'],
    [0, '0'],
    [1e-7, '1e-7'],
    [2, '2'],
  ])('%s → %s', (value, text) => {
    expect(promNumber(value)).toBe(text);
  });
});

describe('promString and promSelector: label values PromQL reads back exactly', () => {
  it.each<[string, string]>([
    ['plain', '"plain"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['C:\\dir', '"C:\\\\dir"'],
    ['5\\d\\d', '"5\\\\d\\\\d"'],
    ['line\nnext\tcol\rret', '"line\\nnext\\tcol\\rret"'],
    ['bell\u0007del\u007f', '"bell\\x07del\\x7f"'],
    ["it's `raw` é", '"it\'s `raw` é"'],
    ['', '""'],
  ])('%j → %s', (value, text) => {
    expect(promString(value)).toBe(text);
  });

  it('renders every matcher op, and a bare name without braces', () => {
    const matchers: Matcher[] = [
      { label: 'a', op: '=', value: 'x' },
      { label: 'b', op: '!=', value: 'y' },
      { label: 'c', op: '=~', value: '5..' },
      { label: 'd', op: '!~', value: '/health.*' },
    ];
    expect(promSelector('m', matchers)).toBe('m{a="x",b!="y",c=~"5..",d!~"/health.*"}');
    expect(promSelector('job:x:rate5m', [])).toBe('job:x:rate5m');
  });

  it('round-trips through the selector parser (which reads PromQL escapes)', () => {
    const value = fc.string({ unit: fc.constantFrom('a', 'Z', '5', '"', '\\', '\n', '\t', "'", '`', '{', '}', ',', '=', ' ', 'é', '🙂') });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'route', '_x'), fc.constantFrom<'=' | '!='>('=', '!='), value), { maxLength: 4 }), (rows) => {
        const matchers = rows.map(([label, op, v]) => ({ label, op, value: v }));
        const parsed = parseSelector(promSelector('metric_total', matchers));
        expect(parsed).toEqual({ ok: true, selector: { metric: 'metric_total', matchers } });
      }),
      { seed: 20261125, numRuns: 500 },
    );
  });
});

describe('templateLiteral: text Prometheus expands as a Go template', () => {
  it.each<[string, string]>([
    ['no braces', 'no braces'],
    ['{{ $value }}', '{{ "{{" }} $value }}'],
    ['a }} b { c', 'a }} b { c'],
    ['{{{{', '{{ "{{" }}{{ "{{" }}'],
  ])('%j → %j', (text, out) => {
    expect(templateLiteral(text)).toBe(out);
  });
});
