// What Postern would do with mail to an address: whether RCPT is accepted, what the address
// expands to, where each resulting recipient is delivered, and which backend (and entry) said
// so. Asks the configured backends directly: no cache. Shared by `postern directory lookup` and
// the admin API's /api/directory/lookup.
import type { Config } from '../config/schema.ts';
import { deliveryRoute } from '../config/sections/routes.ts';
import { openDirectory } from '../directory/directory.ts';
import { expandAddress, type Expansion, type ExpansionStep } from '../directory/expansion.ts';
import { relayHostTarget } from '../delivery/queue-manager.ts';
import { destinationKey } from '../delivery/smtp-transport.ts';
import { silentLogger } from '../log/logger.ts';
import { domainOf, ourDomains } from '../policy/our-domains.ts';
import { isPostmaster } from '../policy/postmaster.ts';

export interface DirectoryReport {
  address: string;
  /** What RCPT would be answered. */
  rcpt: string;
  steps: ExpansionStep[];
  recipients: Array<{ address: string; mailHost?: string; destination: string }>;
}

export async function directoryReport(config: Config, address: string): Promise<DirectoryReport> {
  const ours = ourDomains(config.domains);
  const base = { address, steps: [], recipients: [] };
  if (!ours.hasAddress(address)) return { ...base, rcpt: `not looked up: ${domainOf(address) || 'no domain'} is not one of our domains (relay control decides)` };
  const directory = openDirectory(config.directory, { configFile: config.configFile, logger: silentLogger(), cache: false });
  if (!directory) return { ...base, rcpt: '250 accepted: no directory.backends, so every address of our domains is' };
  try {
    const expansion = await expandAddress(address, { lookup: (a) => directory.lookup(a), isOurs: ours.hasAddress, ...config.directory.expansion });
    const postmaster = isPostmaster(address, ours) && expansion.kind !== 'ok';
    return {
      address,
      rcpt: postmaster ? '250 accepted: the postmaster always is (RFC 5321 §4.5.1)' : rcptAnswer(expansion),
      steps: expansion.steps,
      recipients: expansion.kind !== 'ok' ? [] : expansion.recipients.map((r) => ({ ...r, destination: destinationOf(config, r.address, r.mailHost) })),
    };
  } finally {
    await directory.close();
  }
}

function rcptAnswer(expansion: Expansion): string {
  switch (expansion.kind) {
    case 'ok':
      return `250 accepted: ${expansion.recipients.length} recipient${expansion.recipients.length === 1 ? '' : 's'}`;
    case 'unknown':
      return `550 5.1.1 User unknown (asked: ${expansion.source})`;
    case 'unavailable':
      return `451 4.4.3 Directory temporarily unavailable: ${expansion.reason} (${expansion.source})`;
    case 'too many':
      return `550 5.2.4 Mailing list expansion problem: more than ${expansion.limit} recipients (directory.expansion.maxRecipients)`;
    case 'empty':
      return '550 5.4.6 expands to no recipient (an alias loop or an empty list)';
  }
}

function destinationOf(config: Config, address: string, mailHost: string | undefined): string {
  const domain = domainOf(address).toLowerCase();
  const route = deliveryRoute(config.routes, domain);
  const target = mailHost === undefined ? undefined : relayHostTarget(route, mailHost);
  if (target) return `${destinationKey(target)} (mailHost)`;
  switch (route.type) {
    case 'smtp':
      return `smtp:${route.host}:${route.port} (route of ${domain})`;
    case 'lmtp':
      return `${route.socket === undefined ? `lmtp:${route.host}:${route.port}` : `lmtp:${route.socket}`} (route of ${domain})`;
    case 'maildir':
      return `maildir ${route.path} (route of ${domain})`;
    case 'mx':
      return `MX of ${domain}`;
    default:
      return `${route.type} (route of ${domain})`;
  }
}
