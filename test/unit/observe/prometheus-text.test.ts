import fc from 'fast-check';
import { Counter, Gauge, Histogram, Registry, Summary, collectDefaultMetrics } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { formatPromTextIssue, parsePrometheusText, type MetricFamily, type MetricType, type PromSample, type PromTextIssueCode } from '../../../src/observe/prometheus-text.js';
import { mulberry32 } from '../../../harness/agent/random.js';

/** The families when `text` parses; fails the test with every issue otherwise. */
function families(text: string): MetricFamily[] {
  const result = parsePrometheusText(text);
  if (!result.ok) throw new Error(`did not parse:\n${result.issues.map(formatPromTextIssue).join('\n')}`);
  return result.families;
}

const s = (name: string, labels: Record<string, string>, value: number, timestampMs?: number): PromSample =>
  timestampMs === undefined ? { name, labels, value } : { name, labels, value, timestampMs };

describe('parsePrometheusText: valid text', () => {
  it.each<[string, string, MetricFamily[]]>([
    ['empty text', '', []],
    ['only blank lines and comments', '\n   \n\t\n# just a comment\n#\n', []],
    [
      'a counter with HELP, TYPE and labels',
      '# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\nhttp_requests_total{method="GET",route="/a"} 3\nhttp_requests_total{method="POST",route="/a"} 1\n',
      [
        {
          name: 'http_requests_total',
          type: 'counter',
          help: 'Requests.',
          samples: [s('http_requests_total', { method: 'GET', route: '/a' }, 3), s('http_requests_total', { method: 'POST', route: '/a' }, 1)],
        },
      ],
    ],
    [
      'label escapes: backslash, quote, newline',
      'm{a="C:\\\\dir",b="say \\"hi\\"",c="two\\nlines",d=""} 1\n',
      [{ name: 'm', type: 'untyped', samples: [s('m', { a: 'C:\\dir', b: 'say "hi"', c: 'two\nlines', d: '' }, 1)] }],
    ],
    ['characters that need no escape in a label value', 'm{a="{},= #é\'`\t"} 1\n', [{ name: 'm', type: 'untyped', samples: [s('m', { a: "{},= #é'`\t" }, 1)] }]],
    [
      'special values in any case (prom-client writes "Nan"), signs, exponents, bare dots',
      'a 1\nb NaN\nc Nan\nd nan\ne +Inf\nf -Inf\ng Inf\nh inf\ni -infinity\nj 1.5e3\nk -2E-2\nl .5\nm 5.\nn +7\no -0\np 1e+21\n',
      [
        ['a', 1],
        ['b', Number.NaN],
        ['c', Number.NaN],
        ['d', Number.NaN],
        ['e', Infinity],
        ['f', -Infinity],
        ['g', Infinity],
        ['h', Infinity],
        ['i', -Infinity],
        ['j', 1500],
        ['k', -0.02],
        ['l', 0.5],
        ['m', 5],
        ['n', 7],
        ['o', -0],
        ['p', 1e21],
      ].map(([name, value]) => ({ name: name as string, type: 'untyped' as const, samples: [s(name as string, {}, value as number)] })),
    ],
    [
      'timestamps, negative too',
      'a 1 1700000000000\nb{x="y"} 2 -5\nc 3 +12\n',
      [
        { name: 'a', type: 'untyped', samples: [s('a', {}, 1, 1700000000000)] },
        { name: 'b', type: 'untyped', samples: [s('b', { x: 'y' }, 2, -5)] },
        { name: 'c', type: 'untyped', samples: [s('c', {}, 3, 12)] },
      ],
    ],
    [
      'a histogram: _bucket with le, _sum, _count, each label set',
      [
        '# HELP h_seconds Latency.',
        '# TYPE h_seconds histogram',
        'h_seconds_bucket{le="0.1",route="/a"} 1',
        'h_seconds_bucket{le="+Inf",route="/a"} 2',
        'h_seconds_sum{route="/a"} 0.35',
        'h_seconds_count{route="/a"} 2',
        'h_seconds_bucket{le="0.1",route="/b"} 0',
        'h_seconds_bucket{le="+Inf",route="/b"} 0',
        'h_seconds_sum{route="/b"} 0',
        'h_seconds_count{route="/b"} 0',
        '',
      ].join('\n'),
      [
        {
          name: 'h_seconds',
          type: 'histogram',
          help: 'Latency.',
          samples: [
            s('h_seconds_bucket', { le: '0.1', route: '/a' }, 1),
            s('h_seconds_bucket', { le: '+Inf', route: '/a' }, 2),
            s('h_seconds_sum', { route: '/a' }, 0.35),
            s('h_seconds_count', { route: '/a' }, 2),
            s('h_seconds_bucket', { le: '0.1', route: '/b' }, 0),
            s('h_seconds_bucket', { le: '+Inf', route: '/b' }, 0),
            s('h_seconds_sum', { route: '/b' }, 0),
            s('h_seconds_count', { route: '/b' }, 0),
          ],
        },
      ],
    ],
    [
      'a summary: quantiles, _sum, _count',
      '# TYPE rpc summary\nrpc{quantile="0.5"} 4\nrpc{quantile="0.99"} NaN\nrpc_sum 10\nrpc_count 3\n',
      [{ name: 'rpc', type: 'summary', samples: [s('rpc', { quantile: '0.5' }, 4), s('rpc', { quantile: '0.99' }, Number.NaN), s('rpc_sum', {}, 10), s('rpc_count', {}, 3)] }],
    ],
    [
      'gauge and untyped TYPE lines; an untyped family without TYPE',
      '# TYPE g gauge\ng -1.5\n# TYPE u untyped\nu 2\nplain 3\n',
      [
        { name: 'g', type: 'gauge', samples: [s('g', {}, -1.5)] },
        { name: 'u', type: 'untyped', samples: [s('u', {}, 2)] },
        { name: 'plain', type: 'untyped', samples: [s('plain', {}, 3)] },
      ],
    ],
    [
      'a family with HELP and TYPE but no samples (prom-client: a labelled metric never observed)',
      '# HELP e Empty.\n# TYPE e histogram\n\n# TYPE next counter\nnext 1\n',
      [
        { name: 'e', type: 'histogram', help: 'Empty.', samples: [] },
        { name: 'next', type: 'counter', samples: [s('next', {}, 1)] },
      ],
    ],
    ['HELP escapes and an empty HELP', '# HELP a one \\\\ two\\nthree "q"\n# HELP b\n# HELP c \n', [
      { name: 'a', type: 'untyped', help: 'one \\ two\nthree "q"', samples: [] },
      { name: 'b', type: 'untyped', help: '', samples: [] },
      { name: 'c', type: 'untyped', help: '', samples: [] },
    ]],
    [
      'CRLF line ends, leading and trailing blanks, tabs',
      '# TYPE c counter\r\n  c{a="1"}\t2 \r\n\tc{a="2"} 3 99\t\r\n\r\n',
      [{ name: 'c', type: 'counter', samples: [s('c', { a: '1' }, 2), s('c', { a: '2' }, 3, 99)] }],
    ],
    [
      'label set spelling: empty, trailing comma, blanks around tokens, blank before {, no blank after }',
      'a{} 1\nb{x="1",} 2\nc { x = "1" , y = "2" } 3\nd{x="1"}4\n',
      [
        { name: 'a', type: 'untyped', samples: [s('a', {}, 1)] },
        { name: 'b', type: 'untyped', samples: [s('b', { x: '1' }, 2)] },
        { name: 'c', type: 'untyped', samples: [s('c', { x: '1', y: '2' }, 3)] },
        { name: 'd', type: 'untyped', samples: [s('d', { x: '1' }, 4)] },
      ],
    ],
    ['metric names with colons and underscores', 'job:rate:5m 1\n_x 2\n:y 3\n', [
      { name: 'job:rate:5m', type: 'untyped', samples: [s('job:rate:5m', {}, 1)] },
      { name: '_x', type: 'untyped', samples: [s('_x', {}, 2)] },
      { name: ':y', type: 'untyped', samples: [s(':y', {}, 3)] },
    ]],
    [
      'a family split into two groups is merged (as expfmt and Prometheus do)',
      '# TYPE a counter\na{x="1"} 1\nb 2\na{x="2"} 3\n',
      [
        { name: 'a', type: 'counter', samples: [s('a', { x: '1' }, 1), s('a', { x: '2' }, 3)] },
        { name: 'b', type: 'untyped', samples: [s('b', {}, 2)] },
      ],
    ],
    [
      'text format 0.0.4, not OpenMetrics: foo_total under TYPE foo is its own untyped family; # EOF is a comment',
      '# TYPE foo counter\nfoo_total 1\n# EOF\n',
      [
        { name: 'foo', type: 'counter', samples: [] },
        { name: 'foo_total', type: 'untyped', samples: [s('foo_total', {}, 1)] },
      ],
    ],
    [
      '_bucket/_sum/_count belong to a histogram or summary only when one is declared',
      '# TYPE g gauge\ng_count 1\nx_bucket{le="1"} 2\n# TYPE sm summary\nsm_bucket 3\n',
      [
        { name: 'g', type: 'gauge', samples: [] },
        { name: 'g_count', type: 'untyped', samples: [s('g_count', {}, 1)] },
        { name: 'x_bucket', type: 'untyped', samples: [s('x_bucket', { le: '1' }, 2)] },
        { name: 'sm', type: 'summary', samples: [] },
        { name: 'sm_bucket', type: 'untyped', samples: [s('sm_bucket', {}, 3)] },
      ],
    ],
    ['a label named __proto__ is an own property, not a prototype', 'm{__proto__="x"} 1\n', [{ name: 'm', type: 'untyped', samples: [s('m', Object.fromEntries([['__proto__', 'x']]), 1)] }]],
  ])('%s', (_name, text, expected) => {
    expect(families(text)).toEqual(expected);
  });
});

describe('parsePrometheusText: malformed text', () => {
  it.each<[string, string, [PromTextIssueCode, number, number][]]>([
    ['no final newline (a body cut off)', 'a 1\nb 2', [['no-final-newline', 2, 4]]],
    ['a name without a value', 'a\n', [['syntax', 1, 2]]],
    ['a name and labels without a value', 'a{x="1"} \n', [['syntax', 1, 10]]],
    ['a value that is not a number', 'a one\n', [['bad-value', 1, 3]]],
    ['a hex value (Prometheus refuses it)', 'a 0x10\n', [['bad-value', 1, 3]]],
    ['an underscore in a value', 'a 1_000\n', [['bad-value', 1, 3]]],
    ['a value out of range', 'a 1e400\n', [['bad-value', 1, 3]]],
    ['a signed NaN', 'a +NaN\n', [['bad-value', 1, 3]]],
    ['a fractional timestamp', 'a 1 1.5\n', [['bad-timestamp', 1, 5]]],
    ['a timestamp that is not a number', 'a 1 now\n', [['bad-timestamp', 1, 5]]],
    ['text after the timestamp', 'a 1 2 3\n', [['syntax', 1, 7]]],
    ['a name starting with a digit', '0a 1\n', [['syntax', 1, 1]]],
    ['a dash in a metric name', 'a-b 1\n', [['syntax', 1, 2]]],
    ['a quoted UTF-8 name (not in 0.0.4)', '{"a.b"} 1\n', [['syntax', 1, 1]]],
    ['an unclosed label set', 'a{x="1"\n', [['syntax', 1, 8]]],
    ['an unclosed label value', 'a{x="1} 2\n', [['syntax', 1, 10]]],
    ['a label value ending in a lone backslash', 'a{x="1\\\n', [['syntax', 1, 8]]],
    ['an unknown escape in a label value', 'a{x="tab\\there"} 1\n', [['bad-escape', 1, 9]]],
    ['an unquoted label value', 'a{x=1} 1\n', [['syntax', 1, 5]]],
    ['a label without =', 'a{x "1"} 1\n', [['syntax', 1, 5]]],
    ['a label name starting with a digit', 'a{1x="1"} 1\n', [['syntax', 1, 3]]],
    ['labels without a comma', 'a{x="1" y="2"} 1\n', [['syntax', 1, 9]]],
    ['a stray brace after the label set', 'a{x="1"}} 1\n', [['bad-value', 1, 9]]],
    ['the same label twice', 'a{x="1",y="2",x="3"} 1\n', [['bad-label', 1, 15]]],
    ['the reserved __name__ label', 'a{__name__="b"} 1\n', [['bad-label', 1, 3]]],
    ['two values for one series', 'a{x="1"} 1\na{x="2"} 1\na{x="1"} 2\n', [['duplicate-series', 3, 1]]],
    ['two values for one series, labels in another order', 'a{x="1",y="2"} 1\na{y="2",x="1"} 2\n', [['duplicate-series', 2, 1]]],
    ['a second TYPE line', '# TYPE a counter\n# TYPE a gauge\n', [['duplicate-metadata', 2, 1]]],
    ['a second HELP line', '# HELP a x\n  # HELP a y\n', [['duplicate-metadata', 2, 3]]],
    ['TYPE after the samples', 'a 1\n# TYPE a counter\n', [['duplicate-metadata', 2, 1]]],
    ['an unknown type', '# TYPE a countr\n', [['bad-metadata', 1, 10]]],
    ['an OpenMetrics-only type', '# TYPE a gaugehistogram\n', [['bad-metadata', 1, 10]]],
    ['a type in capitals', '# TYPE a COUNTER\n', [['bad-metadata', 1, 10]]],
    ['TYPE without a type', '# TYPE a\n', [['bad-metadata', 1, 9]]],
    ['TYPE without a name', '# TYPE\n', [['bad-metadata', 1, 7]]],
    ['HELP with a bad name', '# HELP a-b x\n', [['bad-metadata', 1, 9]]],
    ['an unknown escape in HELP', '# HELP a one \\t two\n', [['bad-escape', 1, 14]]],
    ['an escaped quote in HELP (expfmt and Prometheus disagree on it)', '# HELP a say \\"hi\\"\n', [['bad-escape', 1, 14]]],
    ['a histogram bucket without le', '# TYPE h histogram\nh_bucket{x="1"} 1\n', [['bad-family-sample', 2, 1]]],
    ['a histogram bucket whose le is not a number', '# TYPE h histogram\nh_bucket{le="big"} 1\n', [['bad-family-sample', 2, 1]]],
    ['a histogram series with the base name', '# TYPE h histogram\nh{le="1"} 1\n', [['bad-family-sample', 2, 1]]],
    ['a summary quantile without quantile', '# TYPE q summary\nq 1\n', [['bad-family-sample', 2, 1]]],
    ['a summary quantile that is not a number', '# TYPE q summary\nq{quantile="p99"} 1\n', [['bad-family-sample', 2, 1]]],
    [
      'every bad line is reported, with CRLF line numbers counted right',
      'ok 1\r\nbad one\r\n# TYPE t counter\r\nt 1 x\r\nt{a="\\q"} 1\r\nfine 2',
      [
        ['bad-value', 2, 5],
        ['bad-timestamp', 4, 5],
        ['bad-escape', 5, 6],
        ['no-final-newline', 6, 7],
      ],
    ],
    ['an HTML error page', '<html>\n<body>503</body>\n</html>\n', [
      ['syntax', 1, 1],
      ['syntax', 2, 1],
      ['syntax', 3, 1],
    ]],
  ])('%s', (_name, text, expected) => {
    const result = parsePrometheusText(text);
    expect(result.ok).toBe(false);
    const issues = result.ok ? [] : result.issues;
    expect(issues.map((i) => [i.code, i.line, i.column])).toEqual(expected);
    for (const issue of issues) expect(issue.message.length).toBeGreaterThan(0);
  });

  it('stops after 50 issues on a body that is not the format at all', () => {
    const result = parsePrometheusText('not metrics\n'.repeat(10_000));
    expect(result.ok ? 0 : result.issues.length).toBe(50);
  });

  it('formats an issue as line:column: message', () => {
    const result = parsePrometheusText('a 1\na x\n');
    expect(result.ok ? '' : formatPromTextIssue(result.issues[0]!)).toBe('line 2:3: expected a number, NaN, +Inf or -Inf, got "x"');
  });
});

describe('parsePrometheusText: real prom-client output', () => {
  async function registryWithEverything(): Promise<Registry> {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const requests = new Counter({ name: 'http_requests_total', help: 'Requests "quoted", a \\ backslash\nand a newline.', labelNames: ['route', 'status_code'], registers: [registry] });
    requests.inc({ route: '/v1/actions', status_code: '200' }, 3);
    requests.inc({ route: 'we"ird\\path\nwith {braces}, = and #', status_code: '500' });
    const duration = new Histogram({ name: 'http_request_duration_seconds', help: 'Duration.', labelNames: ['route'], buckets: [0.1, 0.2, 1], registers: [registry] });
    for (const seconds of [0.05, 0.15, 0.2, 5]) duration.observe({ route: '/v1/actions' }, seconds);
    duration.observe({ route: '/health' }, 0.001);
    new Histogram({ name: 'never_observed_seconds', help: 'No label set yet.', labelNames: ['route'], registers: [registry] });
    const odd = new Gauge({ name: 'odd_gauge', help: 'NaN and infinities.', labelNames: ['which'], registers: [registry] });
    odd.set({ which: 'nan' }, Number.NaN);
    odd.set({ which: 'inf' }, Infinity);
    odd.set({ which: 'minus' }, -Infinity);
    const summary = new Summary({ name: 'rpc_seconds', help: 'A summary.', percentiles: [0.5, 0.99], registers: [registry] });
    for (const v of [1, 2, 3]) summary.observe(v);
    await new Promise((resolve) => setImmediate(resolve));
    return registry;
  }

  it('parses counters with labels, histograms, a summary, odd values and the default metrics, as getMetricsAsJSON sees them', async () => {
    const registry = await registryWithEverything();
    const text = await registry.metrics();
    const parsed = families(text);
    const json = await registry.getMetricsAsJSON();
    const byName = new Map(parsed.map((f) => [f.name, f]));
    // Every family prom-client has, with its type and help (default metrics' values move between calls).
    expect(parsed.map((f) => [f.name, f.type, f.help])).toEqual(json.map((m) => [m.name, String(m.type), m.help]));
    expect(parsed.length).toBeGreaterThan(20);
    expect(byName.get('process_cpu_seconds_total')?.type).toBe('counter');
    expect(byName.get('nodejs_heap_size_used_bytes')?.samples[0]?.value).toBeGreaterThan(0);
    // Our own metrics: every sample, value for value.
    for (const name of ['http_requests_total', 'http_request_duration_seconds', 'never_observed_seconds', 'odd_gauge', 'rpc_seconds']) {
      const metric = json.find((m) => m.name === name)!;
      // prom-client's JSON names each histogram/summary series in `metricName` (missing from its types).
      const expected = metric.values.map((v) => s((v as { metricName?: string }).metricName ?? name, Object.fromEntries(Object.entries(v.labels).map(([k, l]) => [k, String(l)])), v.value));
      expect(byName.get(name)?.samples, name).toEqual(expected);
    }
    expect(byName.get('http_requests_total')?.help).toBe('Requests "quoted", a \\ backslash\nand a newline.');
    expect(byName.get('http_requests_total')?.samples[1]?.labels.route).toBe('we"ird\\path\nwith {braces}, = and #');
    expect(byName.get('odd_gauge')?.samples.map((x) => x.value)).toEqual([Number.NaN, Infinity, -Infinity]);
    expect(byName.get('http_request_duration_seconds')?.samples.filter((x) => x.labels.route === '/v1/actions').map((x) => [x.name, x.labels.le, x.value])).toEqual([
      ['http_request_duration_seconds_bucket', '0.1', 1],
      ['http_request_duration_seconds_bucket', '0.2', 3],
      ['http_request_duration_seconds_bucket', '1', 3],
      ['http_request_duration_seconds_bucket', '+Inf', 4],
      ['http_request_duration_seconds_sum', undefined, 5.4],
      ['http_request_duration_seconds_count', undefined, 4],
    ]);
  });
});

describe('parsePrometheusText: round trip (property)', () => {
  const SEED = 20261125;
  const formatBound = (b: number): string => (b === Infinity ? '+Inf' : String(b));

  /** A seeded PRNG for the spelling choices (blanks, line ends, value spellings). */
  const prng = mulberry32;

  const labelValue = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.string({ unit: fc.constantFrom('\\', '"', '\n', '\r', '\t', ' ', 'a', '{', '}', ',', '=', '#', 'é', '\\n'), maxLength: 10 }),
  );
  const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,6}$/).filter((n) => n !== '__name__' && n !== 'le' && n !== 'quantile');
  const labelSet = fc.uniqueArray(fc.tuple(labelName, labelValue), { selector: ([n]) => n, maxLength: 3 });
  const value = fc.oneof(fc.double(), fc.integer({ min: -1000, max: 1000 }), fc.constantFrom(0, -0, Number.NaN, Infinity, -Infinity));
  const timestamp = fc.option(fc.maxSafeInteger(), { nil: undefined });
  /** HELP text: no leading blanks (the format cannot keep them) and no carriage return at the end of a line. */
  const help = fc.option(
    fc.string({ unit: fc.constantFrom('\\', '"', '\n', ' ', 'a', 'é', '#', '\\n', '\t'), maxLength: 12 }).map((h) => h.replace(/^[ \t]+/, '')),
    { nil: undefined },
  );
  const bound = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 10 }));

  interface Spec {
    name: string;
    type: MetricType;
    typed: boolean;
    help: string | undefined;
    series: { labels: [string, string][]; values: number[]; bounds: number[]; timestampMs: number | undefined }[];
  }

  const family = fc.record({
    name: fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,10}$/),
    type: fc.constantFrom<MetricType>('counter', 'gauge', 'histogram', 'summary', 'untyped'),
    typed: fc.boolean(),
    help,
    series: fc.uniqueArray(
      fc.record({ labels: labelSet, values: fc.array(value, { minLength: 6, maxLength: 6 }), bounds: fc.uniqueArray(bound, { maxLength: 4, selector: (b) => formatBound(b) }), timestampMs: timestamp }),
      { selector: (x) => JSON.stringify([...x.labels].sort()), maxLength: 3 },
    ),
  });
  const SUFFIXES = ['_bucket', '_sum', '_count'];
  /** Families whose names cannot be mistaken for one another's series (the format itself is ambiguous there). */
  const familiesArb = fc
    .uniqueArray(family, { selector: (f) => f.name, maxLength: 6 })
    .filter((fams) => fams.every((f) => !SUFFIXES.some((x) => f.name.endsWith(x)) && !fams.some((g) => g !== f && (f.name.startsWith(g.name) || g.name.startsWith(f.name)))))
    // A family with neither TYPE, HELP nor samples leaves no trace in the text.
    .map((fams) => fams.map((f): Spec => ({ ...f, typed: f.typed || f.type !== 'untyped' })).filter((f) => f.typed || f.help !== undefined || f.series.length > 0));

  /** The samples each family must parse back to. */
  function expected(spec: Spec): MetricFamily {
    const samples: PromSample[] = [];
    for (const { labels, values, bounds, timestampMs } of spec.series) {
      const base = Object.fromEntries(labels);
      const at = (name: string, extra: Record<string, string>, v: number): void => {
        samples.push(s(name, { ...base, ...extra }, v, timestampMs));
      };
      const v = (i: number): number => values[i] ?? 0;
      if (spec.type === 'histogram') {
        [...bounds, Infinity].forEach((b, i) => at(`${spec.name}_bucket`, { le: formatBound(b) }, v(i)));
        at(`${spec.name}_sum`, {}, v(4));
        at(`${spec.name}_count`, {}, v(5));
      } else if (spec.type === 'summary') {
        bounds.forEach((b, i) => at(spec.name, { quantile: formatBound(b) }, v(i)));
        at(`${spec.name}_sum`, {}, v(4));
        at(`${spec.name}_count`, {}, v(5));
      } else {
        at(spec.name, {}, v(0));
      }
    }
    return spec.help === undefined ? { name: spec.name, type: spec.type, samples } : { name: spec.name, type: spec.type, help: spec.help, samples };
  }

  function render(fams: MetricFamily[], typed: boolean[], seed: number): string {
    const random = prng(seed);
    const pick = <T,>(...options: T[]): T => options[Math.floor(random() * options.length)]!;
    const blanks = (): string => pick(' ', ' ', '\t', '  ', ' \t');
    const lines: string[] = [];
    fams.forEach((f, i) => {
      if (random() < 0.3) lines.push(pick('', '   ', '# a comment', '#', '# HELPER not metadata'));
      const meta = [];
      if (f.help !== undefined) meta.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
      if (typed[i] === true) meta.push(`#${pick(' ', '  ')}TYPE${blanks()}${f.name}${blanks()}${f.type}`);
      if (random() < 0.5) meta.reverse();
      lines.push(...meta);
      for (const x of f.samples) {
        const pairs = Object.entries(x.labels).map(([k, v]) => `${k}${pick('', ' ')}=${pick('', ' ')}"${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`);
        const set = pairs.length === 0 && random() < 0.5 ? '' : `${pick('', ' ')}{${pairs.join(pick(',', ', '))}${pairs.length > 0 && random() < 0.2 ? ',' : ''}}`;
        const ts = x.timestampMs === undefined ? '' : `${blanks()}${x.timestampMs}`;
        lines.push(`${pick('', '', ' ')}${x.name}${set}${blanks()}${formatValue(x.value, random)}${ts}${pick('', '', ' ')}`);
      }
    });
    return lines.map((l) => `${l}${pick('\n', '\n', '\r\n')}`).join('');
  }

  function formatValue(v: number, random: () => number): string {
    if (Number.isNaN(v)) return ['NaN', 'Nan', 'nan'][Math.floor(random() * 3)]!;
    if (v === Infinity) return ['+Inf', 'Inf', 'inf', '+infinity'][Math.floor(random() * 4)]!;
    if (v === -Infinity) return ['-Inf', '-inf'][Math.floor(random() * 2)]!;
    if (Object.is(v, -0)) return '-0';
    return random() < 0.3 ? v.toExponential() : String(v);
  }

  it('rendering random families and parsing them back gives the same families and samples', () => {
    fc.assert(
      fc.property(familiesArb, fc.integer(), (specs, seed) => {
        const fams = specs.map(expected);
        const text = render(
          fams,
          specs.map((f) => f.typed),
          seed,
        );
        expect(families(text)).toEqual(fams);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('never throws on arbitrary text; every issue points inside it', () => {
    const soup = fc.string({ unit: fc.constantFrom('a', '_', '{', '}', '"', '\\', '=', ',', ' ', '\n', '\r\n', '#', ' HELP ', ' TYPE ', '1', '.', 'e', '+', '-', 'NaN', 'le', 'histogram'), maxLength: 120 });
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), soup), (text) => {
        const result = parsePrometheusText(text);
        if (result.ok) return;
        const lines = text.split('\n');
        for (const issue of result.issues) {
          expect(issue.line).toBeGreaterThanOrEqual(1);
          expect(issue.line).toBeLessThanOrEqual(lines.length);
          expect(issue.column).toBeGreaterThanOrEqual(1);
          expect(issue.column).toBeLessThanOrEqual((lines[issue.line - 1] ?? '').length + 1);
        }
      }),
      { seed: SEED, numRuns: 400 },
    );
  });
});
