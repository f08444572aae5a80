import { z } from 'zod';
import { duration, ipAddress, port, positiveInt, show, size } from '../fields.ts';
import { enumOf, listOf, type SectionContext } from './common.ts';

const ROLES = ['mta', 'submission', 'submissions'] as const;

export const smtpSection = ({ path }: SectionContext) => {
  const listener = z.strictObject({
    address: ipAddress(),
    port: port(),
    role: enumOf(ROLES).default('mta'),
  });

  const certificate = z.strictObject({ cert: path, key: path });

  return z
    .strictObject({
      listeners: listOf(listener).default([]),
      /** One certificate, or several chosen by SNI (the first is the default). */
      tls: z
        .union([certificate, listOf(certificate).min(1, { error: 'expected at least one { cert, key }' })], {
          error: (iss) => `expected { cert: FILE, key: FILE } or a list of them, got ${show(iss.input)}`,
        })
        .transform((v) => (Array.isArray(v) ? v : [v]))
        .optional(),
      bareLineEndings: enumOf(['normalize', 'reject'] as const).default('normalize'),
      auth: z
        .strictObject({
          allowPlaintext: z.boolean({ error: (iss) => `expected true or false, got ${show(iss.input)}` }).default(false),
          failureDelay: duration().prefault('2s'),
          maxFailures: positiveInt().default(3),
        })
        .prefault({}),
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
