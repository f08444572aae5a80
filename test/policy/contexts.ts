// Check contexts as the SMTP engine builds them, for calling one check's hooks directly. One
// session's contexts share its results bag, so a finding at MAIL is seen at RCPT.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import type { EndOfDataContext, MailContext, RcptContext, SessionContext } from '../../src/policy/check.ts';

export interface Client {
  address?: string;
  trusted?: boolean;
  authUser?: string;
  helo?: string;
}

export function session(client: Client = {}): SessionContext {
  return {
    client: { address: client.address ?? '192.0.2.99', port: 40000, listener: 'mta', authUser: client.authUser, helo: client.helo },
    trusted: client.trusted ?? false,
    results: new Map(),
  };
}

export const mail = (s: SessionContext, sender: string): MailContext => ({ ...s, sender, params: { body: '7bit', smtputf8: true, requireTls: false } });

export const rcpt = (m: MailContext, recipient: string): RcptContext => ({ ...m, recipient: { address: recipient }, accepted: [] });

/** The end of data of a message given as text (CRLF line ends), read in small pieces. */
export function endOfData(m: MailContext, recipients: string[], message: string): EndOfDataContext {
  const bytes = Buffer.from(message);
  return {
    ...m,
    recipients: recipients.map((address) => ({ address })),
    size: bytes.length,
    readMessage: async () => Readable.from(Array.from({ length: Math.ceil(bytes.length / 1000) }, (_, i) => bytes.subarray(i * 1000, (i + 1) * 1000))),
    addHeader: () => assert.fail('not expected'),
    replaceMessage: async () => assert.fail('not expected'),
  };
}
