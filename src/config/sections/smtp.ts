import { z } from 'zod';
import { duration, ipAddress, port, positiveInt, show, size } from '../fields.ts';
import { enumOf, listOf } from './common.ts';

const ROLES = ['mta', 'submission', 'submissions'] as const;

export const smtpSection = () => {
  const listener = z.strictObject({
    address: ipAddress(),
    port: port(),
    // submission and submissions need AUTH and TLS, which come later: refused until then, so a
    // configuration never believes it has a submission port it does not have.
    role: enumOf(ROLES)
      .default('mta')
      .refine((role) => role === 'mta', { error: (iss) => `role ${show(iss.input)} needs AUTH and TLS, which this version of Postern does not offer yet; use role: mta` }),
  });

  return z
    .strictObject({
      listeners: listOf(listener).default([]),
      bareLineEndings: enumOf(['normalize', 'reject'] as const).default('normalize'),
      limits: z
        .strictObject({
          maxMessageSize: size().prefault('25MB'),
          maxRecipients: positiveInt().default(100),
          maxErrors: positiveInt().default(20),
          commandTimeout: duration().prefault('5m'),
          dataTimeout: duration().prefault('3m'),
          sessionTimeout: duration().prefault('30m'),
          maxConnections: positiveInt().default(1000),
          maxConnectionsPerClient: positiveInt().default(50),
          maxLineLength: positiveInt().default(2048),
        })
        .prefault({}),
    })
    .prefault({});
};
