import { z } from 'zod';
import { parseSelector, type Selector } from '../selector.js';
import { coded } from './issue-text.js';
import { describe } from './primitives.js';

/** A Prometheus series selector string, parsed. */
export const selector = (description: string) =>
  z
    .unknown()
    .meta({ type: 'string', minLength: 1, description })
    .transform((input, ctx): Selector => {
      if (typeof input !== 'string') {
        ctx.addIssue({ code: 'custom', message: coded('WRONG_TYPE', `expected a selector string, got ${describe(input)}`) });
        return z.NEVER;
      }
      const parsed = parseSelector(input);
      if (!parsed.ok) {
        ctx.addIssue({
          code: 'custom',
          message: coded('BAD_SELECTOR', `${parsed.message} at character ${parsed.offset + 1} of "${input}"`, 'selectors look like http_requests_total{route="/v1/actions",status_code=~"5.."}'),
        });
        return z.NEVER;
      }
      return parsed.selector;
    });
