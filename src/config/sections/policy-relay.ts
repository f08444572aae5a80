import { z } from 'zod';
import { duration } from '../fields.ts';

/** policy.relay: how "Relaying denied" is given (who may relay is relay.networks). */
export const policyRelaySection = () =>
  z
    .strictObject({
      tarpit: z
        .strictObject({
          enabled: z.boolean().default(false),
          firstDelay: duration().prefault('1s'),
          maxDelay: duration().prefault('30s'),
        })
        .refine((t) => t.maxDelay >= t.firstDelay, { error: 'maxDelay is shorter than firstDelay: make maxDelay at least firstDelay, e.g. { firstDelay: 1s, maxDelay: 30s }' })
        .prefault({}),
    })
    .prefault({});
