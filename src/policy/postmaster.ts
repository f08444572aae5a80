// Mail to the postmaster of our domains is exempt from blocklists, greylisting, anti-spoofing and
// directory checks (RFC 5321 §4.5.1: it must be accepted, so a sender can always report a problem).
// A check that finds something before RCPT (a listed client at connect, a spoofed sender at MAIL)
// therefore does not refuse there: it holds its refusal and gives it at RCPT to every recipient
// but the postmaster, as Postfix does with smtpd_delay_reject.
import { CONTINUE, type RcptContext, type SessionContext, type Verdict } from './check.ts';
import type { OurDomains } from './our-domains.ts';

/** <Postmaster>, or postmaster (any case) at one of our domains. */
export function isPostmaster(recipient: string, ours: OurDomains): boolean {
  if (recipient.toLowerCase() === 'postmaster') return true;
  const at = recipient.lastIndexOf('@');
  return at > 0 && recipient.slice(0, at).toLowerCase() === 'postmaster' && ours.hasDomain(recipient.slice(at + 1));
}

interface HeldRefusal {
  /** What the finding is about (the sender, the HELO name, the client): it holds only while that is unchanged. */
  about: string;
  verdict: Verdict;
}

/** Records (or, with no verdict, clears) the check's refusal for RCPT. Call it each time the check runs, so a finding never outlives its transaction. */
export function holdRefusal(ctx: SessionContext, check: string, about: string, verdict: Verdict | undefined): void {
  const key = heldKey(check);
  if (verdict === undefined) ctx.results.delete(key);
  else ctx.results.set(key, { about, verdict } satisfies HeldRefusal);
}

/** The refusal the check held for this RCPT, unless the recipient is the postmaster or the finding was about something else. */
export function heldRefusal(ctx: RcptContext, check: string, about: string, ours: OurDomains): Verdict {
  const held = ctx.results.get(heldKey(check)) as HeldRefusal | undefined;
  if (held === undefined || held.about !== about || isPostmaster(ctx.recipient.address, ours)) return CONTINUE;
  return held.verdict;
}

const heldKey = (check: string) => `${check}:held`;
