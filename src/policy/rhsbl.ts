// RHSBL (RFC 5782 §2.2): the envelope sender's domain and the HELO name against domain
// blocklists. Asked as soon as each is known (HELO, MAIL); a listed one is refused at RCPT, so
// that mail to the postmaster still gets through (RFC 5321 §4.5.1).
import { CONTINUE, type MailContext, type RcptContext, type SessionContext, type SmtpCheck, type Verdict } from './check.ts';
import { askZones, blockedVerdict, blocklistZones, type Listing } from './blocklist-lookup.ts';
import { BlocklistProblems } from './blocklist-problems.ts';
import type { BlocklistOptions } from './dnsbl.ts';
import { asciiDomain, domainOf, ourDomains } from './our-domains.ts';
import { isPostmaster } from './postmaster.ts';

interface Asked {
  domain: string;
  listings: Promise<Listing[]>;
}

const HELO = 'rhsbl:helo';
const SENDER = 'rhsbl:sender';

/** A domain worth asking about: a name with at least two labels (no address literal, no "localhost"). */
function askableDomain(text: string): string | undefined {
  const ascii = asciiDomain(text.replace(/\.$/, ''));
  return ascii !== undefined && ascii.includes('.') ? ascii : undefined;
}

export function rhsblCheck(options: BlocklistOptions): SmtpCheck {
  const zones = blocklistZones(options.zones);
  const ours = ourDomains(options.domains);
  const problems = new BlocklistProblems(options.logger);
  const ask = (ctx: SessionContext, key: string, text: string): void => {
    const domain = askableDomain(text);
    const earlier = ctx.results.get(key) as Asked | undefined;
    if (domain === undefined) ctx.results.delete(key);
    else if (earlier?.domain !== domain) ctx.results.set(key, { domain, listings: askZones(options.resolver, domain, zones, problems) } satisfies Asked);
  };
  const verdictFor = async (ctx: RcptContext, key: string, subject: string): Promise<Verdict | undefined> => {
    const asked = ctx.results.get(key) as Asked | undefined;
    return asked && blockedVerdict(await asked.listings, options.threshold, `${subject} ${asked.domain}`);
  };
  return {
    name: 'rhsbl',
    helo(ctx: SessionContext & { helo: string }): Verdict {
      if (zones.length > 0 && !options.allowlist.exemptsSession(ctx)) ask(ctx, HELO, ctx.helo);
      return CONTINUE;
    },
    mail(ctx: MailContext): Verdict {
      if (zones.length > 0 && !options.allowlist.exemptsTransaction(ctx)) ask(ctx, SENDER, domainOf(ctx.sender));
      else ctx.results.delete(SENDER);
      return CONTINUE;
    },
    async rcpt(ctx: RcptContext): Promise<Verdict> {
      if (zones.length === 0 || options.allowlist.exemptsTransaction(ctx) || isPostmaster(ctx.recipient.address, ours)) return CONTINUE;
      return (await verdictFor(ctx, SENDER, 'sender domain')) ?? (await verdictFor(ctx, HELO, 'HELO name')) ?? CONTINUE;
    },
  };
}
