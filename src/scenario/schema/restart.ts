import { z } from 'zod';
import { coded } from './issue-text.js';
import { count, describe, didYouMeanHint, duration, oneOf, strict } from './primitives.js';

/**
 * A process's restart policy, as Docker and systemd spell it: `never`, `on-failure` (exit code
 * other than 0, or killed by a signal) or `always`, on its own or with a delay and a limit in a
 * mapping. The shorthand becomes `{ when }` before the mapping is checked, so every problem of
 * a mapping is reported at its own key.
 */

export const RESTART_WHEN = ['never', 'on-failure', 'always'] as const;
export type RestartWhen = (typeof RESTART_WHEN)[number];

/** Restarts per process per scenario, at most. */
export const MAX_RESTART_LIMIT = 1_000;

const mapping = strict(
  {
    when: oneOf(RESTART_WHEN, 'never; on-failure: after an exit code other than 0 or a signal; always: after any exit the run did not cause'),
    delay: duration({ description: 'Wait this long before starting it again (default 1s)' }).optional(),
    limit: count('At most this many restarts in one scenario; after that it stays down (default 5)', MAX_RESTART_LIMIT).optional(),
  },
  'A restart policy with its delay and limit',
);

const EXPECTED = `expected ${RESTART_WHEN.map((w) => `"${w}"`).join(', ')} or a mapping { when, delay, limit }`;

/** The shorthand as a mapping; anything that is neither a word nor a mapping stops here. */
function shorthand(input: unknown, ctx: z.RefinementCtx): unknown {
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) return input;
  if (typeof input === 'string' && (RESTART_WHEN as readonly string[]).includes(input)) return { when: input };
  if (typeof input === 'string') {
    ctx.addIssue({ code: 'custom', message: coded('BAD_VALUE', `${EXPECTED}, got ${describe(input)}`, didYouMeanHint(input, RESTART_WHEN)) });
    return z.NEVER;
  }
  // `restart: true` is a process fault's field; a process's policy names when.
  const hint = input === true ? 'write "on-failure" (after a crash) or "always"' : input === false ? 'write "never" (the default)' : undefined;
  ctx.addIssue({ code: 'custom', message: coded('WRONG_TYPE', `${EXPECTED}, got ${describe(input)}`, hint) });
  return z.NEVER;
}

const { $schema: _, ...mappingJson } = z.toJSONSchema(mapping, { io: 'input', unrepresentable: 'any', target: 'draft-7' });

export const restartSchema = z
  .unknown()
  .meta({
    description: 'Start the process again when it exits on its own during the timeline (not when a fault stops it): never (default), on-failure, always, or { when, delay, limit }',
    anyOf: [{ enum: [...RESTART_WHEN] }, mappingJson],
  })
  .transform(shorthand)
  .pipe(mapping);
