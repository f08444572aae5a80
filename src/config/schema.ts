// The configuration schema: every key, its type and its default, defined once.
// Documented key by key in docs/configuration.md; a new key is not done until it is there.
import { hostname as osHostname } from 'node:os';
import { z } from 'zod';
import { domainName, duration, endpoint, pathIn, positiveInt, show } from './fields.ts';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const enumOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: (iss) => `expected one of ${values.join(', ')}, got ${show(iss.input)}` });

const listOf = <T extends z.ZodType>(item: T) =>
  z.array(item, { error: (iss) => `expected a list, got ${show(iss.input)}` });

export function buildSchema(baseDir: string) {
  const path = pathIn(baseDir);

  const log = z
    .strictObject({
      level: enumOf(LOG_LEVELS).default('info'),
      format: enumOf(['json', 'pretty'] as const).default('pretty'),
    })
    .prefault({});

  const resolver = z
    .strictObject({
      servers: listOf(endpoint(53)).optional(),
      timeout: duration().prefault('2s'),
      attempts: positiveInt().default(2),
      cacheSize: positiveInt().default(10000),
    })
    .prefault({});

  const dnsZone = z.strictObject({
    name: domainName(),
    file: path,
  });

  const dns = z
    .strictObject({
      listen: listOf(endpoint(53)).default([]),
      workers: z
        .union([positiveInt(), z.literal('auto')], { error: (iss) => `expected a whole number of at least 1 or "auto", got ${show(iss.input)}` })
        .default('auto'),
      tcpIdleTimeout: duration().prefault('10s'),
      maxTcpConnections: positiveInt().default(1000),
      zones: listOf(dnsZone)
        .default([])
        .superRefine((zones, ctx) => {
          const seen = new Set<string>();
          zones.forEach((zone, i) => {
            if (seen.has(zone.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `zone ${zone.name} is listed twice; list each zone once` });
            seen.add(zone.name);
          });
        }),
    })
    .prefault({});

  return z.strictObject({
    hostname: domainName().prefault(osHostname()),
    dataDir: path.prefault('./var'),
    user: z.string().min(1).optional(),
    group: z.string().min(1).optional(),
    shutdownTimeout: duration().prefault('30s'),
    log,
    resolver,
    dns,
  });
}

export type Config = z.output<ReturnType<typeof buildSchema>> & { configFile: string };
