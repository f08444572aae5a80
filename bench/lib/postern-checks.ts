// Postern as a relay with every check on, or every check off, for the "checks on vs off"
// comparison of bench/relay. Both are set up alike: the load generator is the Internet (outside
// relay.networks), mail for the recipient's domain is ours, and Postern runs its DNS server,
// which its resolver asks and caches. With the checks on, that server holds the sender's SPF and
// DMARC records and the blocklist zones; greylisting is on too, and the start-up probe (same
// sender, same recipient) passes the triplet once, as a real sender's retry does. Content
// filtering runs with its built-in rules; virus scanning is left out (no clamd in the bench).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchPostern } from './postern-launch.ts';
import type { NextHop } from './postern-relay.ts';
import type { RunningSmtpPeer, SmtpPeerSetup } from './postfix.ts';
import { freePort } from '../../test/helpers/postern-process.ts';

/** The load generator's sender domain (smtp-load.ts and smtp-source.ts send as bench@client.example.test). */
const SENDER_DOMAIN = 'client.example.test';
const BLOCKLIST = 'bl.bench.test';
const DOMAIN_BLOCKLIST = 'dbl.bench.test';

function zone(origin: string, records: string): string {
  // An hour's TTL and negative TTL: every answer, "not listed" included, is cached for the run.
  return `$ORIGIN ${origin}.\n$TTL 3600\n@ SOA ns hostmaster 1 3600 600 86400 3600\n  NS ns\nns A 127.0.0.53\n${records}\n`;
}

/** Rate limits so high that the bench never meets them: counted, never refusing. */
const MANY = 1_000_000_000;

const ALL_ON = `policy:
  auth: { enabled: true, actions: { spfFail: reject, spfSoftfail: tag, dkimFail: tag, arcFail: tag } }
  spoofing: { enabled: true }
  rateLimits: { client: { connectionsPerMinute: ${MANY}, messagesPerHour: ${MANY}, recipientsPerHour: ${MANY} }, exemptTrusted: false }
  dnsbl: { zones: [ { zone: ${BLOCKLIST} } ] }
  rhsbl: { zones: [ { zone: ${DOMAIN_BLOCKLIST} } ] }
  greylist: { enabled: true, delay: 1s }
content: { scanning: true }`;

const ALL_OFF = `policy:
  auth: { enabled: false }
  spoofing: { enabled: false }
  greylist: { enabled: false }
content: { scanning: false }`;

export type Checks = 'all-on' | 'all-off';

export async function startPosternWithChecks(checks: Checks, setup: SmtpPeerSetup, recipient: string, nextHop: NextHop, nodeOptions: string[] = []): Promise<RunningSmtpPeer> {
  mkdirSync(setup.home, { recursive: true });
  const dnsPort = await freePort();
  const domain = recipient.slice(recipient.indexOf('@') + 1);
  writeFileSync(join(setup.home, 'sender.zone'), zone(SENDER_DOMAIN, '@ TXT "v=spf1 ip4:127.0.0.0/8 -all"\n_dmarc TXT "v=DMARC1; p=reject"'));
  // Listed: 127.0.0.2 and spam.example; the load generator's address and domains are not.
  writeFileSync(join(setup.home, 'bl.zone'), zone(BLOCKLIST, '2.0.0.127 A 127.0.0.2\n2.0.0.127 TXT "listed for the bench"'));
  writeFileSync(join(setup.home, 'dbl.zone'), zone(DOMAIN_BLOCKLIST, 'spam.example A 127.0.0.2'));
  const config = join(setup.home, 'postern.yaml');
  writeFileSync(
    config,
    `hostname: bench-postern.example.test
dataDir: ${join(setup.home, 'var')}
log: { level: warn, format: json }
smtp:
  listeners: [ { address: 127.0.0.1, port: ${setup.port}, role: mta } ]
  limits: { maxConnectionsPerClient: 1000 }
domains: [ ${domain} ]
relay: { networks: [ 192.0.2.0/24 ] }   # not the load generator: it is the Internet, and every check applies to it
routes:
  ${domain}: { type: smtp, host: ${nextHop.host}, port: ${nextHop.port} }
dns:
  listen: [ "127.0.0.1:${dnsPort}" ]
  workers: 1
  zones: [ { name: ${SENDER_DOMAIN}, file: sender.zone }, { name: ${BLOCKLIST}, file: bl.zone }, { name: ${DOMAIN_BLOCKLIST}, file: dbl.zone } ]
resolver: { servers: [ "127.0.0.1:${dnsPort}" ], timeout: 1s, attempts: 1 }
${checks === 'all-on' ? ALL_ON : ALL_OFF}
`,
  );
  const peer = await launchPostern(setup, config, recipient, nodeOptions);
  return { ...peer, name: `postern-${checks}` };
}
