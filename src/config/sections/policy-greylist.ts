import { z } from 'zod';
import { duration, show } from '../fields.ts';

const prefix = (max: number) => {
  const error = (iss: { input?: unknown }) => `expected a prefix length from 1 to ${max}, got ${show(iss.input)}`;
  return z.number({ error }).int({ error }).min(1, { error }).max(max, { error });
};

/** policy.greylist (RFC 6647): the triplet's timing and how much of the client's address names its network. */
export const greylistSection = () =>
  z
    .strictObject({
      enabled: z.boolean().default(false),
      delay: duration().prefault('5m'),
      window: duration().prefault('4h'),
      remember: duration().prefault('36d'),
      ipv4Prefix: prefix(32).default(24),
      ipv6Prefix: prefix(128).default(64),
    })
    .superRefine((greylist, ctx) => {
      if (greylist.window <= greylist.delay) ctx.addIssue({ code: 'custom', path: ['window'], message: `the window must be longer than the delay (${greylist.delay / 1000}s), or no retry could ever pass; e.g. window: 4h` });
    })
    .prefault({});
