// Delivery Status Notifications: the message the queue manager sends back to the envelope
// sender when delivery failed, is delayed, or succeeded and was asked about (RFC 3461). It is a
// multipart/report (RFC 6522) of three parts: text for people, message/delivery-status for
// programs (RFC 3464), and the original or its headers; for mail that came with SMTPUTF8, the
// message/global-* types of RFC 6533. The report goes out from the null sender: that is the
// queue manager's part, as is choosing which recipients and notices NOTIFY asked for.
import { randomBytes } from 'node:crypto';
import { rfc5322Date } from '../smtp/server/received.ts';
import { asciiHost, cleanText, isAscii } from './dsn-format.ts';
import { returnedOriginal, type ReturnedOriginal } from './dsn-original.ts';
import { deliveryStatusLines } from './dsn-report.ts';
import { notificationLines } from './dsn-text.ts';

export type DsnKind = 'failure' | 'delay' | 'success' | 'relayed'; // RFC 3464 actions: failed, delayed, delivered, relayed

export interface DsnRecipient {
  /** The final recipient. */
  address: string;
  /** RFC 3461 ORCPT, decoded: becomes Original-Recipient. */
  orcpt?: { type: string; address: string };
  /** Enhanced status code (RFC 3463), e.g. "5.1.1". */
  status: string;
  /** The remote reply: Diagnostic-Code: smtp; 550 5.1.1 ... */
  diagnostic?: { code: number; text: string };
  /** Host name of the peer: Remote-MTA: dns; mx.example.net */
  remoteMta?: string;
  lastAttempt?: Date;
  /** Delay DSNs only. */
  willRetryUntil?: Date;
  /** Human text for the first part, e.g. "host mx.example.net[192.0.2.1] said: 550 5.1.1 no such user (in reply to RCPT TO command)". */
  reason?: string;
}

export interface DsnInput {
  kind: DsnKind;
  /** Our host name: Reporting-MTA: dns; mx.example.test */
  reportingMta: string;
  /** X-Postern-Queue-ID */
  queueId: string;
  /** The original envelope sender, whom the DSN goes to. Never empty: nothing is sent back to the null sender (RFC 5321 §4.5.5). */
  sender: string;
  /** RFC 3461 ENVID, decoded: Original-Envelope-Id. */
  envid?: string;
  /** RFC 3461 RET. Unset, a failure returns the whole message and other kinds the headers, as Postfix does. */
  ret?: 'full' | 'hdrs';
  arrivalDate: Date;
  /** All of the same kind. */
  recipients: DsnRecipient[];
  /** The original came with SMTPUTF8: the report uses message/global-delivery-status and message/global(-headers). */
  smtputf8?: boolean;
  /** The stored original message (CRLF line endings). It is consumed: read as far as needed, then destroyed. */
  original: NodeJS.ReadableStream;
  /** Larger originals are returned as headers only; Postfix's bounce_size_limit. */
  maxOriginalBytes?: number;
  now?: Date;
}

const CRLF = '\r\n';
const DEFAULT_MAX_ORIGINAL = 50_000;

const SUBJECTS: Record<DsnKind, string> = {
  failure: 'Undelivered Mail Returned to Sender',
  delay: 'Delayed Mail (still being retried)',
  success: 'Successful Mail Delivery Report',
  relayed: 'Mail Delivery Status Report',
};

interface Part {
  headers: string[];
  body: Buffer;
  eightBit: boolean;
}

function textPart(description: string, type: string, lines: string[]): Part {
  const text = lines.join(CRLF) + CRLF;
  const ascii = isAscii(text);
  const charset = type === 'text/plain' ? `; charset=${ascii ? 'us-ascii' : 'utf-8'}` : '';
  return {
    headers: [`Content-Description: ${description}`, `Content-Type: ${type}${charset}`, ...(ascii ? [] : ['Content-Transfer-Encoding: 8bit'])],
    body: Buffer.from(text, 'utf8'),
    eightBit: !ascii,
  };
}

function originalPart(kind: DsnKind, original: ReturnedOriginal, utf8: boolean): Part {
  const undelivered = kind === 'failure' || kind === 'delay' ? 'Undelivered ' : '';
  const type = utf8 ? (original.headersOnly ? 'message/global-headers' : 'message/global') : original.headersOnly ? 'text/rfc822-headers' : 'message/rfc822';
  return {
    headers: [
      `Content-Description: ${undelivered}Message${original.headersOnly ? ' Headers' : ''}`,
      `Content-Type: ${type}`,
      ...(original.eightBit ? ['Content-Transfer-Encoding: 8bit'] : []),
    ],
    body: original.content,
    eightBit: original.eightBit,
  };
}

/** A boundary that no part contains at the start of a line (RFC 2046 §5.1.1); random, so in practice the first one. */
function boundaryFor(parts: Part[]): string {
  for (;;) {
    const boundary = `=_postern_${randomBytes(18).toString('hex')}`;
    if (!parts.some((p) => p.body.includes(`--${boundary}`))) return boundary;
  }
}

/** The report's header section, but for its Content-Transfer-Encoding, which depends on the parts. */
function messageHeaders(input: DsnInput, original: ReturnedOriginal, boundary: string, now: Date): string[] {
  const host = asciiHost(input.reportingMta);
  const id = `<${cleanText(input.queueId, false).replace(/[^A-Za-z0-9]/g, '')}.${now.getTime().toString(36)}.${randomBytes(6).toString('hex')}@${host}>`;
  return [
    `From: MAILER-DAEMON@${host} (Mail Delivery System)`,
    `To: <${cleanText(input.sender, true)}>`,
    `Subject: ${SUBJECTS[input.kind]}`,
    `Date: ${rfc5322Date(now)}`,
    `Message-ID: ${id}`,
    // The original's Message-ID threads the report with the message in the sender's mail reader.
    ...(original.messageId ? [`In-Reply-To: ${original.messageId}`, `References: ${original.messageId}`] : []),
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status;',
    `\tboundary="${boundary}"`,
  ];
}

/** A complete RFC 5322 message with CRLF line endings only and no line over 998 octets. */
export async function buildDsn(input: DsnInput): Promise<Buffer> {
  if (input.sender === '') throw new Error('no DSN is sent to the null sender');
  if (input.recipients.length === 0) throw new Error('a DSN needs at least one recipient');
  const utf8 = input.smtputf8 === true;
  const now = input.now ?? new Date();
  const wantHeadersOnly = input.ret === 'hdrs' || (input.ret === undefined && input.kind !== 'failure');
  const original = await returnedOriginal(input.original, wantHeadersOnly, input.maxOriginalBytes ?? DEFAULT_MAX_ORIGINAL);

  const parts = [
    textPart('Notification', 'text/plain', notificationLines(input, { utf8, headersOnly: original.headersOnly, now })),
    textPart('Delivery report', utf8 ? 'message/global-delivery-status' : 'message/delivery-status', deliveryStatusLines(input, utf8)),
    originalPart(input.kind, original, utf8),
  ];
  const boundary = boundaryFor(parts);
  const headers = messageHeaders(input, original, boundary, now);
  // A UTF-8 sender in To: (RFC 6532) or any 8-bit part makes the whole report 8bit.
  const eightBit = !isAscii(headers.join('')) || parts.some((p) => p.eightBit);
  headers.push(`Content-Transfer-Encoding: ${eightBit ? '8bit' : '7bit'}`);
  const out: Buffer[] = [Buffer.from(`${headers.join(CRLF)}${CRLF}${CRLF}This is a MIME-encapsulated message.${CRLF}`)];
  for (const part of parts) {
    out.push(Buffer.from(`${CRLF}--${boundary}${CRLF}${part.headers.join(CRLF)}${CRLF}${CRLF}`), part.body);
  }
  out.push(Buffer.from(`${CRLF}--${boundary}--${CRLF}`));
  return Buffer.concat(out);
}
