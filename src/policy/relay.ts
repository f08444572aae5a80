// Relay control (RFC 5321 §7.9): mail for our domains from anyone; for any other domain only
// from trusted networks (relay.networks) or authenticated sessions. Postern is never an open relay.
import { setTimeout as sleep } from 'node:timers/promises';
import { CONTINUE, type RcptContext, type SmtpCheck, type Verdict } from './check.ts';
import { ourDomains } from './our-domains.ts';
import { isPostmaster } from './postmaster.ts';

const RELAYING_DENIED: Verdict = { kind: 'reject', code: 550, enhanced: '5.7.1', text: 'Relaying denied' };
const ACCEPT: Verdict = { kind: 'accept' };

/** policy.relay.tarpit: the first "Relaying denied" of a session waits firstDelayMs, each next one twice as long, up to maxDelayMs. */
export interface RelayTarpit {
  firstDelayMs: number;
  maxDelayMs: number;
}

export function relayCheck(options: { domains: readonly string[]; tarpit?: RelayTarpit }): SmtpCheck {
  const ours = ourDomains(options.domains);
  const { tarpit } = options;
  const denied = (ctx: RcptContext): Verdict | Promise<Verdict> => {
    if (!tarpit) return RELAYING_DENIED;
    // A relay prober pays for every address it tries, more for each; a real client that
    // mistyped one address loses a second. The count lives as long as the session.
    const earlier = (ctx.results.get('relay:denials') as number | undefined) ?? 0;
    ctx.results.set('relay:denials', earlier + 1);
    return sleep(Math.min(tarpit.firstDelayMs * 2 ** Math.min(earlier, 30), tarpit.maxDelayMs), RELAYING_DENIED);
  };
  return {
    name: 'relay',
    rcpt(ctx: RcptContext): Verdict | Promise<Verdict> {
      const address = ctx.recipient.address;
      // RFC 5321 §4.5.1: <Postmaster> and postmaster@ each of our domains are always accepted.
      if (isPostmaster(address, ours)) return ACCEPT;
      const at = address.lastIndexOf('@');
      const mayRelay = ctx.trusted || ctx.client.authUser !== undefined;
      if (mayRelay) return CONTINUE;
      if (at < 0 || !ours.hasDomain(address.slice(at + 1))) return denied(ctx);
      // user%other@ours, other!user@ours and "user@other"@ours: Postfix (allow_percent_hack,
      // swap_bangpath, quoted local parts) resolves these to the other domain and applies relay
      // control to that; we refuse them outright unless the client may relay anyway.
      if (/[%!@]/.test(address.slice(0, at))) return denied(ctx);
      return CONTINUE;
    },
  };
}
