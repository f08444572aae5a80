// What we refuse ourselves before a transaction starts, because the peer cannot take it:
// a message over its SIZE (5.3.4), REQUIRETLS not offered (5.7.30), a non-ASCII address without SMTPUTF8 (5.6.7), 8-bit
// content without 8BITMIME that cannot be converted (5.6.3), or an address that is no
// address (control characters). Wording after Postfix's.
import { crlfChunks } from './body-encoding.ts';
import { planDowngrade, type DowngradePlan } from './mime-downgrade.ts';
import type { OutboundMessage, PeerExtensions } from './types.ts';

export type Refusal = { text: string; enhanced: string };

export interface Preflight {
  /** For the whole message, when set. */
  refusal?: Refusal;
  /** Per recipient (same order), for addresses the peer cannot take. */
  recipientRefusals: Array<Refusal | undefined>;
  /** Set when the message must be converted to 7-bit on the way. */
  downgrade?: DowngradePlan;
}

export class MessageReadError extends Error {}

/** The stored message's bytes; a failure to read them is told apart from a failure of the peer. */
export async function* storedMessage(message: OutboundMessage): AsyncGenerator<Buffer | string> {
  try {
    yield* message.open() as AsyncIterable<Buffer | string>;
  } catch (err) {
    throw new MessageReadError(`cannot read the queued message: ${(err as Error).message}`);
  }
}

const NON_ASCII = /[^\x00-\x7f]/;
/** An address that would end a command line early or hide another in it; our server never accepts one, this is defence in depth. */
const UNSAFE = /[\x00-\x1f\x7f<>]/;

export async function preflight(message: OutboundMessage, ext: PeerExtensions, peerName: string): Promise<Preflight> {
  const recipientRefusals: Preflight['recipientRefusals'] = message.recipients.map(() => undefined);
  if (UNSAFE.test(message.sender)) return { refusal: { enhanced: '5.1.7', text: 'bad sender address syntax' }, recipientRefusals };
  // RFC 8689 §4.2.1: after STARTTLS the peer must offer REQUIRETLS, or it gets nothing.
  if (message.requireTls && !ext.requireTls) return { refusal: { enhanced: '5.7.30', text: `REQUIRETLS support required, but was not offered by host ${peerName}` }, recipientRefusals };
  message.recipients.forEach((r, i) => {
    if (UNSAFE.test(r.address)) recipientRefusals[i] = { enhanced: '5.1.3', text: 'bad recipient address syntax' };
  });
  const utf8Refusal: Refusal = { enhanced: '5.6.7', text: `SMTPUTF8 is required, but was not offered by host ${peerName}` };
  if (!ext.smtputf8) {
    if (NON_ASCII.test(message.sender)) return { refusal: utf8Refusal, recipientRefusals };
    message.recipients.forEach((r, i) => {
      if (NON_ASCII.test(r.address)) recipientRefusals[i] ??= utf8Refusal;
    });
  }
  if (ext.size !== undefined && message.size > ext.size) {
    return { refusal: { enhanced: '5.3.4', text: `message size ${message.size} exceeds size limit ${ext.size} of server ${peerName}` }, recipientRefusals };
  }
  if (ext.eightBitMime) return { recipientRefusals };
  const plan = await planDowngrade(crlfChunks(storedMessage(message)));
  if (!plan.eightBit) return { recipientRefusals };
  if (plan.problem) {
    return {
      refusal: { enhanced: '5.6.3', text: `message has 8-bit content that cannot be converted to 7-bit for host ${peerName}, which does not offer 8BITMIME: ${plan.problem}` },
      recipientRefusals,
    };
  }
  return { recipientRefusals, downgrade: plan };
}
