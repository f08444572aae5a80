// The admin API's view of the running Postern: the queue and the quarantine, the spool's counts, the DNS server
// and the configuration file, each reached through the service that owns it.
import type { Readable } from 'node:stream';
import type { AdminBackend, CommandReply, ZoneSummary } from '../admin/backend.ts';
import { ConfigError } from '../config/errors.ts';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import type { Resolver } from '../dns/resolver/resolver.ts';
import type { DnsService } from '../dns/server/service.ts';
import type { MailEvents } from '../log/mail-events.ts';
import { silentLogger } from '../log/logger.ts';
import { directoryReport } from './directory-report.ts';
import { mailPolicyOf, type MailService } from './mail-service.ts';

export interface AdminBackendParts {
  events: MailEvents;
  mail?: MailService;
  dns?: DnsService;
  resolver: Resolver;
  /** The configuration in force (it changes on reload). */
  config(): Config;
  reloadZones(): Promise<CommandReply>;
}

export function adminBackend(parts: AdminBackendParts): AdminBackend {
  const { mail, dns } = parts;
  return {
    events: parts.events,
    ...(mail
      ? {
          queue: (args: string[]) => mail.queueCommand(args),
          quarantine: (args: string[]) => mail.quarantineCommand(args),
          readMessage: (id: string): Readable | undefined => mail.messageBody(id),
        }
      : {}),
    queueCounts: () => mail?.queueCounts(),
    smtpConnections: () => mail?.connections(),
    dnsCounters: async () => (dns ? dns.counters() : {}),
    dnsZones: (): ZoneSummary[] =>
      parts.config().dns.zones.map((z) => ({
        name: z.name || '.',
        type: z.type,
        source: z.type === 'secondary' ? (z.primaries ?? []).map((p) => `${p.address.address}:${p.address.port}`).join(', ') : z.file!,
      })),
    dnsReload: () => parts.reloadZones(),
    directoryLookup: (address) => directoryReport(parts.config(), address),
    checkConfig: async () => {
      const file = parts.config().configFile;
      try {
        mailPolicyOf(loadConfig(file), silentLogger(), parts.resolver);
        return { ok: true, message: `${file}: configuration OK` };
      } catch (err) {
        if (err instanceof ConfigError) return { ok: false, message: `${file}: the configuration has errors`, details: err.problems };
        return { ok: false, message: `${file}: ${(err as Error).message}` };
      }
    },
  };
}
