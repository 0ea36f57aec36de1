import { z } from 'zod';
import { coded } from './issue-text.js';
import { atLeastZero, bool, describe, discriminatorError, duration, listOf, name, oneOf, percent, rate, strict, text } from './primitives.js';

/**
 * Expectations (what must hold) and abort conditions (when to stop early). Times are anchored
 * on events: `NAME.start` / `NAME.end` of a fault or of a phase (steady, chaos, recover).
 */

export const PHASES = ['steady', 'chaos', 'recover'] as const;
export type PhaseName = (typeof PHASES)[number];

const EVENT = /^[A-Za-z_][A-Za-z0-9_.-]*\.(start|end)$/;

export const eventRef = (description: string) =>
  z
    .string({ error: (issue) => coded('WRONG_TYPE', `expected an event like "slow-upstream.start", got ${describe(issue.input)}`) })
    .regex(EVENT, { error: coded('BAD_EVENT', 'expected NAME.start or NAME.end, where NAME is a fault or a phase (steady, chaos, recover)') })
    .describe(description);

const health = oneOf(['UP', 'DOWN'], 'A health state');

const healthTransition = strict(
  {
    from: health,
    to: health,
    within: duration({ description: 'The transition must happen this soon after `after`', positive: true }),
    after: eventRef('The event the time counts from, e.g. slow-upstream.start'),
  },
  'Health must go from one state to the other within a time after an event',
);

const window = strict({
  within: duration({ description: 'Deadline after the event', positive: true }),
  after: eventRef('The event the deadline counts from (fires: the first fault\'s start; resolves: the last fault\'s end)').optional(),
});

const phaseList = z
  .unknown()
  .meta({ description: 'A phase or a list of phases', anyOf: [{ enum: [...PHASES, 'all'] }, { type: 'array', items: { enum: [...PHASES] }, minItems: 1 }] })
  .transform((input, ctx): PhaseName[] => {
    const list = Array.isArray(input) ? input : [input];
    if (input === 'all') return [...PHASES];
    if (list.length === 0 || !list.every((p) => typeof p === 'string' && (PHASES as readonly string[]).includes(p))) {
      ctx.addIssue({ code: 'custom', message: coded('BAD_PHASE', `expected a phase (steady, chaos, recover, all) or a list of them, got ${describe(input)}`) });
      return z.NEVER;
    }
    return [...new Set(list as PhaseName[])];
  });

const alertExpectation = strict(
  {
    alert: name('The alert (from the suite) this is about'),
    fires: window.optional(),
    resolves: window.optional(),
    never: phaseList.optional(),
  },
  'An alert must fire and/or resolve in time, or never fire during phases',
).superRefine(
  (value, ctx) => {
    const v = value as Record<string, unknown>;
    const present = ['fires', 'resolves', 'never'].filter((k) => v[k] !== undefined);
    if (present.length === 0) ctx.addIssue({ code: 'custom', message: coded('ALERT_EXPECTATION', 'say what the alert must do: fires, resolves or never') });
    else if (v['never'] !== undefined && present.length > 1) {
      ctx.addIssue({ code: 'custom', message: coded('ALERT_EXPECTATION', '"never" cannot be combined with fires or resolves', 'write them as two entries') });
    }
  },
  { when: (payload) => typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value) },
);

const sloExpectation = strict(
  {
    slo: name('The SLO (from the suite)'),
    phase: z.enum([...PHASES, 'all'], { error: (issue) => coded('BAD_PHASE', `expected steady, chaos, recover or all, got ${describe(issue.input)}`) }).describe('Where it must hold (default all)').optional(),
    objective: percent('Override the SLO\'s objective for this phase, e.g. 90% during chaos').optional(),
    source: oneOf(['client', 'server', 'both'], 'Which SLI must meet it (default: client when the SLO measures it, else server)').optional(),
  },
  'An SLO must be met over a phase',
);

const errorsExpectation = strict(
  {
    kind: oneOf(['unanswered', 'refused', 'timeout', '5xx', 'skipped', 'any'], 'unanswered: sent, then the connection closed without an answer; refused: no connection; timeout; 5xx; skipped: not sent, every connection busy; any: all of these'),
    max: atLeastZero('At most this many (default 0)').optional(),
    ratio: percent('At most this share of requests').optional(),
    phase: z.enum([...PHASES, 'all'], { error: (issue) => coded('BAD_PHASE', `expected steady, chaos, recover or all, got ${describe(issue.input)}`) }).describe('Where it must hold (default all)').optional(),
  },
  'A limit on one kind of client error',
).superRefine(
  (value, ctx) => {
    const v = value as Record<string, unknown>;
    if (v['max'] !== undefined && v['ratio'] !== undefined) ctx.addIssue({ code: 'custom', message: coded('ERRORS_LIMIT', 'give max or ratio, not both') });
  },
  { when: (payload) => typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value) },
);

export const expectSchema = strict(
  {
    steadyState: strict(
      {
        health: bool('Health must be UP throughout (default true)').optional(),
        slos: listOf(name('An SLO'), 'SLOs that must be met (default: every SLO of the suite)').optional(),
        window: duration({ description: 'Span checked: the end of steady (before) and the end of recover (after) (default 10s, at most the phase)', positive: true }).optional(),
        before: bool('Check before the faults (default true)').optional(),
        after: bool('Check after recovery (default true)').optional(),
      },
      'The steady-state hypothesis, checked before the faults and after recovery',
    ).optional(),
    health: listOf(healthTransition, 'Ordered health transitions').optional(),
    recovery: strict(
      {
        within: duration({ description: 'Recovered this soon after the last fault ends', positive: true }),
        stable: duration({ description: 'Recovered means healthy and within objective for this long (default 5s)', positive: true }).optional(),
        health: bool('Require health UP (default true)').optional(),
        slos: listOf(name('An SLO'), 'SLOs that must be back within objective (default: every SLO of the suite)').optional(),
      },
      'Recovery time after the last fault',
    ).optional(),
    alerts: listOf(alertExpectation, 'Alert expectations').optional(),
    slo: listOf(sloExpectation, 'SLOs per phase').optional(),
    errors: listOf(errorsExpectation, 'Limits on kinds of client errors per phase').optional(),
    durability: strict(
      {
        url: text('Keys are written with PUT <url><key> and read back with GET <url><key>'),
        rate: rate('Writes per second (default 10/s)').optional(),
        during: phaseList.optional(),
      },
      'Acknowledged writes must survive: every write answered 2xx is read back, equal, after recovery',
    ).optional(),
  },
  'What must hold',
);

export const abortSchema = z
  .discriminatedUnion(
    'when',
    [
      strict({
        when: z.literal('errorRatio'),
        above: percent('Stop when the client error ratio is above this'),
        for: duration({ description: 'for this long (default 5s)', positive: true }).optional(),
      }),
      strict({ when: z.literal('healthDown'), for: duration({ description: 'Stop when health stays DOWN this long', positive: true }) }),
      strict({
        when: z.literal('latency'),
        quantile: oneOf(['p50', 'p90', 'p95', 'p99'], 'Which quantile (default p99)').optional(),
        above: duration({ description: 'Stop when the quantile is above this', positive: true }),
        for: duration({ description: 'for this long (default 5s)', positive: true }).optional(),
      }),
    ],
    { error: discriminatorError('when', ['errorRatio', 'healthDown', 'latency']) },
  )
  .describe('Stop the scenario (reverting every fault) when this holds; the scenario then fails');
