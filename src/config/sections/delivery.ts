import { z } from 'zod';
import { domainName, duration, ipAddress, port, positiveInt } from '../fields.ts';
import type { SectionContext } from './common.ts';
import { deliveryTlsSection } from './delivery-tls.ts';

/** Sending mail on: the identity Postern shows to other MTAs, and how hard it pushes them. */
export const deliverySection = (context: SectionContext) =>
  z
    .strictObject({
      /** The address outbound connections come from (multi-homed hosts whose PTR and SPF must match); default: the system's choice. */
      sourceAddress: ipAddress().optional(),
      /** The name in EHLO; default: hostname. */
      heloName: domainName().optional(),
      /** The port of MX hosts (25); tests point MX hosts at sinks on other ports. */
      port: port().default(25),
      maxConnections: positiveInt().default(100),
      /** Connections to one destination start at `initial` and grow by one per success up to `max` (slow start). */
      perDestination: z.strictObject({ initial: positiveInt().default(5), max: positiveInt().default(20) }).prefault({}),
      messagesPerConnection: positiveInt().default(20),
      connectTimeout: duration().prefault('30s'),
      tls: deliveryTlsSection(context),
    })
    .prefault({});
