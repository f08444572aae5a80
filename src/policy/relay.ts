// Relay control (RFC 5321 §7.9): mail for our domains from anyone; for any other domain only
// from trusted networks (relay.networks) or authenticated sessions. Postern is never an open relay.
import { domainToASCII } from 'node:url';
import { CONTINUE, type RcptContext, type SmtpCheck, type Verdict } from './check.ts';

const RELAYING_DENIED: Verdict = { kind: 'reject', code: 550, enhanced: '5.7.1', text: 'Relaying denied' };
const ACCEPT: Verdict = { kind: 'accept' };

/** Our domains compare in their ASCII (punycode) form, so a UTF-8 spelling is ours too and a look-alike is not. */
function asciiDomain(domain: string): string | undefined {
  if (domain.startsWith('[')) return undefined; // an address literal is never one of our domains
  const ascii = domainToASCII(domain);
  return ascii === '' ? undefined : ascii.toLowerCase();
}

export function relayCheck(options: { domains: readonly string[] }): SmtpCheck {
  const ours = new Set(options.domains.map((d) => d.toLowerCase()));
  return {
    name: 'relay',
    rcpt(ctx: RcptContext): Verdict {
      const address = ctx.recipient.address;
      // RFC 5321 §4.5.1: <Postmaster> and postmaster@ each of our domains are always accepted.
      if (address === 'Postmaster') return ACCEPT;
      const at = address.lastIndexOf('@');
      const localPart = address.slice(0, at);
      const domain = asciiDomain(address.slice(at + 1));
      const mayRelay = ctx.trusted || ctx.client.authUser !== undefined;
      if (domain === undefined || !ours.has(domain)) return mayRelay ? CONTINUE : RELAYING_DENIED;
      // user%other@ours, other!user@ours and "user@other"@ours: Postfix (allow_percent_hack,
      // swap_bangpath, quoted local parts) resolves these to the other domain and applies relay
      // control to that; we refuse them outright unless the client may relay anyway.
      if (/[%!@]/.test(localPart)) return mayRelay ? CONTINUE : RELAYING_DENIED;
      if (localPart.toLowerCase() === 'postmaster') return ACCEPT;
      return CONTINUE;
    },
  };
}
