// policy.submission.senderLogin: an authenticated user may send only as the addresses the
// directory gives its login, as Postfix's reject_sender_login_mismatch: the login itself, and
// any address whose mail the directory delivers to the login's mailbox (its aliases).
import { CONTINUE, type MailContext, type SmtpCheck, type Verdict } from './check.ts';
import { asciiDomain, domainOf } from './our-domains.ts';

/** The mailbox address whose mail goes to this address (itself, or the user an alias stands for); undefined when unknown. */
export type MailboxOf = (address: string) => Promise<string | undefined | 'unavailable'>;

/** Local part and domain compared without case, the domain in ASCII: "Alice@Bücher.example" is "alice@xn--bcher-kva.example". */
function comparable(address: string): string {
  const domain = domainOf(address);
  const local = address.slice(0, address.length - domain.length);
  return `${local}${asciiDomain(domain) ?? domain}`.toLowerCase();
}

export function senderLoginCheck(mailboxOf: MailboxOf): SmtpCheck {
  return {
    name: 'sender-login',
    async mail(ctx: MailContext): Promise<Verdict> {
      const login = ctx.client.authUser;
      // The null sender is a bounce or a notice, not a claim to be anyone.
      if (login === undefined || ctx.sender === '' || comparable(ctx.sender) === comparable(login)) return CONTINUE;
      const mailbox = await mailboxOf(ctx.sender);
      if (mailbox === 'unavailable') return { kind: 'defer', code: 451, enhanced: '4.4.3', text: 'Directory unavailable: cannot tell whose address this is; try again later' };
      if (mailbox !== undefined && comparable(mailbox) === comparable(login)) return CONTINUE;
      return { kind: 'reject', code: 553, enhanced: '5.7.1', text: `Sender address rejected: <${ctx.sender}> is not owned by user ${login}` };
    },
  };
}
