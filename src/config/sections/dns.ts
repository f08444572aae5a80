import { z } from 'zod';
import { domainName, duration, endpoint, positiveInt, show } from '../fields.ts';
import { enumOf, listOf, type SectionContext } from './common.ts';
import { rateLimitSection, recursionSection } from './dns-recursion.ts';
import { accessListField, keysSection, keysUsed, notifyTargetsField } from './dns-access.ts';

/** A primary server of a secondary zone; `key` names a TSIG key of dns.keys. */
const primaryServer = z.strictObject({
  address: endpoint(53),
  key: z.string({ error: (iss) => `expected the name of a key in dns.keys, got ${show(iss.input)}` }).optional(),
});

export const dnsSection = ({ path }: SectionContext) => {
  const zone = z
    .strictObject({
      name: domainName(),
      type: enumOf(['primary', 'secondary'] as const).default('primary'),
      file: path.optional(),
      primaries: listOf(primaryServer).optional(),
      allowTransfer: accessListField().default([]),
      /** Who may change the zone with RFC 2136 updates; empty: a static zone. */
      allowUpdate: accessListField().default([]),
      /** A secondary zone: who besides its primaries may send NOTIFY. */
      allowNotify: accessListField().default([]),
      /** How long after an update the zone file is rewritten from the served zone. */
      zonefileSync: duration().prefault('1m'),
      notify: notifyTargetsField().default([]),
      /** Also NOTIFY the zone's own name servers (apex NS names with addresses in the zone). */
      notifyNsHosts: z.boolean().default(false),
    })
    .superRefine((zone, ctx) => {
      // A secondary's data comes from its primaries and is kept under dataDir, never in a file of the config's.
      if (zone.type === 'primary' && zone.file === undefined) ctx.addIssue({ code: 'custom', path: ['file'], message: 'expected a file path, got nothing' });
      if (zone.type === 'primary' && zone.primaries !== undefined) ctx.addIssue({ code: 'custom', path: ['primaries'], message: 'only a secondary zone has primaries; add "type: secondary" or remove primaries' });
      if (zone.type === 'secondary' && zone.file !== undefined) ctx.addIssue({ code: 'custom', path: ['file'], message: 'a secondary zone has no file: its copy is stored under dataDir; remove file' });
      if (zone.type === 'secondary' && (zone.primaries ?? []).length === 0) ctx.addIssue({ code: 'custom', path: ['primaries'], message: 'a secondary zone needs at least one primary, e.g. primaries: [ { address: "192.0.2.1:53" } ]' });
    });

  return z
    .strictObject({
      listen: listOf(endpoint(53)).default([]),
      workers: z
        .union([positiveInt(), z.literal('auto')], { error: (iss) => `expected a whole number of at least 1 or "auto", got ${show(iss.input)}` })
        .default('auto'),
      tcpIdleTimeout: duration().prefault('10s'),
      maxTcpConnections: positiveInt().default(1000),
      maxTcpQueriesPerConnection: positiveInt().default(1000),
      keys: keysSection(),
      recursion: recursionSection({ path }),
      rateLimit: rateLimitSection(),
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
    .superRefine((dns, ctx) => {
      const known = new Set(dns.keys.map((key) => key.name));
      const check = (names: string[], path: (string | number)[]): void => {
        for (const name of names) if (!known.has(name.toLowerCase())) ctx.addIssue({ code: 'custom', path, message: `no key ${name} in dns.keys; add { name: ${name}, algorithm: hmac-sha256, secret: "<base64>" } to dns.keys or fix the name` });
      };
      dns.zones.forEach((zone, i) => {
        check(keysUsed(zone.allowTransfer), ['zones', i, 'allowTransfer']);
        check(keysUsed(zone.allowUpdate), ['zones', i, 'allowUpdate']);
        check(keysUsed(zone.allowNotify), ['zones', i, 'allowNotify']);
        if (zone.type === 'primary' && zone.allowNotify.length > 0) ctx.addIssue({ code: 'custom', path: ['zones', i, 'allowNotify'], message: 'only a secondary zone takes NOTIFY; remove allowNotify or add "type: secondary"' });
        if (zone.type === 'secondary' && zone.allowUpdate.length > 0) ctx.addIssue({ code: 'custom', path: ['zones', i, 'allowUpdate'], message: 'a secondary zone takes no dynamic updates (its primary does); remove allowUpdate' });
        check(keysUsed(zone.notify), ['zones', i, 'notify']);
        check(keysUsed(zone.primaries ?? []), ['zones', i, 'primaries']);
      });
      check(keysUsed(dns.recursion.allow), ['recursion', 'allow']);
    })
    .prefault({});
};
