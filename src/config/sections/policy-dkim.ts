import { z } from 'zod';
import { domainName } from '../fields.ts';
import { listOf, type SectionContext } from './common.ts';

/** policy.dkim: the keys outbound mail of our domains is signed with (one entry per domain). */
export const policyDkimSection = ({ path }: SectionContext) =>
  z
    .strictObject({
      sign: listOf(
        z.strictObject({
          domain: domainName(),
          selector: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/, { error: 'expected a selector made of DNS labels, like s1 or 2026-11' }),
          key: path,
        }),
      ).default([]),
    })
    .superRefine((dkim, ctx) => {
      const seen = new Set<string>();
      dkim.sign.forEach((entry, i) => {
        if (seen.has(entry.domain)) ctx.addIssue({ code: 'custom', path: ['sign', i, 'domain'], message: `${entry.domain} is listed twice: keep one key per domain (rotate by changing its selector and key)` });
        seen.add(entry.domain);
      });
    })
    .prefault({});
