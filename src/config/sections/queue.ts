import { z } from 'zod';
import { duration, size } from '../fields.ts';

export const queueSection = () =>
  z
    .strictObject({
      /** Free space the spool's file system must keep; undefined: 1.5 × smtp.limits.maxMessageSize (Postfix's rule). */
      minFree: size().optional(),
      /** Backoff between attempts: doubling from min, capped at max. */
      retry: z.strictObject({ min: duration().prefault('5m'), max: duration().prefault('1h') }).prefault({}),
      /** After this long undelivered, the sender gets a delay notice (where NOTIFY allows). */
      delayWarning: duration().prefault('4h'),
      /** After this long undelivered, the message is returned to its sender. */
      lifetime: duration().prefault('5d'),
    })
    .prefault({});
