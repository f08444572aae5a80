// Anti-spoofing: a client outside relay.networks that has not authenticated may not claim to be
// us. Its envelope sender (MAIL) and its header From (end of data) may not be in our domains.
// The MAIL finding is held until RCPT, so that mail to our postmaster still gets through.
import { CONTINUE, type EndOfDataContext, type EndOfDataVerdict, type MailContext, type RcptContext, type SessionContext, type SmtpCheck, type Verdict } from './check.ts';
import { parseAddressHeader } from 'mailparser';
import { readFromFields } from './header-from.ts';
import { ourDomains, type OurDomains } from './our-domains.ts';
import { heldRefusal, holdRefusal, isPostmaster } from './postmaster.ts';

const NAME = 'spoofing';
/** More From fields than this from outside is refused unread: a message has one (RFC 5322 §3.6). */
const MAX_FROM_FIELDS = 100;

/** A client that may speak for our domains: trusted network or authenticated. */
export const speaksForUs = (ctx: SessionContext) => ctx.trusted || ctx.client.authUser !== undefined;

/**
 * Every domain an address in a From value could be read as naming, display names included
 * ("boss@example.test" <x@elsewhere> is a spoof a reader falls for); read as written and with
 * comments dropped, spaces around dots and '@' closed up (obsolete syntax a reader may still
 * show as "a@example.test"). Every step is one pass: the value may be megabytes of anything.
 */
export function domainsNamedIn(fromValue: string): string[] {
  const named = new Set<string>();
  for (const text of [fromValue, withoutComments(fromValue)]) {
    for (const m of closedUp(text).matchAll(/@([^\s<>()[\]\\,;:@"]+)/g)) named.add(withoutTrailingDots(m[1]!));
  }
  return [...named];
}

/** The text outside "(…)" comments, nested ones included. */
function withoutComments(text: string): string {
  const kept: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') {
      if (depth++ === 0) kept.push(text.slice(from, i));
    } else if (c === ')' && depth > 0 && --depth === 0) from = i + 1;
  }
  if (depth === 0) kept.push(text.slice(from));
  return kept.join('');
}

/** Runs of white space closed up where they touch a '.' or an '@'. */
function closedUp(text: string): string {
  const words = text.split(/\s+/);
  const out: string[] = [words[0]!];
  for (let i = 1; i < words.length; i++) {
    const touches = /[.@]$/.test(words[i - 1]!) || /^[.@]/.test(words[i]!);
    out.push(touches ? '' : ' ', words[i]!);
  }
  return out.join('');
}

function withoutTrailingDots(domain: string): string {
  let end = domain.length;
  while (end > 0 && domain[end - 1] === '.') end--;
  return domain.slice(0, end);
}

/** The From value as a mail reader shows it, RFC 2047 encoded words decoded ("=?utf-8?q?ceo=40example.test?=" is an address to a reader); '' when there are none. */
function decodedWords(fromValue: string): string {
  return fromValue.includes('=?') ? parseAddressHeader(fromValue).text : '';
}

export function spoofingCheck(options: { domains: readonly string[] }): SmtpCheck {
  const ours: OurDomains = ourDomains(options.domains);
  return {
    name: NAME,
    mail(ctx: MailContext): Verdict {
      const spoofed = !speaksForUs(ctx) && ours.hasAddress(ctx.sender);
      holdRefusal(ctx, NAME, ctx.sender, spoofed ? { kind: 'reject', code: 550, enhanced: '5.7.1', text: `Sender address rejected: <${ctx.sender}> is in our domain; send it through authenticated submission` } : undefined);
      return CONTINUE;
    },
    rcpt(ctx: RcptContext): Verdict {
      return heldRefusal(ctx, NAME, ctx.sender, ours);
    },
    async endOfData(ctx: EndOfDataContext): Promise<EndOfDataVerdict> {
      if (speaksForUs(ctx)) return CONTINUE;
      // A message only to our postmaster is exempt; one copy for the postmaster cannot exempt the others.
      if (ctx.recipients.every((r) => isPostmaster(r.address, ours))) return CONTINUE;
      const fromFields = await readFromFields(await ctx.readMessage());
      // RFC 5322 allows one From field. Thousands would each cost a parse, and no honest sender writes them.
      if (fromFields.length > MAX_FROM_FIELDS) return { kind: 'reject', code: 550, enhanced: '5.7.1', text: `Header From rejected: ${fromFields.length} From fields (RFC 5322 allows one)` };
      for (const value of fromFields) {
        const domain = [...domainsNamedIn(value), ...domainsNamedIn(decodedWords(value))].find((d) => ours.hasDomain(d));
        if (domain !== undefined) return { kind: 'reject', code: 550, enhanced: '5.7.1', text: `Header From rejected: ${domain} is our domain; send it through authenticated submission` };
      }
      return CONTINUE;
    },
  };
}
