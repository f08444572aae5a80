// The machine-readable part of a DSN: the body of message/delivery-status (RFC 3464 §2.2, §2.3),
// or of message/global-delivery-status (RFC 6533 §4), where fields may carry UTF-8.
import { rfc5322Date } from '../smtp/server/received.ts';
import type { DsnInput, DsnKind, DsnRecipient } from './dsn.ts';
import { asciiHost, cleanText, typedAddress, wrapLine } from './dsn-format.ts';

/** Header fields are folded to this width where their words allow (RFC 5322 §2.1.1). */
const FIELD_WIDTH = 78;

const ACTIONS: Record<DsnKind, string> = { failure: 'failed', delay: 'delayed', success: 'delivered', relayed: 'relayed' };
/** The status classes a kind of report may carry: a failure after retries ends on the last temporary error, as Sendmail's 4.4.7 and Postfix's expired mail do. */
const STATUS_CLASSES: Record<DsnKind, string> = { failure: '45', delay: '4', success: '2', relayed: '2' };

/**
 * The recipient's status code (RFC 3463). One that is malformed, or whose class contradicts
 * the kind of report (a 2.x.x in a failure), would make the report lie: the kind's generic code
 * stands in for it.
 */
export function reportedStatus(kind: DsnKind, recipient: DsnRecipient): string {
  const match = /^([245])\.\d{1,3}\.\d{1,3}$/.exec(recipient.status.trim());
  return match && STATUS_CLASSES[kind].includes(match[1]) ? match[0] : `${STATUS_CLASSES[kind].at(-1)}.0.0`;
}

function field(name: string, value: string): string[] {
  return wrapLine(`${name}: ${value}`, FIELD_WIDTH, ' ');
}

function perMessage(input: DsnInput, utf8: boolean): string[] {
  return [
    ...field('Reporting-MTA', `dns; ${asciiHost(input.reportingMta)}`),
    ...field('X-Postern-Queue-ID', cleanText(input.queueId, false)),
    ...field('X-Postern-Sender', typedAddress(input.sender, utf8)),
    ...(input.envid ? field('Original-Envelope-Id', cleanText(input.envid, utf8)) : []),
    ...field('Arrival-Date', rfc5322Date(input.arrivalDate)),
  ];
}

function perRecipient(kind: DsnKind, r: DsnRecipient, utf8: boolean): string[] {
  const lines = [
    ...(r.orcpt ? field('Original-Recipient', typedAddress(r.orcpt.address, utf8, r.orcpt.type)) : []),
    ...field('Final-Recipient', typedAddress(r.address, utf8)),
    ...field('Action', ACTIONS[kind]),
    ...field('Status', reportedStatus(kind, r)),
  ];
  if (r.remoteMta) lines.push(...field('Remote-MTA', `dns; ${asciiHost(r.remoteMta)}`));
  // Without a reply from a peer, the human reason is the diagnostic, as Postfix's X-Postfix type.
  if (r.diagnostic) lines.push(...field('Diagnostic-Code', `smtp; ${r.diagnostic.code} ${cleanText(r.diagnostic.text, utf8)}`));
  else if (r.reason) lines.push(...field('Diagnostic-Code', `X-Postern; ${cleanText(r.reason, utf8)}`));
  if (r.lastAttempt) lines.push(...field('Last-Attempt-Date', rfc5322Date(r.lastAttempt)));
  // RFC 3464 §2.3.9: only a delay report says how long delivery will go on.
  if (kind === 'delay' && r.willRetryUntil) lines.push(...field('Will-Retry-Until', rfc5322Date(r.willRetryUntil)));
  return lines;
}

/** The body's lines: the per-message fields, then a block per recipient, each after an empty line. */
export function deliveryStatusLines(input: DsnInput, utf8: boolean): string[] {
  return [...perMessage(input, utf8), ...input.recipients.flatMap((r) => ['', ...perRecipient(input.kind, r, utf8)])];
}
