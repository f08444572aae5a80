import { z } from 'zod';
import { domainName, duration, ipAddress, port, positiveInt, size } from '../fields.ts';
import { enumOf, listOf, type SectionContext } from './common.ts';

export const LISTENER_ROLES = ['mta', 'submission', 'submissions'] as const;

export const smtpSection = ({ path }: SectionContext) => {
  const listener = z.strictObject({
    address: ipAddress(),
    port: port(),
    role: enumOf(LISTENER_ROLES).default('mta'),
  });

  const certificate = z.strictObject({
    cert: path,
    key: path,
    /** SNI names this certificate answers; empty: the DNS names in its subjectAltName. */
    names: listOf(domainName()).default([]),
  });

  return z
    .strictObject({
      listeners: listOf(listener).default([]),
      bareLineEndings: enumOf(['normalize', 'reject'] as const).default('normalize'),
      tls: z
        .strictObject({
          certificates: listOf(certificate).default([]),
          minVersion: enumOf(['TLSv1.2', 'TLSv1.3'] as const).default('TLSv1.2'),
        })
        .prefault({}),
      auth: z
        .strictObject({
          allowPlaintext: z.boolean().default(false),
          onMta: z.boolean().default(false),
          failureDelay: duration().prefault('1s'),
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
