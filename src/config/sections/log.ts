import { z } from 'zod';
import { enumOf } from './common.ts';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const logSection = () =>
  z
    .strictObject({
      level: enumOf(LOG_LEVELS).default('info'),
      format: enumOf(['json', 'pretty'] as const).default('pretty'),
    })
    .prefault({});
