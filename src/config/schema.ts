// The configuration schema: every key, its type and its default, defined once.
// Each top-level section has its own file in sections/; this file only assembles them.
// Documented key by key in docs/configuration.md; a new key is not done until it is there.
import { hostname as osHostname } from 'node:os';
import { z } from 'zod';
import { domainName, duration, pathIn } from './fields.ts';
import { dnsSection } from './sections/dns.ts';
import { logSection } from './sections/log.ts';
import { resolverSection } from './sections/resolver.ts';

export function buildSchema(baseDir: string) {
  const path = pathIn(baseDir);
  const context = { path };

  return z.strictObject({
    hostname: domainName().prefault(osHostname()),
    dataDir: path.prefault('./var'),
    user: z.string().min(1).optional(),
    group: z.string().min(1).optional(),
    shutdownTimeout: duration().prefault('30s'),
    log: logSection(),
    resolver: resolverSection(),
    dns: dnsSection(context),
  });
}

export type Config = z.output<ReturnType<typeof buildSchema>> & { configFile: string };
