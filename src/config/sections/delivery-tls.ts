import { z } from 'zod';
import { domainName, endpoint, port, positiveInt, show } from '../fields.ts';
import { enumOf, listOf, type SectionContext } from './common.ts';

export const TLS_LEVELS = ['none', 'may', 'encrypt', 'verify', 'dane', 'mta-sts'] as const;
export type TlsLevel = (typeof TLS_LEVELS)[number];

const domainKey = z.string().transform((key, ctx) => {
  const name = domainName().safeParse(key);
  if (!name.success) {
    ctx.addIssue({ code: 'custom', message: `expected a domain like example.net as a key of delivery.tls.domains, got ${show(key)}` });
    return z.NEVER;
  }
  return name.data;
});

/** delivery.tls: how hard outbound connections insist on TLS, per destination domain (Postfix's smtp_tls_policy_maps). */
export const deliveryTlsSection = ({ path }: SectionContext) =>
  z
    .strictObject({
      default: enumOf(TLS_LEVELS).default('may'),
      domains: z
        .record(domainKey, enumOf(TLS_LEVELS), {
          error: (iss) => (iss.code === 'invalid_key' ? iss.issues[0]?.message : iss.code === 'invalid_type' ? `expected a mapping of domain to TLS level, got ${show(iss.input)}` : undefined),
        })
        .default({}),
      /** CA certificates (PEM files) trusted for `verify` and MTA-STS, added to Node's bundled Mozilla roots. */
      ca: listOf(path).default([]),
      dane: z
        .strictObject({
          /** The validating resolvers whose AD bit is believed; without them, DANE is never used. */
          resolver: listOf(endpoint(53)).optional(),
        })
        .prefault({}),
      mtaSts: z
        .strictObject({
          enabled: z.boolean().default(true),
          /** The HTTPS port of mta-sts.DOMAIN (443); tests point it elsewhere. */
          port: port().default(443),
          /** CA certificates (PEM files) trusted for the policy's HTTPS server, added to the bundled roots. */
          ca: listOf(path).default([]),
          cacheSize: positiveInt().default(10_000),
        })
        .prefault({}),
    })
    .superRefine((tls, ctx) => {
      if (tls.dane.resolver !== undefined) return;
      const usesDane = (level: TlsLevel) => level === 'dane';
      const fix = 'name a validating resolver, e.g. delivery.tls.dane.resolver: [ "127.0.0.1:53" ] (DANE trusts only its authenticated answers), or choose another level';
      if (usesDane(tls.default)) ctx.addIssue({ code: 'custom', path: ['default'], message: `dane needs delivery.tls.dane.resolver: ${fix}` });
      for (const [domain, level] of Object.entries(tls.domains)) {
        if (usesDane(level)) ctx.addIssue({ code: 'custom', path: ['domains', domain], message: `dane needs delivery.tls.dane.resolver: ${fix}` });
      }
    })
    .prefault({});

export type DeliveryTlsConfig = z.output<ReturnType<typeof deliveryTlsSection>>;
