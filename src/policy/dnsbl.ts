// DNSBL (RFC 5782 §2.1): the client's address against blocklist zones. Every zone is asked at
// connect, so the answers are in by RCPT, where a listed client is refused: there and not at
// connect, so that its mail to the postmaster still gets through (RFC 5321 §4.5.1).
import { isIPv4 } from 'node:net';
import type { Resolver } from '../dns/resolver/resolver.ts';
import { reverseName } from '../dns/resolver/reverse-name.ts';
import type { Logger } from '../log/logger.ts';
import type { Allowlist } from './allowlist.ts';
import { askZones, blockedVerdict, blocklistZones, type Listing } from './blocklist-lookup.ts';
import { BlocklistProblems } from './blocklist-problems.ts';
import { CONTINUE, type RcptContext, type SessionContext, type SmtpCheck, type Verdict } from './check.ts';
import { ourDomains } from './our-domains.ts';
import { unmappedAddress } from './networks.ts';
import { isPostmaster } from './postmaster.ts';

export interface BlocklistOptions {
  zones: readonly { zone: string; codes: readonly string[]; weight: number }[];
  threshold: number;
  domains: readonly string[];
  allowlist: Allowlist;
  resolver: Resolver;
  logger: Logger;
}

const PENDING = 'dnsbl:listings';

/** 1.2.0.192 for 192.0.2.1; the 32 nibbles, last first, for an IPv6 address; undefined for anything else. */
export function dnsblName(address: string): string | undefined {
  const plain = unmappedAddress(address);
  try {
    return reverseName(plain).replace(isIPv4(plain) ? /\.in-addr\.arpa$/ : /\.ip6\.arpa$/, '');
  } catch {
    return undefined;
  }
}

export function dnsblCheck(options: BlocklistOptions): SmtpCheck {
  const zones = blocklistZones(options.zones);
  const ours = ourDomains(options.domains);
  const problems = new BlocklistProblems(options.logger);
  return {
    name: 'dnsbl',
    connect(ctx: SessionContext): Verdict {
      const name = dnsblName(ctx.client.address);
      if (zones.length > 0 && name !== undefined && !options.allowlist.exemptsSession(ctx)) {
        ctx.results.set(PENDING, askZones(options.resolver, name, zones, problems));
      }
      return CONTINUE;
    },
    async rcpt(ctx: RcptContext): Promise<Verdict> {
      const pending = ctx.results.get(PENDING) as Promise<Listing[]> | undefined;
      // An AUTH after connect exempts the session from then on.
      if (pending === undefined || options.allowlist.exemptsTransaction(ctx) || isPostmaster(ctx.recipient.address, ours)) return CONTINUE;
      return blockedVerdict(await pending, options.threshold, `client [${unmappedAddress(ctx.client.address)}]`) ?? CONTINUE;
    },
  };
}
