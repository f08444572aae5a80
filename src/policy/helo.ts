// HELO that names us: a client outside relay.networks that greets with our host name, one of
// our domains or one of our addresses ([192.0.2.1]) is pretending to be us. The finding is held
// until RCPT, so that mail to our postmaster still gets through.
import { isIP } from 'node:net';
import { CONTINUE, type RcptContext, type SessionContext, type SmtpCheck, type Verdict } from './check.ts';
import { ourDomains } from './our-domains.ts';
import { heldRefusal, holdRefusal } from './postmaster.ts';
import { speaksForUs } from './spoofing.ts';

const NAME = 'helo';
const NOT_US: Verdict = { kind: 'reject', code: 550, enhanced: '5.7.1', text: 'Helo command rejected: you are not me' };

export interface HeloCheckOptions {
  /** Our host names (hostname, delivery.heloName). */
  names: Iterable<string>;
  /** Our domains. */
  domains: readonly string[];
  /** The addresses we receive mail on. */
  addresses: Iterable<string>;
}

/** The address inside an address literal ("[192.0.2.1]", "[IPv6:2001:db8::1]") or a bare IP, in canonical form; undefined for a name. */
function addressIn(helo: string): string | undefined {
  const inner = /^\[(?:ipv6:)?(.*)\]$/i.exec(helo)?.[1] ?? helo;
  return isIP(inner) === 0 ? undefined : canonicalIp(inner);
}

const canonicalIp = (address: string) => (isIP(address) === 6 ? new URL(`http://[${address}]/`).hostname.slice(1, -1) : address);

export function heloCheck(options: HeloCheckOptions): SmtpCheck {
  const names = ourDomains([...options.names, ...options.domains]);
  const addresses = new Set([...options.addresses].filter((a) => isIP(a) !== 0).map(canonicalIp));
  const namesUs = (helo: string) => {
    const address = addressIn(helo);
    return address === undefined ? names.hasDomain(helo.replace(/\.$/, '')) : addresses.has(address);
  };
  const ours = ourDomains(options.domains);
  return {
    name: NAME,
    helo(ctx: SessionContext & { helo: string }): Verdict {
      holdRefusal(ctx, NAME, ctx.helo, !speaksForUs(ctx) && namesUs(ctx.helo) ? NOT_US : undefined);
      return CONTINUE;
    },
    rcpt(ctx: RcptContext): Verdict {
      if (speaksForUs(ctx)) return CONTINUE;
      return heldRefusal(ctx, NAME, ctx.client.helo ?? '', ours);
    },
  };
}
