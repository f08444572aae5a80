import { z } from 'zod';
import { size } from '../fields.ts';

export const queueSection = () =>
  z
    .strictObject({
      /** Free space the spool's file system must keep; undefined: 1.5 × smtp.limits.maxMessageSize (Postfix's rule). */
      minFree: size().optional(),
    })
    .prefault({});
