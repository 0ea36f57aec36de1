import { z } from 'zod';
import { abortSchema, expectSchema } from './expect.js';
import { faultSchema } from './fault.js';
import { coded } from './issue-text.js';
import { describe, duration, listOf, name, seed, strict, text } from './primitives.js';
import { loadFields } from './suite.js';

/**
 * A scenario file: a timeline (steady → chaos → recover), the faults on it, and what must
 * hold. It shares the suite's target, proxies, SLOs and alerts, and may override the load.
 */
export const scenarioSchema = strict(
  {
    $schema: z.string().optional(),
    name: name('Scenario name, unique in the suite'),
    description: text('What this scenario checks').optional(),
    tags: listOf(name('A tag'), 'Tags for selecting scenarios').optional(),
    skip: z
      .union([z.boolean(), z.string()], { error: (issue) => coded('WRONG_TYPE', `expected true, false or a reason, got ${describe(issue.input)}`) })
      // From the environment a flag arrives as text: "true"/"false"/"" mean what they say.
      .transform((value) => (value === 'true' ? true : value === 'false' || value === '' ? false : value))
      .describe('Skip this scenario: true or the reason')
      .optional(),
    seed: seed('Seed for this scenario (default: derived from the suite seed and the name)').optional(),
    steady: duration({ description: 'Baseline phase before any fault (default 10s)' }).optional(),
    chaos: duration({ description: 'Length of the chaos phase (default: until the last fault ends)' }).optional(),
    recover: duration({ description: 'Phase after the last fault (default 30s)' }).optional(),
    load: strict(loadFields, 'Overrides of the suite\'s load for this scenario').optional(),
    faults: listOf(faultSchema, 'Faults on the timeline').optional(),
    expect: expectSchema.optional(),
    abort: listOf(abortSchema, 'Abort conditions').optional(),
  },
  'A faultline scenario file',
);

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type ScenarioParsed = z.output<typeof scenarioSchema>;

