import { z } from 'zod';

/** policy.submission: what authenticated users may do. */
export const submissionSection = () =>
  z
    .strictObject({
      senderLogin: z.boolean().default(false),
    })
    .prefault({});
