import { z } from 'zod';

/** policy.spoofing: our domains in the envelope sender, header From or HELO of an untrusted, unauthenticated client are refused. */
export const spoofingSection = () =>
  z
    .strictObject({
      enabled: z.boolean().default(true),
    })
    .prefault({});
