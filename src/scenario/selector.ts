/**
 * Prometheus series selectors, the subset SLOs need: `name{label="v", other=~"5.."}` with the
 * four matchers `=`, `!=`, `=~`, `!~` and double-, single- or back-quoted values. Regexes are
 * anchored like Prometheus's (the whole label value must match).
 */

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  label: string;
  op: MatchOp;
  value: string;
}

export interface Selector {
  /** The metric name; for a histogram SLO, the base name without _bucket/_count. */
  metric: string;
  matchers: Matcher[];
}

export type SelectorParse = { ok: true; selector: Selector } | { ok: false; offset: number; message: string };

const METRIC = /^[A-Za-z_:][A-Za-z0-9_:]*/;
const LABEL = /^[A-Za-z_][A-Za-z0-9_]*/;
const OPS: readonly MatchOp[] = ['=~', '!~', '!=', '='];

export function parseSelector(input: string): SelectorParse {
  let i = 0;
  const fail = (message: string): SelectorParse => ({ ok: false, offset: i, message });
  const skip = () => {
    while (i < input.length && /\s/.test(input[i] as string)) i++;
  };
  skip();
  const metric = METRIC.exec(input.slice(i))?.[0];
  if (metric === undefined) return fail('a selector starts with a metric name, e.g. http_requests_total');
  i += metric.length;
  skip();
  const matchers: Matcher[] = [];
  if (input[i] === '{') {
    i++;
    skip();
    while (input[i] !== '}') {
      const label = LABEL.exec(input.slice(i))?.[0];
      if (label === undefined) return fail(i >= input.length ? 'missing "}"' : 'expected a label name');
      i += label.length;
      skip();
      const op = OPS.find((candidate) => input.startsWith(candidate, i));
      if (op === undefined) return fail('expected one of =, !=, =~, !~');
      i += op.length;
      skip();
      const quote = input[i];
      if (quote !== '"' && quote !== "'" && quote !== '`') return fail('expected a quoted value');
      let value = '';
      i++;
      for (;;) {
        if (i >= input.length) return fail('unclosed quote');
        const ch = input[i] as string;
        if (ch === quote) break;
        if (ch === '\\' && quote !== '`') {
          const next = input[i + 1];
          if (next === undefined) return fail('unclosed quote');
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
          i += 2;
          continue;
        }
        value += ch;
        i++;
      }
      i++;
      if (op === '=~' || op === '!~') {
        try {
          new RegExp(`^(?:${value})$`);
        } catch {
          return fail(`invalid regular expression "${value}"`);
        }
      }
      matchers.push({ label, op, value });
      skip();
      if (input[i] === ',') {
        i++;
        skip();
      } else if (input[i] !== '}') {
        return fail(i >= input.length ? 'missing "}"' : 'expected "," or "}"');
      }
    }
    i++;
    skip();
  }
  if (i < input.length) return fail('unexpected text after the selector');
  return { ok: true, selector: { metric, matchers } };
}

/** True when a series' labels satisfy every matcher (a missing label is the empty string). */
export function matches(selector: Selector, labels: Readonly<Record<string, string>>): boolean {
  return selector.matchers.every(({ label, op, value }) => {
    const actual = labels[label] ?? '';
    switch (op) {
      case '=':
        return actual === value;
      case '!=':
        return actual !== value;
      case '=~':
        return new RegExp(`^(?:${value})$`).test(actual);
      case '!~':
        return !new RegExp(`^(?:${value})$`).test(actual);
    }
  });
}

/** Canonical text form: name{a="x",b=~"y"}. */
export function formatSelector(selector: Selector): string {
  if (selector.matchers.length === 0) return selector.metric;
  const inner = selector.matchers.map(({ label, op, value }) => `${label}${op}${JSON.stringify(value)}`).join(',');
  return `${selector.metric}{${inner}}`;
}
