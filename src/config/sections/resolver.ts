import { z } from 'zod';
import { duration, endpoint, positiveInt } from '../fields.ts';
import { listOf } from './common.ts';

export const resolverSection = () =>
  z
    .strictObject({
      servers: listOf(endpoint(53)).optional(),
      timeout: duration().prefault('2s'),
      attempts: positiveInt().default(2),
      cacheSize: positiveInt().default(10000),
    })
    .prefault({});
