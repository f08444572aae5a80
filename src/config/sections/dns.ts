import { z } from 'zod';
import { domainName, duration, endpoint, positiveInt, show } from '../fields.ts';
import { listOf, type SectionContext } from './common.ts';

export const dnsSection = ({ path }: SectionContext) => {
  const zone = z.strictObject({
    name: domainName(),
    file: path,
  });

  return z
    .strictObject({
      listen: listOf(endpoint(53)).default([]),
      workers: z
        .union([positiveInt(), z.literal('auto')], { error: (iss) => `expected a whole number of at least 1 or "auto", got ${show(iss.input)}` })
        .default('auto'),
      tcpIdleTimeout: duration().prefault('10s'),
      maxTcpConnections: positiveInt().default(1000),
      zones: listOf(zone)
        .default([])
        .superRefine((zones, ctx) => {
          const seen = new Set<string>();
          zones.forEach((z, i) => {
            if (seen.has(z.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `zone ${z.name} is listed twice; list each zone once` });
            seen.add(z.name);
          });
        }),
    })
    .prefault({});
};
