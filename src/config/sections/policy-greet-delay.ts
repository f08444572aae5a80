import { duration } from '../fields.ts';

/** policy.greetDelay: how long a client waits for the 220 greeting; one that talks meanwhile is refused (postscreen's pregreet test). */
export const greetDelayField = () =>
  duration()
    .prefault('0s')
    .refine((ms) => ms <= 60_000, { error: 'expected at most 60s (clients give up on a greeting after a few minutes; postscreen uses 6s), e.g. greetDelay: 6s' });
