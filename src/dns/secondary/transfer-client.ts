// A zone transfer from a primary over TCP: IXFR (RFC 1995) with our SOA in the authority
// section, or AXFR (RFC 5936). Every message is checked (ID, question, rcode, and its TSIG
// through the MessageAuth) before its records are taken.

import type { Logger } from '../../log/logger.ts';
import { decodeMessage } from '../wire/decode.ts';
import { encodeMessage } from '../wire/encode.ts';
import { Rcode, type Message, type ResourceRecord } from '../wire/model.ts';
import { canonicalName } from '../wire/names.ts';
import { RRType } from '../wire/rrtypes.ts';
import { tcpExchange, type MessageAuth, type PrimaryAddress } from './primary-exchange.ts';
import { soaQuery } from './soa-check.ts';
import { TransferError, TransferStream, type TransferResult } from './transfer-stream.ts';

/** The primary answered the transfer request with an error rcode (REFUSED, NOTAUTH, NOTIMP…). */
export class TransferRefused extends TransferError {
  constructor(
    readonly rcode: number,
    message: string,
  ) {
    super(message);
    this.name = 'TransferRefused';
  }
}

export interface TransferRequest {
  zone: string;
  /** Our SOA: asks for IXFR from its serial; absent, AXFR. */
  ourSoa?: ResourceRecord;
  auth: MessageAuth;
  idleTimeoutMs: number;
  logger?: Logger;
}

export async function transferZone(primary: PrimaryAddress, request: TransferRequest): Promise<TransferResult> {
  const query = soaQuery(request.zone, request.ourSoa === undefined ? RRType.AXFR : RRType.IXFR);
  if (request.ourSoa !== undefined) query.authority = [request.ourSoa];
  const stream = new TransferStream(request.zone, request.ourSoa === undefined ? undefined : Number(request.ourSoa.data.serial));
  let first = true;
  await tcpExchange(primary, request.auth.sign(encodeMessage(query)), (reply) => {
    request.auth.verify(reply);
    const message = decodeMessage(reply);
    checkReply(query, message, first);
    first = false;
    stream.push(message.answers);
    stream.endOfMessage();
    return stream.complete;
  }, request.idleTimeoutMs);
  return stream.outcome();
}

function checkReply(query: Message, reply: Message, first: boolean): void {
  const asked = query.questions[0];
  const type = asked.type === RRType.IXFR ? 'IXFR' : 'AXFR';
  if (reply.id !== query.id || !reply.flags.qr) throw new TransferError(`a ${type} reply with another ID or not a reply`);
  if (reply.flags.rcode !== Rcode.NOERROR) throw new TransferRefused(reply.flags.rcode, `${type} of ${asked.name || '.'} answered with rcode ${reply.flags.rcode}`);
  // RFC 5936 §2.2.1: the first message echoes the question, later ones may leave it out.
  if (reply.questions.length === 0 && !first) return;
  const q = reply.questions[0];
  if (reply.questions.length !== 1 || q.type !== asked.type || canonicalName(q.name) !== canonicalName(asked.name)) {
    throw new TransferError(`a ${type} reply for another question`);
  }
}
