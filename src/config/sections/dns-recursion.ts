// dns.recursion (the caching resolver) and dns.rateLimit (response rate limiting), parts of the
// dns section.
import { z } from 'zod';
import { cidr, endpoint, port, positiveInt, show } from '../fields.ts';
import { listOf, type SectionContext } from './common.ts';
import { accessListField } from './dns-access.ts';

const flag = () => z.boolean({ error: (iss) => `expected true or false, got ${show(iss.input)}` });

const wholeNumber = () =>
  z
    .number({ error: (iss) => `expected a whole number of at least 0, got ${show(iss.input)}` })
    .int({ error: (iss) => `expected a whole number of at least 0, got ${show(iss.input)}` })
    .min(0, { error: (iss) => `expected a whole number of at least 0, got ${show(iss.input)}` });

/** Loopback: clients that cannot be spoofed from outside the host. */
const LOOPBACK = ['127.0.0.0/8', '::1/128'];

export const recursionSection = ({ path }: SectionContext) =>
  z
    .strictObject({
      enabled: flag().default(false),
      allow: accessListField().default(LOOPBACK),
      rootHints: path.optional(),
      forwarders: listOf(endpoint(53)).default([]),
      serveStale: flag().default(false),
      qnameMinimisation: flag().default(true),
      serverPort: port().default(53),
      cacheSize: positiveInt().default(100_000),
    })
    .prefault({});

export const rateLimitSection = () =>
  z
    .strictObject({
      responsesPerSecond: wholeNumber().default(1000),
      slip: wholeNumber().default(2),
      exempt: listOf(cidr()).default(LOOPBACK),
    })
    .prefault({});
