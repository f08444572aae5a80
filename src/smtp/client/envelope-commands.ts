// MAIL and RCPT command lines with the parameters the peer understands: SIZE (RFC 1870), BODY
// (RFC 6152), SMTPUTF8 (RFC 6531), REQUIRETLS (RFC 8689: preflight has made sure the peer
// offers it), and RET/ENVID/NOTIFY/ORCPT (RFC 3461) only when it offers DSN.
import { encodeXtext } from '../server/syntax/xtext.ts';
import type { OutboundMessage, OutboundRecipient, PeerExtensions } from './types.ts';

export function mailCommand(message: OutboundMessage, ext: PeerExtensions, size: number | undefined): string {
  let line = `MAIL FROM:<${message.sender}>`;
  if (ext.size !== undefined && size !== undefined) line += ` SIZE=${size}`;
  if (ext.eightBitMime && message.body === '8bitmime') line += ' BODY=8BITMIME';
  if (ext.smtputf8 && message.smtputf8) line += ' SMTPUTF8';
  if (message.requireTls) line += ' REQUIRETLS';
  if (ext.dsn) {
    if (message.ret) line += ` RET=${message.ret.toUpperCase()}`;
    if (message.envid) line += ` ENVID=${encodeXtext(message.envid)}`;
  }
  return line;
}

export function rcptCommand(recipient: OutboundRecipient, ext: PeerExtensions): string {
  let line = `RCPT TO:<${recipient.address}>`;
  if (ext.dsn) {
    const notify = recipient.notify;
    if (notify === 'never') line += ' NOTIFY=NEVER';
    else if (notify && notify.length > 0) line += ` NOTIFY=${notify.map((n) => n.toUpperCase()).join(',')}`;
    if (recipient.orcpt) line += ` ORCPT=${recipient.orcpt.type};${encodeXtext(recipient.orcpt.address)}`;
  }
  return line;
}

/** Under DSN's RFC 3461 §5.2.2: the peer cannot pass NOTIFY=SUCCESS on, so we report "relayed". */
export function relayedWithoutDsn(recipient: OutboundRecipient, ext: PeerExtensions, protocol: 'smtp' | 'lmtp'): boolean {
  return protocol === 'smtp' && !ext.dsn && Array.isArray(recipient.notify) && recipient.notify.includes('success');
}
