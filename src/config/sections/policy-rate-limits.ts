import { z } from 'zod';
import { show } from '../fields.ts';

const limit = () => {
  const error = (iss: { input?: unknown }) => `expected a whole number (0 for no limit), got ${show(iss.input)}`;
  return z.number({ error }).int({ error }).min(0, { error }).default(0);
};

const limits = () =>
  z
    .strictObject({
      connectionsPerMinute: limit(),
      messagesPerHour: limit(),
      recipientsPerHour: limit(),
    })
    .prefault({});

/** policy.rateLimits: per client address (unauthenticated sessions) and per authenticated user; 0 is no limit. */
export const rateLimitsSection = () =>
  z
    .strictObject({
      client: limits(),
      user: limits(),
      exemptTrusted: z.boolean().default(true),
    })
    .prefault({});
