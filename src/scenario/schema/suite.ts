import { z } from 'zod';
import { coded } from './issue-text.js';
import { bool, count, describe, discriminatorError, duration, envMap, listOf, name, number, oneOf, percent, rate, seed, strict, text } from './primitives.js';
import { restartSchema } from './restart.js';
import { selector } from './selector-schema.js';

/**
 * The suite file (`faultline.yaml`): the system under test, how to drive and observe it, and
 * the SLOs and alerts every scenario in the folder shares. Optional fields get their defaults
 * in ../defaults.ts, never here, so this schema is exactly "the file as written".
 */

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGKILL', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;

/** A command as one string (split on spaces; `\ ` escapes one) or as a list. */
export const command = z
  .unknown()
  .meta({
    description: 'The program and its arguments: one string split on spaces, or a list',
    anyOf: [
      { type: 'string', minLength: 1 },
      { type: 'array', items: { type: 'string' }, minItems: 1 },
    ],
  })
  .transform((input, ctx) => {
    const ok = (typeof input === 'string' && input.trim() !== '') || (Array.isArray(input) && input.length > 0 && input.every((part) => typeof part === 'string' && part !== ''));
    if (!ok) {
      ctx.addIssue({ code: 'custom', message: coded('BAD_COMMAND', `expected a command line or a non-empty list of strings, got ${describe(input)}`, 'e.g. "node dist/server.js" or [node, dist/server.js]') });
      return z.NEVER;
    }
    return input as string | string[];
  });

const ready = strict(
  {
    http: text('Ready when a GET of this URL answers with `status`').optional(),
    status: count('The HTTP status that means ready (default 200)', 599).optional(),
    tcp: text('Ready when this host:port accepts a connection').optional(),
    log: text('Ready when a line of stdout or stderr matches this regular expression').optional(),
    timeout: duration({ description: 'Give up (exit 3) after this long (default 30s)', positive: true }).optional(),
  },
  'How to tell that the process is ready: exactly one of http, tcp, log',
).superRefine(
  (value, ctx) => {
    const kinds = (['http', 'tcp', 'log'] as const).filter((kind) => (value as Record<string, unknown>)[kind] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: coded('READY_KIND', kinds.length === 0 ? 'ready needs one of http, tcp or log' : `ready takes one of http, tcp or log, got ${kinds.join(' and ')}`),
      });
    }
  },
  { when: (payload) => typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value) },
);

const stop = strict({
  signal: oneOf(SIGNALS, 'The signal that asks the process to stop (default SIGTERM)').optional(),
  grace: duration({ description: 'How long to wait for it to exit before SIGKILL (default 10s)' }).optional(),
});

const processFields = {
  command,
  cwd: text('Working directory, relative to the suite file (default: the suite file folder)').optional(),
  env: envMap('Environment on top of the runner\'s own; values may use placeholders').optional(),
  ready: ready.optional(),
  stop: stop.optional(),
  restart: restartSchema.optional(),
};

export const serviceSchema = strict(processFields, 'A process the target needs, started before it and stopped after it');

/** `command` is required when `external` is absent or false (not when the flag itself is invalid: that has its own issue). */
const needsCommand = (value: object): boolean => {
  const flag = (value as Record<string, unknown>)['external'];
  return (flag === undefined || flag === false) && (value as Record<string, unknown>)['command'] === undefined;
};

export const targetSchema = strict(
  {
    ...processFields,
    // Optional here: required unless `external: true` (the refinement below says so).
    command: command.optional(),
    external: bool('true: the system under test is already running and faultline does not start or stop it; it is reached only by its URLs (default false)').optional(),
    runtime: oneOf(['node', 'other'], 'node allows in-process faults (cpu in-process, heap); default: node when the command runs `node`').optional(),
    health: strict({
      url: text('The health endpoint: 2xx is UP, anything else (or no answer) is DOWN'),
      interval: duration({ description: 'Poll interval (default 250ms)', positive: true }).optional(),
      timeout: duration({ description: 'Per-request timeout (default 1s)', positive: true }).optional(),
    }).optional(),
    metrics: strict({
      url: text('The Prometheus metrics endpoint to scrape'),
      interval: duration({ description: 'Scrape interval (default 1s)', positive: true }).optional(),
      timeout: duration({ description: 'Per-scrape timeout (default 1s)', positive: true }).optional(),
    }).optional(),
  },
  'The process under test, or (external: true) a system already running',
)
  .superRefine(
    (value, ctx) => {
      if (needsCommand(value)) {
        ctx.addIssue({ code: 'custom', path: ['command'], message: coded('MISSING_KEY', 'missing required key "command"', 'give the command that starts the target, or set `external: true` for a system that is already running') });
      }
    },
    // Also when another key of the target is wrong, so that every problem shows at once.
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value) },
  )
  // For editors: a command, unless the target is external.
  .meta({ anyOf: [{ required: ['command'] }, { required: ['external'] }] });

const requestSchema = strict({
  method: oneOf(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'], 'HTTP method (default GET)').optional(),
  url: text('The URL every load request goes to'),
  headers: z
    .record(z.string(), z.string({ error: (issue) => coded('WRONG_TYPE', `header values are strings, got ${describe(issue.input)}`) }), {
      error: (issue) => coded('WRONG_TYPE', `expected a mapping of header: value, got ${describe(issue.input)}`),
    })
    .describe('Request headers; a content-type given here wins over the JSON default')
    .optional(),
  body: z
    .unknown()
    .meta({ description: 'A string, or a mapping/list sent as JSON (content-type set for you)' })
    .optional(),
});

export const loadFields = {
  request: requestSchema.optional(),
  rate: rate('Constant arrival rate, e.g. 50/s: requests start on time whether or not earlier ones finished (default 20/s)').optional(),
  timeout: duration({ description: 'A request slower than this counts as a timeout (default 2s)', positive: true }).optional(),
  connections: count('Most requests in flight at once (default 64); a request due while all are busy is not sent and counts as skipped', 10_000).optional(),
};

export const loadSchema = strict(loadFields, 'Load driven through the target during the whole scenario');

const availabilityServer = strict({
  total: selector('Counter of all requests, e.g. http_requests_total{route="/v1/actions"}'),
  errors: selector('Counter of failed requests, e.g. http_requests_total{status_code=~"5.."}'),
});

const latencyServer = strict({
  histogram: selector('Histogram (its _bucket/_count series), e.g. http_request_duration_seconds{route="/v1/actions"}'),
});

const sloCommon = {
  objective: percent('Share of good events, e.g. 99% or 0.99'),
  client: bool('Measure from the load generator: what clients saw (default true)').optional(),
  window: duration({ description: 'Rolling window for the green/yellow/red budget-burn levels (default 30s)', positive: true }).optional(),
  description: text('What this SLO protects').optional(),
};

export const sloSchema = z
  .discriminatedUnion(
    'kind',
    [
      strict({ kind: z.literal('availability'), ...sloCommon, server: availabilityServer.optional() }),
      strict({ kind: z.literal('latency'), ...sloCommon, threshold: duration({ description: 'A request is good when it takes at most this long (like a Prometheus le bucket)', positive: true }), server: latencyServer.optional() }),
    ],
    { error: discriminatorError('kind', ['availability', 'latency']) },
  )
  .describe('A service level objective');

export const alertSchema = strict(
  {
    slo: name('The SLO whose error budget this alert watches'),
    burnRate: number('Fire when both windows burn budget faster than this factor, e.g. 14.4', 0.001, 1_000_000),
    long: duration({ description: 'Long window, e.g. 30s (the workbook\'s 1h divided by 120)', positive: true }),
    short: duration({ description: 'Short window, e.g. 5s; shorter than long, and at least 5 scrape intervals', positive: true }),
    for: duration({ description: 'Pending time before firing (default 0s)' }).optional(),
    keepFiringFor: duration({ description: 'Keep firing this long after the condition clears (default 0s)' }).optional(),
    severity: text('Free-form label, e.g. page or ticket (default page)').optional(),
    source: oneOf(['client', 'server'], 'Which SLI the rule reads (default: server when the SLO has one, else client)').optional(),
  },
  'A multi-window burn-rate alert',
);

export const suiteSchema = strict(
  {
    $schema: z.string().optional(),
    version: z.literal(1, { error: (issue) => coded('BAD_VERSION', `this faultline reads version 1 files, got ${describe(issue.input)}`) }).describe('Language version (1)').optional(),
    name: name('Suite name (default: the folder name)').optional(),
    description: text('What this suite covers').optional(),
    release: text('The release under test; --release and FAULTLINE_RELEASE override it').optional(),
    seed: seed('Seed for every random choice in a run (default 1)').optional(),
    scenarios: listOf(text('Glob relative to the suite file'), 'Which files are scenarios (default ["*.yaml", "*.yml"], minus suite files)').optional(),
    allowRemote: bool('Allow hosts other than loopback (default false)').optional(),
    toxiproxy: strict({
      url: text('A running Toxiproxy (e.g. http://127.0.0.1:8474); without it faultline starts its embedded one').optional(),
      prefix: name('Run-scoped name prefix for the proxies faultline creates (default faultline)').optional(),
    }).optional(),
    prometheus: strict({ url: text('A Prometheus whose alert rule states (/api/v1/rules?type=alert) are read during the run') }).optional(),
    services: z.record(name('A service name'), serviceSchema).describe('Processes started before the target, by name').optional(),
    target: targetSchema,
    proxies: z
      .record(
        name('A proxy name'),
        strict({
          upstream: text('host:port the proxy forwards to'),
          listen: text('host:port to listen on (default 127.0.0.1 and a free port)').optional(),
        }),
      )
      .describe('Toxiproxy proxies by name; ${proxy:NAME} is the listen address')
      .optional(),
    load: loadSchema.optional(),
    slos: z.record(name('An SLO name'), sloSchema).describe('Service level objectives by name').optional(),
    alerts: z.record(name('An alert name'), alertSchema).describe('Burn-rate alerts by name').optional(),
    evaluation: strict({
      interval: duration({ description: 'Alert evaluation tick (default 1s)', positive: true }).optional(),
      minEvents: count('Fewer events than this in a window makes a verdict inconclusive (default 20)').optional(),
    }).optional(),
  },
  'A faultline suite file',
);

export type SuiteInput = z.input<typeof suiteSchema>;
export type SuiteParsed = z.output<typeof suiteSchema>;
