// The human-readable first part of a DSN (RFC 3464 §2.1, RFC 6522 §3), after the shape of
// Postfix's bounce(5) templates, which users and helpdesks know: who reports, what happened,
// whom to ask, then a line per recipient with the reason.
import { rfc5322Date } from '../smtp/server/received.ts';
import type { DsnInput, DsnKind, DsnRecipient } from './dsn.ts';
import { asciiHost, cleanText, shownAddress, wrapLine } from './dsn-format.ts';
import { reportedStatus } from './dsn-report.ts';

const TEXT_WIDTH = 79;
const CONTINUATION = '    ';

const WARNING = '# THIS IS A WARNING ONLY. YOU DO NOT NEED TO RESEND YOUR MESSAGE. #';
const RULE = '#'.repeat(WARNING.length);

const FALLBACK_REASON: Record<DsnKind, string> = {
  failure: 'delivery failed',
  delay: 'delivery is delayed',
  success: 'delivered',
  relayed: 'relayed to a system that sends no delivery notifications',
};

export interface TextContext {
  utf8: boolean;
  /** Whether the third part carries the headers only, which the failure text says. */
  headersOnly: boolean;
  now: Date;
}

function elapsed(from: Date, to: Date): string {
  const minutes = Math.max(0, Math.floor((to.getTime() - from.getTime()) / 60_000));
  return minutes >= 60 ? `${Math.floor(minutes / 60)} hour(s)` : `${minutes} minute(s)`;
}

function help(host: string): string[] {
  return [
    `For further assistance, please send mail to <postmaster@${host}>.`,
    'If you do so, please include this problem report. You can',
    'delete your own text from the attached returned message.',
  ];
}

function explanation(input: DsnInput, host: string, ctx: TextContext): string[] {
  switch (input.kind) {
    case 'failure':
      return [
        "I'm sorry to have to inform you that your message could not",
        `be delivered to one or more recipients. ${ctx.headersOnly ? 'Its headers are' : "It's"} attached below.`,
        '',
        ...help(host),
      ];
    case 'delay': {
      const until = input.recipients.map((r) => r.willRetryUntil?.getTime() ?? 0).reduce((a, b) => Math.max(a, b), 0);
      return [
        RULE,
        WARNING,
        RULE,
        '',
        `Your message could not be delivered for more than ${elapsed(input.arrivalDate, ctx.now)}.`,
        ...(until > 0 ? [`The mail system will retry until ${rfc5322Date(new Date(until))}.`] : []),
        '',
        ...help(host),
      ];
    }
    case 'success':
      return [
        'Your message was successfully delivered to the destination(s)',
        'listed below. Delivered into a mailbox, it will cause no further',
        'notices; passed on to another system, it may still cause notices',
        'of delivery problems from there.',
      ];
    case 'relayed':
      return [
        'Your message was passed on to the destination(s) listed below.',
        'The systems there do not send delivery notifications, so this may',
        'be the last you hear of its delivery.',
      ];
  }
}

function reason(kind: DsnKind, r: DsnRecipient, utf8: boolean): string {
  if (r.reason) return cleanText(r.reason, utf8);
  if (r.diagnostic) {
    const said = `${r.diagnostic.code} ${cleanText(r.diagnostic.text, utf8)}`;
    return r.remoteMta ? `host ${asciiHost(r.remoteMta)} said: ${said}` : said;
  }
  return `${FALLBACK_REASON[kind]} (${reportedStatus(kind, r)})`;
}

function recipientLine(kind: DsnKind, r: DsnRecipient, utf8: boolean): string {
  const address = shownAddress(r.address, utf8);
  const original = r.orcpt ? shownAddress(r.orcpt.address, utf8) : address;
  const from = original === address ? '' : ` (originally <${original}>)`;
  return `<${address}>${from}: ${reason(kind, r, utf8)}`;
}

export function notificationLines(input: DsnInput, ctx: TextContext): string[] {
  const host = asciiHost(input.reportingMta);
  return [
    `This is the mail system at host ${host}.`,
    '',
    ...explanation(input, host, ctx),
    '',
    '                   The mail system',
    ...input.recipients.flatMap((r) => ['', ...wrapLine(recipientLine(input.kind, r, ctx.utf8), TEXT_WIDTH, CONTINUATION)]),
  ];
}
