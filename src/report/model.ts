import { z } from 'zod';

/**
 * The canonical report: one JSON document per run (report.json) from which every other format
 * (JUnit XML, Markdown, HTML, the console summary) is rendered, and which `faultline compare`
 * and `faultline merge` read. The zod schema below is the single source: the TypeScript types
 * are inferred from it, `schema/report.schema.json` is generated from it, and reports read
 * back from disk are checked against it.
 *
 * Time: every `…Ms` instant of a scenario is milliseconds on that scenario's timeline, 0 being
 * the planned start of its first phase (start-up events are negative). Wall-clock instants are
 * ISO-8601 strings and are for display only.
 */

export const REPORT_SCHEMA_VERSION = 1;

const verdict = z.enum(['pass', 'fail', 'inconclusive']).describe('pass: every expectation held; fail: one did not; inconclusive: could not be decided (no data, a fault that did not take effect, a run cut short)');
const health = z.enum(['UP', 'DOWN', 'UNREACHABLE']);
const alertState = z.enum(['inactive', 'pending', 'firing']);
const level = z.enum(['green', 'yellow', 'red', 'unknown']);
const source = z.enum(['client', 'server']);
const phaseName = z.enum(['steady', 'chaos', 'recover']);
const nums = z.array(z.number().nullable());
const span = z.object({ from: z.number(), to: z.number().nullable().describe('null: still so at the end of the scenario') });

export const assertionSchema = z.object({
  id: z.string().describe('Stable within a scenario, e.g. "health[0]" or "steady-state.after"'),
  kind: z.string().describe('The expectation kind: steady-state, health, recovery, alert-fires, alert-resolves, alert-never, slo, errors, durability'),
  verdict,
  expected: z.string(),
  actual: z.string(),
  evidence: z.record(z.string(), z.unknown()).describe('The times and values the verdict rests on (timeline ms)'),
});

export const faultSchema = z.object({
  name: z.string(),
  kind: z.enum(['network', 'cpu', 'heap', 'process']),
  plannedStartMs: z.number(),
  plannedEndMs: z.number(),
  appliedAtMs: z.number().nullable(),
  revertedAtMs: z.number().nullable(),
  requested: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  achieved: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])),
  effect: z.enum(['effective', 'not-effective', 'unverified']),
  evidence: z.string(),
  mttdMs: z.number().nullable().describe('Mean time to detect: from the fault taking effect to health leaving UP or an alert firing'),
  detectedBy: z.string().nullable(),
  mttrMs: z.number().nullable().describe('Mean time to recover: from the fault ending to health UP for good'),
});

export const sliSchema = z.object({
  slo: z.string(),
  phase: z.union([phaseName, z.literal('all')]),
  source,
  total: z.number(),
  bad: z.number(),
  sli: z.number().nullable().describe('good / total; null without events'),
  objective: z.number(),
  burn: z.number().nullable().describe('error ratio / error budget over the phase'),
});

export const alertSchema = z.object({
  name: z.string(),
  slo: z.string(),
  source,
  severity: z.string(),
  burnRate: z.number().describe('The factor both windows must exceed'),
  longWindowMs: z.number(),
  shortWindowMs: z.number(),
  forMs: z.number(),
  keepFiringForMs: z.number(),
  transitions: z.array(z.object({ t: z.number(), from: alertState, to: alertState })),
  firing: z.array(span),
  error: z.string().optional().describe('Why the alert could not be evaluated'),
});

export const levelSchema = z.object({
  slo: z.string(),
  source,
  windowMs: z.number(),
  spans: z.array(z.object({ from: z.number(), to: z.number(), level })),
});

export const prometheusSchema = z.object({
  alert: z.string(),
  firing: z.array(span),
  own: z.array(span),
  fireDeltaMs: z.number().nullable(),
  resolveDeltaMs: z.number().nullable(),
  error: z.string().optional(),
});

export const seriesSchema = z.object({
  stepMs: z.number().describe('Width of one bucket: 1000'),
  t: z.array(z.number()).describe('Start of each bucket, timeline ms'),
  rps: nums.describe('Load answers and failures completed per second, by intended send time'),
  errorRatio: nums.describe('Failed requests (5xx, unanswered, refused, timed out, skipped) / all, per second'),
  p50: nums,
  p95: nums,
  p99: nums.describe('Latency percentiles from the intended send time, ms'),
  health: z.array(health.nullable()).describe('The worst health seen in the bucket'),
  cpu: z.record(z.string(), nums).describe('CPU used per process, cores'),
  rssBytes: z.record(z.string(), nums),
  heapUsedBytes: nums.describe("The target's V8 heap in use (from the injector)"),
  burn: z.record(z.string(), z.object({ long: nums, short: nums })).describe('Per alert, the burn rates of its long and short windows at the last evaluation in the bucket'),
});

export const scenarioReportSchema = z.object({
  name: z.string(),
  description: z.string(),
  tags: z.array(z.string()),
  file: z.string().describe('The scenario file, relative to the suite folder'),
  verdict,
  reason: z.string(),
  score: z.number().nullable().describe('Resilience score 0–100 (docs/reports.md); null without assertions'),
  status: z.enum(['completed', 'aborted', 'interrupted', 'failed']),
  statusReason: z.string().nullable(),
  startedAt: z.string().describe('Wall-clock time of timeline 0'),
  seed: z.number(),
  timelineMs: z.number().describe('Planned length of the timeline'),
  phases: z.array(z.object({ name: phaseName, plannedStartMs: z.number(), plannedEndMs: z.number(), startMs: z.number().nullable(), endMs: z.number().nullable() })),
  faults: z.array(faultSchema),
  assertions: z.array(assertionSchema),
  slis: z.array(sliSchema),
  alerts: z.array(alertSchema),
  levels: z.array(levelSchema),
  findings: z.array(z.string()),
  prometheus: z.array(prometheusSchema).optional(),
  durability: z
    .object({ attempted: z.number(), acknowledged: z.number(), verified: z.number(), lost: z.number(), mismatched: z.number(), failedWrites: z.record(z.string(), z.number()), examples: z.array(z.string()) })
    .optional(),
  healthChanges: z.array(z.object({ t: z.number(), state: health })).describe('Every health transition, exactly'),
  events: z.array(z.object({ t: z.number(), type: z.string(), text: z.string() })).describe('Process, fault, abort and health events, in one line each'),
  series: seriesSchema,
  files: z.object({ recording: z.string().nullable(), logs: z.array(z.string()) }).describe('Relative to the report folder'),
});

export const reportSchema = z.object({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  tool: z.object({ name: z.literal('faultline'), version: z.string() }),
  run: z.object({
    id: z.string(),
    release: z.string(),
    commit: z.string().nullable().describe('The git commit tested, when known'),
    suite: z.string(),
    seed: z.number(),
    startedAt: z.string(),
    durationMs: z.number(),
    verdict,
    reason: z.string(),
    score: z.number().nullable(),
    shard: z.object({ index: z.number().int(), total: z.number().int() }).nullable().describe('This run is shard index/total of the suite; null for a whole run (or a merge)'),
    mergedFrom: z.array(z.string()).describe('Run ids of the shards a merged report was made from; empty otherwise'),
    host: z.string(),
    node: z.string(),
    interrupted: z.boolean(),
    cleanupFailures: z.array(z.string()),
  }),
  summary: z.object({
    scenarios: z.object({ total: z.number(), passed: z.number(), failed: z.number(), inconclusive: z.number(), skipped: z.number() }),
    assertions: z.object({ total: z.number(), passed: z.number(), failed: z.number(), inconclusive: z.number() }),
  }),
  scenarios: z.array(scenarioReportSchema),
  skipped: z.array(z.object({ name: z.string(), reason: z.string() })),
});

export type Report = z.infer<typeof reportSchema>;
export type ScenarioReport = z.infer<typeof scenarioReportSchema>;
export type ReportAssertion = z.infer<typeof assertionSchema>;
export type ReportFault = z.infer<typeof faultSchema>;
export type ReportSeries = z.infer<typeof seriesSchema>;
export type ReportVerdict = z.infer<typeof verdict>;
