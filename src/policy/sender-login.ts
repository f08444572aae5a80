// policy.submission.senderLogin: an authenticated user may send only as the addresses the
// directory gives its login (its own and its aliases), as Postfix's reject_sender_login_mismatch.
import { CONTINUE, type MailContext, type SmtpCheck, type Verdict } from './check.ts';
import { asciiDomain, domainOf } from './our-domains.ts';

/** The addresses a login may send as; an empty list when the directory does not know it. */
export type SenderAddresses = (login: string) => Promise<readonly string[]>;

/** Local part and domain compared without case, the domain in ASCII: "Alice@Bücher.example" is "alice@xn--bcher-kva.example". */
function comparable(address: string): string {
  const domain = domainOf(address);
  const local = address.slice(0, address.length - domain.length);
  return `${local}${asciiDomain(domain) ?? domain}`.toLowerCase();
}

export function senderLoginCheck(addressesOf: SenderAddresses): SmtpCheck {
  return {
    name: 'sender-login',
    async mail(ctx: MailContext): Promise<Verdict> {
      const login = ctx.client.authUser;
      // The null sender is a bounce or a notice, not a claim to be anyone.
      if (login === undefined || ctx.sender === '') return CONTINUE;
      const sender = comparable(ctx.sender);
      const owned = await addressesOf(login);
      if (owned.some((a) => comparable(a) === sender)) return CONTINUE;
      return { kind: 'reject', code: 553, enhanced: '5.7.1', text: `Sender address rejected: <${ctx.sender}> is not owned by user ${login}` };
    },
  };
}
