import { describe, expect, it } from 'vitest';
import { validateDocuments, type DocumentText } from '../../../src/scenario/load.js';
import type { ScenarioIssue } from '../../../src/scenario/source.js';

/**
 * Broken suite and scenario files, one per row: each row gives the whole text of the broken
 * document and every issue the loader must report for it, as [code, line, column] (and the
 * path where it matters). Equality of the full, sorted list proves that every problem of a
 * file is reported at once, each at the exact position an editor would show.
 *
 * Texts are built from one string per line (`lines(...)`), so line N of a text is the Nth
 * argument; columns are 1-based like the loader's.
 */

const lines = (...rows: string[]): string => `${rows.join('\n')}\n`;

/** Never process.env: the placeholders in the texts must not depend on the machine. */
const ENV: Readonly<Record<string, string | undefined>> = { HOME: '/tmp' };

const doc = (file: string, text: string): DocumentText => ({ path: `/virtual/scenarios/${file}`, file, text });

/** A trimmed copy of scenarios/faultline.yaml (no `cwd`: the documents are virtual). */
const SUITE_LINES = [
  'version: 1',
  'name: agent-runtime',
  'seed: 20261125',
  'services:',
  '  upstream:',
  '    command: node dist/harness/upstream/main.js',
  '    env:',
  '      UPSTREAM_PORT: ${port:upstream}',
  '    ready: { http: "http://127.0.0.1:${port:upstream}/health", timeout: 15s }',
  '    stop: { signal: SIGTERM, grace: 5s }',
  'proxies:',
  '  upstream:',
  '    upstream: 127.0.0.1:${port:upstream}',
  'target:',
  '  command: node dist/harness/agent/main.js',
  '  runtime: node',
  '  env:',
  '    AGENT_PORT: ${port:agent}',
  '    UPSTREAM_URL: http://${proxy:upstream}',
  '    AGENT_WAL: ${tmp:agent-state}/agent.wal',
  '    AGENT_BUG: ${env:AGENT_BUG:-}',
  '  ready: { http: "http://127.0.0.1:${port:agent}/health", timeout: 20s }',
  '  health: { url: "http://127.0.0.1:${port:agent}/health", interval: 250ms, timeout: 1s }',
  '  metrics: { url: "http://127.0.0.1:${port:agent}/metrics", interval: 1s }',
  '  stop: { signal: SIGTERM, grace: 10s }',
  'load:',
  '  request:',
  '    method: POST',
  '    url: http://127.0.0.1:${port:agent}/v1/actions',
  '    headers: { content-type: application/json }',
  '    body: { type: fetch, target: /api/v1/metrics }',
  '  rate: 50/s',
  '  timeout: 2s',
  '  connections: 64',
  'slos:',
  '  availability:',
  '    kind: availability',
  '    objective: 99%',
  '    server:',
  '      total: http_requests_total{route="/v1/actions"}',
  '      errors: http_requests_total{route="/v1/actions",status_code=~"5.."}',
  '  latency:',
  '    kind: latency',
  '    objective: 99%',
  '    threshold: 250ms',
  '    server:',
  '      histogram: http_request_duration_seconds{route="/v1/actions"}',
  'alerts:',
  '  BudgetBurnFast:',
  '    slo: availability',
  '    burnRate: 14.4',
  '    long: 30s',
  '    short: 5s',
  '    severity: page',
  '  ClientBudgetBurnFast:',
  '    slo: availability',
  '    burnRate: 14.4',
  '    long: 30s',
  '    short: 5s',
  '    source: client',
  'evaluation:',
  '  interval: 1s',
  '  minEvents: 20',
];
const SUITE = lines(...SUITE_LINES);

/** The same suite with a target that is not a Node.js process. */
const SUITE_OTHER_RUNTIME = lines(...SUITE_LINES.map((line) => (line === '  runtime: node' ? '  runtime: other' : line)));

const SCENARIO = lines(
  'name: slow-upstream',
  'description: 500ms on the downstream for 30s',
  'tags: [network, latency]',
  'steady: 10s',
  'chaos: 30s',
  'recover: 30s',
  'faults:',
  '  - name: slow',
  '    at: 0s',
  '    duration: 30s',
  '    network: { proxy: upstream, toxic: latency, latency: 500ms, jitter: 100ms }',
  'expect:',
  '  steadyState: { window: 10s }',
  '  health:',
  '    - { from: UP, to: DOWN, within: 10s, after: slow.start }',
  '    - { from: DOWN, to: UP, within: 15s, after: slow.end }',
  '  alerts:',
  '    - { alert: BudgetBurnFast, fires: { within: 20s } }',
  '    - { alert: BudgetBurnFast, never: steady }',
  '  slo:',
  '    - { slo: availability, phase: steady }',
  '  recovery: { within: 20s, stable: 5s }',
  'abort:',
  '  - { when: healthDown, for: 55s }',
);

/** [code, line, column] or [code, line, column, path]. */
type Expected = [code: string, line: number, column: number] | [code: string, line: number, column: number, path: string];

interface Row {
  name: string;
  broken: 'suite' | 'scenario';
  /** The whole text of the broken document. */
  text: string;
  expected: Expected[];
  /** Hints of some issues, by index in `expected`. */
  hints?: Record<number, string | RegExp>;
  /** For scenario rows: the (valid) suite to validate against; null for no suite at all. */
  suite?: string | null;
  /** For scenario rows: valid scenario documents validated before the broken one. */
  before?: string[];
}

const rows: Row[] = [
  // ---------------------------------------------------------------- suite: YAML itself
  {
    name: 'suite: a key indented less than its siblings',
    broken: 'suite',
    text: lines(
      'target:', //
      '  command: node app.js',
      ' runtime: node',
    ),
    // The indentation is the problem: the caret is on its first column.
    expected: [['YAML_SYNTAX', 3, 1]],
  },
  {
    name: 'suite: two duplicate keys, both reported',
    broken: 'suite',
    text: lines(
      'target:', //
      '  command: node app.js',
      '  runtime: node',
      '  command: node other.js',
      'evaluation:',
      '  interval: 1s',
      'evaluation:',
      '  minEvents: 5',
    ),
    expected: [
      ['DUPLICATE_KEY', 4, 3],
      ['DUPLICATE_KEY', 7, 1],
    ],
  },
  {
    name: 'suite: an empty file',
    broken: 'suite',
    text: '',
    expected: [['EMPTY_FILE', 1, 1, '']],
  },
  {
    name: 'suite: a file of comments only',
    broken: 'suite',
    text: lines('# the suite', '# comes later'),
    expected: [['EMPTY_FILE', 1, 1, '']],
  },
  {
    name: 'suite: a list instead of a mapping',
    broken: 'suite',
    text: lines(
      '- target:', //
      '    command: node app.js',
    ),
    expected: [['WRONG_TYPE', 1, 1, '']],
  },

  // ---------------------------------------------------------------- suite: shape
  {
    name: 'suite: no target',
    broken: 'suite',
    text: lines(
      'name: agent-runtime', //
      'seed: 7',
    ),
    expected: [['MISSING_KEY', 1, 1, 'target']],
  },
  {
    name: 'suite: a target without a command, and a null load',
    broken: 'suite',
    text: lines(
      'target:', //
      '  runtime: node',
      'load: ~',
    ),
    expected: [
      ['MISSING_KEY', 1, 1, 'target.command'],
      ['WRONG_TYPE', 3, 7, 'load'],
    ],
  },
  {
    name: 'suite: strings for numbers and booleans, a list for a mapping',
    broken: 'suite',
    text: lines(
      'seed: "many"', //
      'allowRemote: yes',
      'target:',
      '  command: node app.js',
      '  health: [http://127.0.0.1:1/health]',
      'evaluation:',
      '  minEvents: twenty',
    ),
    expected: [
      ['WRONG_TYPE', 1, 7, 'seed'],
      ['WRONG_TYPE', 2, 14, 'allowRemote'],
      ['WRONG_TYPE', 5, 11, 'target.health'],
      ['WRONG_TYPE', 7, 14, 'evaluation.minEvents'],
    ],
  },
  {
    name: 'suite: unknown keys, with and without a likely typo',
    broken: 'suite',
    text: lines(
      'target:', //
      '  comand: node app.js',
      'slo:',
      '  availability: { kind: availability, objective: 99% }',
      'banana: 1',
    ),
    expected: [
      ['MISSING_KEY', 1, 1, 'target.command'],
      ['UNKNOWN_KEY', 2, 3, 'target.comand'],
      ['UNKNOWN_KEY', 3, 1, 'slo'],
      ['UNKNOWN_KEY', 5, 1, 'banana'],
    ],
    hints: { 1: 'did you mean "command"?', 2: 'did you mean "slos"?', 3: /^allowed here: version, name, description, .*, evaluation$/ },
  },
  {
    name: 'suite: a latency SLO without threshold, an alert without long window',
    broken: 'suite',
    text: lines(
      'target:', //
      '  command: node app.js',
      'load:',
      '  request: { url: "http://127.0.0.1:8080/" }',
      'slos:',
      '  fast:',
      '    kind: latency',
      '    objective: 99%',
      'alerts:',
      '  FastBurn:',
      '    slo: fast',
      '    burnRate: 14.4',
      '    short: 5s',
    ),
    expected: [
      ['MISSING_KEY', 6, 3, 'slos.fast.threshold'],
      ['MISSING_KEY', 10, 3, 'alerts.FastBurn.long'],
    ],
  },
  {
    name: 'suite: a rate without unit, a duration without unit, 120%, "10 sec"',
    broken: 'suite',
    text: lines(
      'target:', //
      '  command: node app.js',
      'load:',
      '  request: { url: "http://127.0.0.1:8080/" }',
      '  rate: "50"',
      '  timeout: 2',
      'slos:',
      '  fast:',
      '    kind: latency',
      '    objective: 120%',
      '    threshold: 10 sec',
    ),
    expected: [
      ['BAD_RATE', 5, 9, 'load.rate'],
      ['BAD_DURATION', 6, 12, 'load.timeout'],
      ['BAD_PERCENT', 10, 16, 'slos.fast.objective'],
      ['BAD_DURATION', 11, 16, 'slos.fast.threshold'],
    ],
    hints: { 1: 'durations carry a unit: write "2ms" or "2s"' },
  },
  {
    name: 'suite: zero and negative durations where a positive one is required',
    broken: 'suite',
    text: lines(
      'target:', //
      '  command: node app.js',
      '  health: { url: "http://127.0.0.1:8080/health", interval: 0s, timeout: -1s }',
      'evaluation:',
      '  interval: 0ms',
    ),
    expected: [
      ['ZERO_DURATION', 3, 60, 'target.health.interval'],
      ['NEGATIVE_DURATION', 3, 73, 'target.health.timeout'],
      ['ZERO_DURATION', 5, 13, 'evaluation.interval'],
    ],
  },
  {
    name: 'suite: bad enum values (runtime, signal, method, SLO kind)',
    broken: 'suite',
    text: lines(
      'target:', //
      '  command: node app.js',
      '  runtime: python',
      '  stop: { signal: SIGTERN }',
      'load:',
      '  request: { method: FETCH, url: "http://127.0.0.1:8080/" }',
      'slos:',
      '  avail:',
      '    kind: availabilty',
      '    objective: 99%',
    ),
    expected: [
      ['BAD_VALUE', 3, 12, 'target.runtime'],
      ['BAD_VALUE', 4, 19, 'target.stop.signal'],
      ['BAD_VALUE', 6, 22, 'load.request.method'],
      ['BAD_VALUE', 9, 11, 'slos.avail.kind'],
    ],
    hints: { 1: 'did you mean "SIGTERM"?', 3: 'did you mean "availability"?' },
  },
  {
    name: 'suite: a version other than 1, an empty command, a ready with two kinds',
    broken: 'suite',
    text: lines(
      'version: 2', //
      'services:',
      '  db:',
      '    command: []',
      '    ready: { http: "http://127.0.0.1:5432/", tcp: "127.0.0.1:5432" }',
      'target:',
      '  command: node app.js',
    ),
    expected: [
      ['BAD_VERSION', 1, 10, 'version'],
      ['BAD_COMMAND', 4, 14, 'services.db.command'],
      ['READY_KIND', 5, 12, 'services.db.ready'],
    ],
  },
  {
    name: 'suite: restart policies that are not a policy (a misspelt word, true, a list, null)',
    broken: 'suite',
    text: lines(
      'services:', //
      '  db:',
      '    command: node db.js',
      '    restart: onfailure',
      '  cache:',
      '    command: node cache.js',
      '    restart: true',
      '  queue:',
      '    command: node queue.js',
      '    restart: [always]',
      'target:',
      '  command: node app.js',
      '  restart:',
    ),
    expected: [
      ['BAD_VALUE', 4, 14, 'services.db.restart'],
      ['WRONG_TYPE', 7, 14, 'services.cache.restart'],
      ['WRONG_TYPE', 10, 14, 'services.queue.restart'],
      // `restart:` with nothing after it is null: the caret is where the value would be.
      ['WRONG_TYPE', 13, 11, 'target.restart'],
    ],
    hints: { 0: 'did you mean "on-failure"?', 1: 'write "on-failure" (after a crash) or "always"' },
  },
  {
    name: 'suite: restart mappings (no when, a misspelt when, a duration without unit, a limit of 0, 2.5, an unknown key)',
    broken: 'suite',
    text: lines(
      'services:', //
      '  db:',
      '    command: node db.js',
      '    restart: { delay: 2s }',
      '  cache:',
      '    command: node cache.js',
      '    restart: { when: alway, delay: 2, limit: 0, dealy: 1s }',
      'target:',
      '  command: node app.js',
      '  restart:',
      '    when: on-failure',
      '    delay: -1s',
      '    limit: 2.5',
    ),
    expected: [
      ['MISSING_KEY', 4, 5, 'services.db.restart.when'],
      ['BAD_VALUE', 7, 22, 'services.cache.restart.when'],
      ['BAD_DURATION', 7, 36, 'services.cache.restart.delay'],
      ['OUT_OF_RANGE', 7, 46, 'services.cache.restart.limit'],
      ['UNKNOWN_KEY', 7, 49, 'services.cache.restart.dealy'],
      ['NEGATIVE_DURATION', 12, 12, 'target.restart.delay'],
      ['NOT_INTEGER', 13, 12, 'target.restart.limit'],
    ],
    hints: { 1: 'did you mean "always"?', 2: 'durations carry a unit: write "2ms" or "2s"', 4: 'did you mean "delay"?' },
  },
  {
    name: 'suite: bad selectors in slos.*.server',
    broken: 'suite',
    text: lines(
      'target:', //
      '  command: node app.js',
      '  metrics: { url: "http://127.0.0.1:9464/metrics" }',
      'load:',
      '  request: { url: "http://127.0.0.1:8080/" }',
      'slos:',
      '  avail:',
      '    kind: availability',
      '    objective: 99%',
      '    server:',
      '      total: http_requests_total{route="/v1"',
      '      errors: http_requests_total{status_code=~"5[0-9"}',
      '  fast:',
      '    kind: latency',
      '    objective: 99%',
      '    threshold: 250ms',
      '    server:',
      '      histogram: \'{route="/v1"}\'',
    ),
    expected: [
      ['BAD_SELECTOR', 11, 14, 'slos.avail.server.total'],
      ['BAD_SELECTOR', 12, 15, 'slos.avail.server.errors'],
      ['BAD_SELECTOR', 18, 18, 'slos.fast.server.histogram'],
    ],
  },

  // ---------------------------------------------------------------- suite: across fields
  {
    name: 'suite: an alert on an unknown SLO, an alert whose short window is not shorter',
    broken: 'suite',
    text: lines(
      'target:', //
      '  command: node app.js',
      'load:',
      '  request: { url: "http://127.0.0.1:8080/" }',
      'slos:',
      '  availability: { kind: availability, objective: 99% }',
      'alerts:',
      '  Burn:',
      '    slo: availabilty',
      '    burnRate: 14.4',
      '    long: 30s',
      '    short: 5s',
      '  Slow:',
      '    slo: availability',
      '    burnRate: 6',
      '    long: 30s',
      '    short: 30s',
    ),
    expected: [
      ['UNKNOWN_SLO', 9, 10, 'alerts.Burn.slo'],
      ['ALERT_WINDOWS', 17, 12, 'alerts.Slow.short'],
    ],
    hints: { 0: 'did you mean "availability"?' },
  },
  {
    name: 'suite: placeholders (not allowed here, unclosed, unknown proxy, unknown kind, unset env)',
    broken: 'suite',
    text: lines(
      'toxiproxy:', //
      '  url: http://127.0.0.1:${port:toxiproxy}',
      'target:',
      '  command: node app.js --port ${port:agent',
      '  env:',
      '    UPSTREAM: http://${proxy:nowhere}',
      '    MODE: ${nope:x}',
      '    TOKEN: ${env:TOKEN}',
    ),
    expected: [
      ['PLACEHOLDER_NOT_ALLOWED', 2, 25, 'toxiproxy.url'],
      ['BAD_PLACEHOLDER', 4, 31, 'target.command'],
      ['UNKNOWN_PROXY', 6, 22, 'target.env.UPSTREAM'],
      ['BAD_PLACEHOLDER', 7, 11, 'target.env.MODE'],
      ['ENV_UNSET', 8, 12, 'target.env.TOKEN'],
    ],
    hints: { 4: 'export TOKEN, or give a default: ${env:TOKEN:-value}' },
  },
  {
    name: 'suite: a remote health URL, a metrics "URL" without scheme, a proxy without port, a remote load URL',
    broken: 'suite',
    text: lines(
      'target:', //
      '  command: node app.js',
      '  health: { url: "http://10.0.0.5:8080/health" }',
      '  metrics: { url: "127.0.0.1:9464/metrics" }',
      'proxies:',
      '  db:',
      '    upstream: 127.0.0.1',
      'load:',
      '  request: { url: "http://example.com/" }',
    ),
    expected: [
      ['NON_LOOPBACK', 3, 18, 'target.health.url'],
      ['BAD_URL', 4, 19, 'target.metrics.url'],
      ['BAD_ADDRESS', 7, 15, 'proxies.db.upstream'],
      ['NON_LOOPBACK', 9, 19, 'load.request.url'],
    ],
  },
  {
    name: 'suite: a bad ready regex, SLIs without metrics, load or any measurement',
    broken: 'suite',
    text: lines(
      'target:', //
      '  command: node app.js',
      '  ready: { log: "listening on ([" }',
      'slos:',
      '  avail:',
      '    kind: availability',
      '    objective: 99%',
      '    server:',
      '      total: http_requests_total',
      '      errors: http_errors_total',
      '  blind:',
      '    kind: availability',
      '    objective: 99%',
      '    client: false',
    ),
    expected: [
      ['BAD_REGEX', 3, 17, 'target.ready.log'],
      ['NO_METRICS', 9, 7, 'slos.avail.server'],
      ['NO_SLI', 11, 3, 'slos.blind'],
    ],
  },
  {
    name: 'suite: alerts reading an SLI their SLO does not have',
    broken: 'suite',
    text: lines(
      'target:', //
      '  command: node app.js',
      '  metrics: { url: "http://127.0.0.1:9464/metrics" }',
      'load:',
      '  request: { url: "http://127.0.0.1:8080/" }',
      'slos:',
      '  serverOnly: { kind: availability, objective: 99%, client: false, server: { total: a_total, errors: b_total } }',
      '  clientOnly: { kind: availability, objective: 99% }',
      'alerts:',
      '  A:',
      '    slo: serverOnly',
      '    burnRate: 2',
      '    long: 30s',
      '    short: 5s',
      '    source: client',
      '  B: { slo: clientOnly, burnRate: 2, long: 30s, short: 5s, source: server }',
    ),
    expected: [
      ['NO_CLIENT_SLI', 15, 13, 'alerts.A.source'],
      ['NO_SERVER_SLI', 16, 68, 'alerts.B.source'],
    ],
  },

  // ---------------------------------------------------------------- scenario: YAML itself
  {
    name: 'scenario: a key indented less than its siblings in a list item',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'faults:',
      '  - name: slow',
      '   duration: 30s',
    ),
    expected: [['YAML_SYNTAX', 4, 1]],
  },
  {
    name: 'scenario: a tab as indentation',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'faults:',
      '\t- name: burn',
    ),
    expected: [['YAML_SYNTAX', 3, 1]],
  },
  {
    name: 'scenario: two YAML documents in one file',
    broken: 'scenario',
    text: lines(
      'name: first', //
      '---',
      'name: second',
    ),
    expected: [['YAML_SYNTAX', 2, 1]],
  },
  {
    name: 'scenario: duplicate keys in a block mapping and in a flow mapping',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'faults:',
      '  - name: slow',
      '    duration: 30s',
      '    duration: 40s',
      '    network: { proxy: upstream, toxic: latency, latency: 500ms, latency: 1s }',
    ),
    expected: [
      ['DUPLICATE_KEY', 5, 5],
      ['DUPLICATE_KEY', 6, 65],
    ],
  },
  {
    name: 'scenario: an empty file',
    broken: 'scenario',
    text: '\n\n',
    expected: [['EMPTY_FILE', 1, 1, '']],
  },
  {
    name: 'scenario: a list instead of a mapping',
    broken: 'scenario',
    text: lines(
      '- name: s', //
      '  steady: 10s',
    ),
    expected: [['WRONG_TYPE', 1, 1, '']],
  },
  {
    name: 'scenario: a plain string instead of a mapping',
    broken: 'scenario',
    text: lines('just a sentence'),
    expected: [['WRONG_TYPE', 1, 1, '']],
  },

  // ---------------------------------------------------------------- scenario: shape
  {
    name: 'scenario: no name, a duration without unit, a string for a list, a mapping for a list, a null expect',
    broken: 'scenario',
    text: lines(
      'steady: 10', //
      'tags: network',
      'faults:',
      '  network: {}',
      'expect: ~',
    ),
    expected: [
      ['MISSING_KEY', 1, 1, 'name'],
      ['BAD_DURATION', 1, 9, 'steady'],
      ['WRONG_TYPE', 2, 7, 'tags'],
      ['WRONG_TYPE', 4, 3, 'faults'],
      ['WRONG_TYPE', 5, 9, 'expect'],
    ],
    hints: { 1: 'durations carry a unit: write "10ms" or "10s"' },
  },
  {
    // A string holding only a number is accepted (so numbers can come from ${env:...}).
    name: 'scenario: a word for a number, a list for a mapping',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'seed: forty-two',
      'load:',
      '  - rate: 50/s',
      'faults:',
      '  - name: burn',
      '    duration: 10s',
      '    cpu: { workers: four, load: 80% }',
    ),
    expected: [
      ['WRONG_TYPE', 2, 7, 'seed'],
      ['WRONG_TYPE', 4, 3, 'load'],
      ['WRONG_TYPE', 8, 21, 'faults[0].cpu.workers'],
    ],
  },
  {
    // `N/core` takes a whole N ≥ 1 and the word "core"; a plain count keeps its own rules.
    name: 'scenario: cpu workers per core that are not a whole count per "core"',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'faults:',
      '  - name: zero',
      '    duration: 10s',
      '    cpu: { workers: 0/core }',
      '  - name: fraction',
      '    duration: 10s',
      '    cpu: { workers: 1.5/core }',
      '  - name: plural',
      '    duration: 10s',
      '    cpu: { workers: 4/cores }',
      '  - name: word',
      '    duration: 10s',
      '    cpu: { workers: x/core }',
      '  - name: negative-per-core',
      '    duration: 10s',
      '    cpu: { workers: -2/core }',
      '  - name: negative',
      '    duration: 10s',
      '    cpu: { workers: -3 }',
      '  - name: per-cpu',
      '    duration: 10s',
      '    cpu: { load: 50%, workers: "2/CPU" }',
    ),
    expected: [
      ['OUT_OF_RANGE', 5, 21, 'faults[0].cpu.workers'],
      ['NOT_INTEGER', 8, 21, 'faults[1].cpu.workers'],
      ['BAD_PER_CORE', 11, 21, 'faults[2].cpu.workers'],
      ['BAD_PER_CORE', 14, 21, 'faults[3].cpu.workers'],
      ['OUT_OF_RANGE', 17, 21, 'faults[4].cpu.workers'],
      ['OUT_OF_RANGE', 20, 21, 'faults[5].cpu.workers'],
      ['BAD_PER_CORE', 23, 32, 'faults[6].cpu.workers'],
    ],
    hints: { 1: 'round it: "1/core" or "2/core"', 2: 'write "4/core"', 6: 'write "2/core"' },
  },
  {
    name: 'scenario: unknown keys with did-you-mean hints',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'stedy: 10s',
      'faults:',
      '  - name: slow',
      '    duration: 30s',
      '    network: { proxy: upstream, toxic: latency, latency: 500ms, jiter: 50ms }',
      'expect:',
      '  recovery: { within: 20s, stabel: 5s }',
    ),
    expected: [
      ['UNKNOWN_KEY', 2, 1, 'stedy'],
      ['UNKNOWN_KEY', 6, 65, 'faults[0].network.jiter'],
      ['UNKNOWN_KEY', 8, 28, 'expect.recovery.stabel'],
    ],
    hints: { 0: 'did you mean "steady"?', 1: 'did you mean "jitter"?', 2: 'did you mean "stable"?' },
  },
  {
    name: 'scenario: a fault with no kind and a fault with two',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'faults:',
      '  - name: idle',
      '    duration: 10s',
      '  - name: both',
      '    duration: 10s',
      '    cpu: { workers: 2 }',
      '    heap: { rate: 16MB/s, max: 256MB }',
    ),
    expected: [
      ['FAULT_KIND', 3, 5, 'faults[0]'],
      ['FAULT_KIND', 5, 5, 'faults[1]'],
    ],
    hints: { 1: 'split it into two faults with their own names' },
  },
  {
    name: 'scenario: a latency toxic without latency',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'faults:',
      '  - name: slow',
      '    duration: 30s',
      '    network: { proxy: upstream, toxic: latency }',
    ),
    expected: [['MISSING_KEY', 5, 5, 'faults[0].network.latency']],
  },
  {
    name: 'scenario: a network and a cpu fault without duration',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'faults:',
      '  - name: cut',
      '    network: { proxy: upstream, toxic: down }',
      '  - name: burn',
      '    at: 5s',
      '    cpu: { workers: 1 }',
    ),
    expected: [
      ['MISSING_KEY', 3, 5],
      ['MISSING_KEY', 5, 5],
    ],
  },
  {
    name: 'scenario: bad enum values (toxic, stream, action, error kind, phase)',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'faults:',
      '  - name: slow',
      '    duration: 30s',
      '    network: { proxy: upstream, toxic: latncy, latency: 500ms }',
      '  - name: slow-down',
      '    duration: 30s',
      '    network: { proxy: upstream, toxic: latency, stream: sideways, latency: 1s }',
      '  - name: hup',
      '    process: { action: restart }',
      'expect:',
      '  errors:',
      '    - { kind: timeouts, phase: during }',
    ),
    expected: [
      ['BAD_VALUE', 5, 40, 'faults[0].network.toxic'],
      ['BAD_VALUE', 8, 57, 'faults[1].network.stream'],
      ['BAD_VALUE', 10, 24, 'faults[2].process.action'],
      ['BAD_VALUE', 13, 15, 'expect.errors[0].kind'],
      ['BAD_PHASE', 13, 32, 'expect.errors[0].phase'],
    ],
    hints: { 0: 'did you mean "latency"?', 3: 'did you mean "timeout"?' },
  },
  {
    name: 'scenario: bad units (rate, "10 sec", bare number, 120%, size rate, lower-case size)',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'load:',
      '  rate: "50"',
      'faults:',
      '  - name: slow',
      '    at: 10 sec',
      '    duration: 30',
      '    network: { proxy: upstream, toxic: latency, latency: 500ms, toxicity: 120% }',
      '  - name: grow',
      '    duration: 20s',
      '    heap: { rate: "50", max: 64mb }',
    ),
    expected: [
      ['BAD_RATE', 3, 9, 'load.rate'],
      ['BAD_DURATION', 6, 9, 'faults[0].at'],
      ['BAD_DURATION', 7, 15, 'faults[0].duration'],
      ['BAD_PERCENT', 8, 75, 'faults[0].network.toxicity'],
      ['BAD_SIZE_RATE', 11, 19, 'faults[1].heap.rate'],
      ['BAD_SIZE', 11, 30, 'faults[1].heap.max'],
    ],
  },
  {
    name: 'scenario: negative durations, and a zero recovery window',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'steady: -10s',
      'faults:',
      '  - name: slow',
      '    at: -5s',
      '    duration: 30s',
      '    network: { proxy: upstream, toxic: latency, latency: 500ms }',
      'expect:',
      '  recovery: { within: 0s }',
    ),
    expected: [
      ['NEGATIVE_DURATION', 2, 9, 'steady'],
      ['NEGATIVE_DURATION', 5, 9, 'faults[0].at'],
      ['ZERO_DURATION', 9, 23, 'expect.recovery.within'],
    ],
  },
  {
    name: 'scenario: a network fault lasting 0s',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'faults:',
      '  - name: slow',
      '    duration: 0s',
      '    network: { proxy: upstream, toxic: latency, latency: 500ms }',
    ),
    expected: [['ZERO_DURATION', 4, 15, 'faults[0].duration']],
  },
  {
    name: 'scenario: bad names (scenario, tag, fault)',
    broken: 'scenario',
    text: lines(
      'name: my scenario', //
      'tags: [network, "two words"]',
      'faults:',
      '  - name: 1st-fault',
      '    duration: 10s',
      '    cpu: {}',
    ),
    expected: [
      ['BAD_NAME', 1, 7, 'name'],
      ['BAD_NAME', 2, 17, 'tags[1]'],
      ['BAD_NAME', 4, 11, 'faults[0].name'],
    ],
  },
  {
    name: 'scenario: expectation shapes (bad event, alert with nothing to check, never with fires, max with ratio)',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'expect:',
      '  health:',
      '    - { from: UP, to: DOWN, within: 10s, after: chaos.begin }',
      '  alerts:',
      '    - { alert: BudgetBurnFast }',
      '    - { alert: BudgetBurnFast, fires: { within: 10s }, never: steady }',
      '  errors:',
      '    - { kind: any, max: 1, ratio: 1% }',
    ),
    expected: [
      ['BAD_EVENT', 4, 49, 'expect.health[0].after'],
      ['ALERT_EXPECTATION', 6, 7, 'expect.alerts[0]'],
      ['ALERT_EXPECTATION', 7, 7, 'expect.alerts[1]'],
      ['ERRORS_LIMIT', 9, 7, 'expect.errors[0]'],
    ],
  },
  {
    name: 'scenario: abort conditions (unknown kind, duration without unit)',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'abort:',
      '  - { when: errorRate, above: 5% }',
      '  - { when: latency, above: 500 }',
    ),
    expected: [
      ['BAD_VALUE', 3, 13, 'abort[0].when'],
      ['BAD_DURATION', 4, 29, 'abort[1].above'],
    ],
    hints: { 0: 'did you mean "errorRatio"?' },
  },

  // ---------------------------------------------------------------- scenario: references
  {
    name: 'scenario: dangling references (proxy, service, event, alert, SLO)',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'faults:',
      '  - name: slow',
      '    duration: 20s',
      '    network: { proxy: upstrem, toxic: latency, latency: 500ms }',
      '  - name: stop-db',
      '    at: 25s',
      '    process: { action: kill, service: database }',
      'expect:',
      '  health:',
      '    - { from: UP, to: DOWN, within: 10s, after: slow-upstream.start }',
      '  alerts:',
      '    - { alert: BudgetBurnFsat, fires: { within: 20s } }',
      '  slo:',
      '    - { slo: availabilty }',
    ),
    expected: [
      ['UNKNOWN_PROXY', 5, 23, 'faults[0].network.proxy'],
      ['UNKNOWN_SERVICE', 8, 39, 'faults[1].process.service'],
      ['UNKNOWN_EVENT', 11, 49, 'expect.health[0].after'],
      ['UNKNOWN_ALERT', 13, 16, 'expect.alerts[0].alert'],
      ['UNKNOWN_SLO', 15, 14, 'expect.slo[0].slo'],
    ],
    hints: {
      0: 'did you mean "upstream"?',
      1: 'known services: upstream',
      2: /^known events: steady\.start, steady\.end, chaos\.start, .*slow\.start, slow\.end, stop-db\.start, stop-db\.end$/,
      3: 'did you mean "BudgetBurnFast"?',
      4: 'did you mean "availability"?',
    },
  },
  {
    name: 'scenario: an unknown port in the load URL, an unknown proxy in a header',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'load:',
      '  request:',
      '    url: http://127.0.0.1:${port:db}/v1/actions',
      '    headers: { x-upstream: "${proxy:upstreams}" }',
    ),
    expected: [
      ['UNKNOWN_PORT', 4, 27, 'load.request.url'],
      ['UNKNOWN_PROXY', 5, 29, 'load.request.headers.x-upstream'],
    ],
    hints: { 0: 'known ports: agent, upstream', 1: 'did you mean "upstream"?' },
  },
  {
    name: 'scenario: a fault named after a phase, two faults with one name',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'faults:',
      '  - name: steady',
      '    duration: 5s',
      '    cpu: {}',
      '  - name: burn',
      '    at: 10s',
      '    duration: 5s',
      '    cpu: {}',
      '  - name: burn',
      '    at: 20s',
      '    duration: 5s',
      '    cpu: {}',
    ),
    expected: [
      ['RESERVED_NAME', 3, 11, 'faults[0].name'],
      ['DUPLICATE_NAME', 10, 11, 'faults[2].name'],
    ],
  },
  {
    name: 'scenario: overlapping faults (same latency toxic on one proxy; kill and pause at once)',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'faults:',
      '  - name: slow-a',
      '    at: 0s',
      '    duration: 20s',
      '    network: { proxy: upstream, toxic: latency, latency: 100ms }',
      '  - name: slow-b',
      '    at: 10s',
      '    duration: 20s',
      '    network: { proxy: upstream, toxic: latency, latency: 300ms }',
      '  - name: kill',
      '    at: 5s',
      '    process: { action: kill }',
      '  - name: pause',
      '    at: 5s',
      '    duration: 3s',
      '    process: { action: pause }',
    ),
    expected: [
      ['FAULT_OVERLAP', 8, 9, 'faults[1].at'],
      ['FAULT_OVERLAP', 15, 9, 'faults[3].at'],
    ],
    hints: { 0: 'start "slow-b" at or after 20s, or merge them' },
  },
  {
    name: 'scenario: faults past the end of an explicit chaos, a window past the end of the scenario',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'steady: 10s',
      'chaos: 20s',
      'recover: 30s',
      'faults:',
      '  - name: slow',
      '    at: 5s',
      '    duration: 30s',
      '    network: { proxy: upstream, toxic: latency, latency: 500ms }',
      '  - name: kill',
      '    at: 25s',
      '    process: { action: kill }',
      'expect:',
      '  health:',
      '    - { from: DOWN, to: UP, within: 45s, after: chaos.end }',
    ),
    expected: [
      ['FAULT_PAST_END', 8, 15, 'faults[0].duration'],
      ['FAULT_PAST_END', 11, 9, 'faults[1].at'],
      ['WITHIN_PAST_END', 15, 37, 'expect.health[0].within'],
    ],
  },
  {
    name: 'scenario: a steady-state window longer than steady, a recovery that does not fit in recover',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'steady: 5s',
      'recover: 20s',
      'faults:',
      '  - name: slow',
      '    duration: 10s',
      '    network: { proxy: upstream, toxic: latency, latency: 500ms }',
      'expect:',
      '  steadyState: { window: 10s }',
      '  recovery: { within: 20s, stable: 5s }',
    ),
    expected: [
      ['WINDOW_TOO_LONG', 9, 26, 'expect.steadyState.window'],
      ['RECOVERY_PAST_END', 10, 23, 'expect.recovery.within'],
    ],
  },
  {
    name: 'scenario: a heap fault and an in-process cpu fault on a target that is not node',
    broken: 'scenario',
    suite: SUITE_OTHER_RUNTIME,
    text: lines(
      'name: s', //
      'faults:',
      '  - name: grow',
      '    duration: 10s',
      '    heap: { rate: 16MB/s, max: 256MB }',
      '  - name: burn',
      '    duration: 10s',
      '    cpu: { mode: in-process }',
    ),
    expected: [
      ['NOT_NODE_TARGET', 5, 5, 'faults[0].heap'],
      ['NOT_NODE_TARGET', 8, 18, 'faults[1].cpu.mode'],
    ],
  },
  {
    name: 'scenario: a process fault that never restarts but has a duration',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'faults:',
      '  - name: kill',
      '    duration: 10s',
      '    process: { action: kill, restart: false }',
    ),
    expected: [['NO_RESTART_DURATION', 4, 15, 'faults[0].duration']],
  },
  {
    name: 'scenario: a transition to the same state, expectations on empty phases',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'steady: 0s',
      'expect:',
      '  steadyState: { health: true }',
      '  health:',
      '    - { from: UP, to: UP, within: 10s, after: recover.start }',
      '  slo:',
      '    - { slo: availability, phase: chaos }',
    ),
    expected: [
      ['EMPTY_PHASE', 4, 3, 'expect.steadyState'],
      ['SAME_STATE', 6, 23, 'expect.health[0].to'],
      ['EMPTY_PHASE', 8, 35, 'expect.slo[0].phase'],
    ],
  },

  // ---------------------------------------------------------------- scenario: placeholders, addresses
  {
    name: 'scenario: placeholders (not allowed in a description, unknown kind, unclosed)',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'description: runs against ${port:agent}',
      'load:',
      '  request:',
      '    url: http://127.0.0.1:${nope:agent}/',
      '    headers: { x-agent: "${port:agent" }',
    ),
    expected: [
      ['PLACEHOLDER_NOT_ALLOWED', 2, 27, 'description'],
      ['BAD_PLACEHOLDER', 5, 27, 'load.request.url'],
      ['BAD_PLACEHOLDER', 6, 26, 'load.request.headers.x-agent'],
    ],
  },
  {
    name: 'scenario: an unset environment variable without default (one with a default is fine)',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'description: owned by ${env:OWNER}',
      'recover: ${env:RECOVER:-45s}',
    ),
    expected: [['ENV_UNSET', 2, 23, 'description']],
    hints: { 0: 'export OWNER, or give a default: ${env:OWNER:-value}' },
  },
  {
    name: 'scenario: a durability URL on another machine',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'expect:',
      '  durability:',
      '    url: http://192.168.1.20:8080/v1/state/',
    ),
    expected: [['NON_LOOPBACK', 4, 10, 'expect.durability.url']],
  },

  // ---------------------------------------------------------------- scenario: across files
  {
    name: 'scenario: a second scenario with the same name',
    broken: 'scenario',
    before: [SCENARIO],
    text: lines(
      '# copied from s.yaml and not renamed', //
      'name: slow-upstream',
      'steady: 5s',
    ),
    expected: [['DUPLICATE_SCENARIO', 2, 7, 'name']],
  },
  {
    name: 'scenario: no suite',
    broken: 'scenario',
    suite: null,
    text: SCENARIO,
    expected: [['NO_SUITE', 1, 1, '']],
  },
  {
    name: 'scenario: no suite, and a duration without unit (schema issues are still reported)',
    broken: 'scenario',
    suite: null,
    text: lines(
      'name: s', //
      'steady: 10',
    ),
    expected: [
      ['NO_SUITE', 1, 1, ''],
      ['BAD_DURATION', 2, 9, 'steady'],
    ],
  },
  {
    name: 'scenario: zero-length phases under checks that need them (steady-state after, never)',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'steady: 10s',
      'recover: 0s',
      'expect:',
      '  steadyState: { window: 5s }',
      '  alerts:',
      '    - { alert: BudgetBurnFast, never: [chaos, steady] }',
    ),
    expected: [
      ['EMPTY_PHASE', 5, 3, 'expect.steadyState'],
      ['WINDOW_TOO_LONG', 5, 26, 'expect.steadyState.window'],
      ['EMPTY_PHASE', 7, 39, 'expect.alerts[0].never'],
    ],
  },
  {
    name: 'scenario: a steady-state window longer than both phases is one issue naming both',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'steady: 5s',
      'recover: 5s',
      'expect:',
      '  steadyState: { window: 8s }',
    ),
    expected: [['WINDOW_TOO_LONG', 5, 26, 'expect.steadyState.window']],
    hints: { 0: 'shorten the window or lengthen `steady` and `recover`' },
  },
  {
    name: 'scenario: restart on a pause fault, a slicer with average_size 0',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'faults:',
      '  - name: freeze',
      '    duration: 5s',
      '    process: { action: pause, restart: true }',
      '  - name: slice',
      '    duration: 5s',
      '    network: { proxy: upstream, toxic: slicer, average_size: 0 }',
    ),
    expected: [
      ['PAUSE_RESTART', 5, 31, 'faults[0].process.restart'],
      ['OUT_OF_RANGE', 8, 62, 'faults[1].network.average_size'],
    ],
  },
  {
    name: 'scenario: error limits and client aborts without any load',
    broken: 'scenario',
    suite: lines('target:', '  command: node app.js', '  health: { url: "http://127.0.0.1:${port:app}/health" }'),
    text: lines(
      'name: s', //
      'expect:',
      '  errors:',
      '    - { kind: unanswered }',
      'abort:',
      '  - { when: errorRatio, above: 50% }',
    ),
    expected: [
      ['NO_LOAD', 4, 7, 'expect.errors[0]'],
      ['NO_LOAD', 6, 13, 'abort[0].when'],
    ],
  },
  {
    name: 'scenario: durations with units out of order or repeated',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'steady: 30s1m',
      'recover: 1s1s',
    ),
    expected: [
      ['BAD_DURATION', 2, 9, 'steady'],
      ['BAD_DURATION', 3, 10, 'recover'],
    ],
  },
  {
    name: 'suite: status on a tcp readiness check; a port name used once next to a near one',
    broken: 'suite',
    text: lines(
      'target:', //
      '  command: node app.js',
      '  env: { PORT: "${port:agent}" }',
      '  ready: { tcp: "127.0.0.1:${port:agnet}", status: 200 }',
      '  health: { url: "http://127.0.0.1:${port:agent}/health" }',
    ),
    expected: [
      ['PORT_TYPO', 4, 28, 'target.ready.tcp'],
      ['READY_STATUS', 4, 44, 'target.ready.status'],
    ],
    hints: { 0: 'did you mean ${port:agent}?' },
  },
];

/**
 * Regressions: inputs the loader once reported at the wrong place or with the wrong code,
 * found while writing this table and fixed. The comments say what went wrong.
 */
const knownBugs: Row[] = [
  {
    // source.ts reports the parser's offset, which for an unclosed quote is the end of the
    // file: line 4 of a 3-line file. The quote that is never closed is at 2:12.
    name: 'regression: an unclosed double quote is reported past the end of the file, not at the quote',
    broken: 'suite',
    text: lines(
      'target:', //
      '  command: "node app.js',
      '  runtime: node',
    ),
    expected: [['YAML_SYNTAX', 2, 12]],
  },
  {
    name: 'regression: an unclosed single quote is reported past the end of the file, not at the quote',
    broken: 'scenario',
    text: lines(
      "name: 's", //
      'steady: 10s',
    ),
    expected: [['YAML_SYNTAX', 1, 7]],
  },
  {
    // Reported at 4:1 (the next key), "Flow map ... must be sufficiently indented and end
    // with a }": the `{` that is never closed is at 3:11.
    name: 'regression: an unclosed flow mapping is reported on the next line, not at its "{"',
    broken: 'suite',
    text: lines(
      'target:', //
      '  command: node app.js',
      '  health: { url: "http://127.0.0.1:1/health", interval: 1s',
      'evaluation:',
      '  interval: 1s',
    ),
    expected: [['YAML_SYNTAX', 3, 11]],
  },
  {
    // zod-issues.ts maps every record `invalid_key` to BAD_NAME with the hint of names, which
    // even says "-" is allowed; the env schema's own BAD_ENV_NAME is dropped.
    name: 'regression: bad environment variable names are reported as BAD_NAME, not BAD_ENV_NAME',
    broken: 'suite',
    text: lines(
      'target:', //
      '  command: node app.js',
      '  env:',
      '    1BAD: x',
      '    GOOD-NAME: y',
    ),
    expected: [
      ['BAD_ENV_NAME', 4, 5, 'target.env.1BAD'],
      ['BAD_ENV_NAME', 5, 5, 'target.env.GOOD-NAME'],
    ],
  },
  {
    // check-scenario.ts checks the address of expect.durability.url only: a scenario's load
    // URL is never checked (the same URL in the suite gives NON_LOOPBACK).
    name: 'regression: a remote load URL in a scenario is not reported',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'load:',
      '  request: { url: "http://example.com/" }',
    ),
    expected: [['NON_LOOPBACK', 3, 19, 'load.request.url']],
  },
  {
    // resolveLoad() returns null when neither the scenario nor the suite has a request, so the
    // MISSING_KEY check in check-scenario.ts (request.url === '') never fires.
    name: 'regression: a scenario load without request is not reported when the suite has no load',
    broken: 'scenario',
    suite: lines('target:', '  command: node app.js'),
    text: lines(
      'name: s', //
      'load:',
      '  rate: 5/s',
    ),
    expected: [['MISSING_KEY', 2, 1, 'load.request']],
  },
  {
    // discriminatorError() takes a non-mapping input for the discriminator's value: "toxic must
    // be one of ..., got "latency"" with the hint 'did you mean "latency"?'.
    name: 'regression: a string for a network mapping says the toxic "latency" is not a toxic',
    broken: 'scenario',
    text: lines(
      'name: s', //
      'faults:',
      '  - name: slow',
      '    duration: 5s',
      '    network: latency',
    ),
    expected: [['WRONG_TYPE', 5, 14, 'faults[0].network']],
  },
  {
    // SourceFile.locate() looks up the string "8080" among keys that are the number 8080 and
    // falls back to the enclosing mapping: the caret lands on the key, not on `[]`.
    name: 'regression: issues under a numeric key point at the key, not at the value',
    broken: 'suite',
    text: lines(
      'target:', //
      '  command: node app.js',
      'load:',
      '  request: { url: "http://127.0.0.1:1/", headers: { 8080: 5 } }',
    ),
    expected: [['WRONG_TYPE', 4, 59, 'load.request.headers.8080']],
  },
];

function validate(row: Row) {
  const suiteText = row.broken === 'suite' ? row.text : row.suite === undefined ? SUITE : row.suite;
  const suite = suiteText === null ? null : doc('faultline.yaml', suiteText);
  const scenarios = row.broken === 'suite' ? [] : [...(row.before ?? []).map((text, i) => doc(`before-${i}.yaml`, text)), doc('s.yaml', row.text)];
  return validateDocuments(suite, scenarios, ENV);
}

const byPosition = (a: ScenarioIssue, b: ScenarioIssue) => a.line - b.line || a.column - b.column || a.code.localeCompare(b.code);

/** Every issue of the broken document, at once, at its exact position; nothing anywhere else. */
function check(row: Row): void {
  const result = validate(row);
  const brokenFile = row.broken === 'suite' ? 'faultline.yaml' : 's.yaml';

  for (const file of result.files) if (file.file !== brokenFile) expect({ file: file.file, issues: file.issues }).toEqual({ file: file.file, issues: [] });
  expect(result.loaded).toBeUndefined();
  const report = result.files.find((f) => f.file === brokenFile);
  expect(report?.kind).toBe(row.broken);
  const issues = [...(report?.issues ?? [])].sort(byPosition);

  const actual = issues.map((issue, i): Expected => (row.expected[i]?.length === 4 ? [issue.code, issue.line, issue.column, issue.path] : [issue.code, issue.line, issue.column]));
  expect(actual).toEqual(row.expected);

  for (const issue of issues) {
    expect(issue.file).toBe(brokenFile);
    expect(issue.message).not.toBe('');
  }
  for (const [index, hint] of Object.entries(row.hints ?? {})) {
    const issue = issues[Number(index)];
    if (typeof hint === 'string') expect(issue?.hint).toBe(hint);
    else expect(issue?.hint).toMatch(hint);
  }
}

describe('the base documents', () => {
  it('the base suite validates with no issue', () => {
    const result = validateDocuments(doc('faultline.yaml', SUITE), [], ENV);
    expect(result.files.flatMap((f) => f.issues)).toEqual([]);
    expect(result.loaded).toBeDefined();
  });

  it('the base suite with runtime: other validates with no issue', () => {
    const result = validateDocuments(doc('faultline.yaml', SUITE_OTHER_RUNTIME), [], ENV);
    expect(result.files.flatMap((f) => f.issues)).toEqual([]);
  });

  it('the base scenario validates with no issue against the base suite', () => {
    const result = validateDocuments(doc('faultline.yaml', SUITE), [doc('s.yaml', SCENARIO)], ENV);
    expect(result.files.map((f) => [f.file, f.kind, f.issues])).toEqual([
      ['faultline.yaml', 'suite', []],
      ['s.yaml', 'scenario', []],
    ]);
    expect(result.loaded?.scenarios.map((s) => s.name)).toEqual(['slow-upstream']);
  });
});

describe('broken files', () => {
  it('has at least 45 rows with distinct names', () => {
    expect(rows.length).toBeGreaterThanOrEqual(45);
    expect(new Set([...rows, ...knownBugs].map((r) => r.name)).size).toBe(rows.length + knownBugs.length);
  });

  it.each(rows.map((row) => [row.name, row] as const))('%s', (_name, row) => {
    check(row);
  });
});

describe('broken files the loader once got wrong (regressions)', () => {
  it.each(knownBugs.map((row) => [row.name, row] as const))('%s', (_name, row) => {
    check(row);
  });
});
