import { z } from 'zod';
import { duration } from '../fields.ts';

/** content.quarantine: how long a quarantined message is kept before it is deleted unseen. */
export const quarantineSection = () =>
  z
    .strictObject({
      retention: duration().prefault('30d'),
    })
    .prefault({});
