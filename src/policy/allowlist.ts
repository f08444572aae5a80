// Who the blocklists and greylisting never hold back: trusted clients (relay.networks),
// authenticated ones, and what policy.allowlist names (client networks, sender domains).
import type { MailContext, SessionContext } from './check.ts';
import { networkMatcher } from './networks.ts';
import { asciiDomain, domainOf } from './our-domains.ts';

export interface Allowlist {
  /** True for a trusted or authenticated session, or a client in an allowlisted network. */
  exemptsSession(ctx: SessionContext): boolean;
  /** exemptsSession, or the envelope sender's domain (or a parent of it) is allowlisted. */
  exemptsTransaction(ctx: MailContext): boolean;
}

export function allowlist(options: { networks: readonly string[]; domains: readonly string[] }): Allowlist {
  const inNetworks = networkMatcher(options.networks);
  const domains = new Set(options.domains);
  const coversDomain = (domain: string): boolean => {
    const labels = asciiDomain(domain)?.split('.') ?? [];
    return labels.some((_, i) => domains.has(labels.slice(i).join('.')));
  };
  const exemptsSession = (ctx: SessionContext) => ctx.trusted || ctx.client.authUser !== undefined || inNetworks(ctx.client.address);
  return {
    exemptsSession,
    exemptsTransaction: (ctx) => exemptsSession(ctx) || (ctx.sender !== '' && coversDomain(domainOf(ctx.sender))),
  };
}
