// The stage in front of the responder for what needs more than the zones: TSIG-signed queries
// (verified, answered, the answers signed; a bad signature answered as RFC 8945 says) and zone
// transfers, which need the client's address and key for allowTransfer. Unsigned queries that
// are not transfers pass straight through, read no further than the question's type.

import type { Logger } from '../../log/logger.ts';
import { decodeMessage } from '../wire/decode.ts';
import { readName } from '../wire/read-name.ts';
import { udpLimit } from './responder.ts';
import { Rcode } from '../wire/model.ts';
import { RRType } from '../wire/rrtypes.ts';
import type { KeyRing } from '../tsig/keys.ts';
import { checkRequest } from '../tsig/server.ts';
import { systemClock, type Clock, type TsigSigner } from '../tsig/session.ts';
import type { Answer, Transport } from './transport.ts';
import type { ZoneTransfers } from './zone-transfer.ts';

const HEADER_LENGTH = 12;
const QR = 0x80;
const TC = 0x02;
const MAX_TCP_MESSAGE = 65535;

export type SyncResponder = (query: Buffer, transport: Transport, client: string) => Buffer | undefined;

export interface TransferStageOptions {
  transfers: ZoneTransfers;
  keys: KeyRing;
  logger: Logger;
  clock?: Clock;
}

export function withTransfersAndTsig(respond: SyncResponder, options: TransferStageOptions): (query: Buffer, transport: Transport, client: string) => Answer {
  const { transfers, keys, logger } = options;
  const clock = options.clock ?? systemClock;

  const answer = (query: Buffer, transport: Transport, client: string, key?: string): Answer => {
    const qtype = questionType(query);
    if (qtype !== RRType.AXFR && qtype !== RRType.IXFR) return respond(query, transport, client);
    try {
      return transfers.answer({ request: decodeMessage(query), transport, client, key });
    } catch {
      return headerReply(query, Rcode.FORMERR);
    }
  };

  const handle = (query: Buffer, transport: Transport, client: string): Answer => {
    if (query[10] === 0 && query[11] === 0) return answer(query, transport, client);
    const check = checkRequest(query, keys, clock);
    switch (check.kind) {
      case 'unsigned':
        return answer(query, transport, client);
      case 'malformed':
        return headerReply(query, Rcode.FORMERR);
      case 'rejected':
        logger.info({ client, key: check.key, tsigError: check.error }, 'TSIG check failed; answered NOTAUTH');
        return check.reply;
      case 'signed': {
        const answered = answer(check.unsigned, transport, client, check.key);
        return signAll(Buffer.isBuffer(answered) ? fitForSignature(answered, check.unsigned, check.signer.overhead, transport) : answered, check.signer);
      }
    }
  };

  return (query, transport, client) => {
    if (query.length < HEADER_LENGTH || (query[2]! & QR) !== 0) return respond(query, transport, client);
    try {
      return handle(query, transport, client);
    } catch (err) {
      logger.error({ err: (err as Error).stack ?? String(err), client }, 'DNS transfer or signed query failed unexpectedly; answered SERVFAIL');
      return headerReply(query, Rcode.SERVFAIL);
    }
  };
}

function signAll(answer: Answer, signer: TsigSigner): Answer {
  if (answer === undefined) return undefined;
  if (Array.isArray(answer)) return answer.map((message) => signer.sign(message));
  return signer.sign(answer);
}

/** RFC 8945 §5.3: an answer that would not fit the client's UDP limit (or a TCP message) with
 *  its TSIG goes as the question alone with TC set (over UDP the client retries over TCP), so
 *  the TSIG always fits. */
function fitForSignature(reply: Buffer, query: Buffer, overhead: number, transport: Transport): Buffer {
  if (reply.length + overhead <= (transport === 'tcp' ? MAX_TCP_MESSAGE : udpLimitOf(query)) || reply.length < HEADER_LENGTH) return reply;
  let end = HEADER_LENGTH;
  for (let i = reply.readUInt16BE(4); i > 0; i--) end = readName(reply, end).end + 4;
  const truncated = Buffer.from(reply.subarray(0, end));
  truncated[2]! |= TC;
  truncated.fill(0, 6, HEADER_LENGTH);
  return truncated;
}

function udpLimitOf(query: Buffer): number {
  try {
    return udpLimit(decodeMessage(query).edns?.udpSize);
  } catch {
    return udpLimit(undefined);
  }
}

/** The type of the first question, read without decoding the name; undefined when there is none. */
function questionType(query: Buffer): number | undefined {
  if (query[4] === 0 && query[5] === 0) return undefined;
  let pos = HEADER_LENGTH;
  while (pos < query.length && query[pos] !== 0) {
    if (query[pos]! >= 0xc0) return undefined;
    pos += query[pos]! + 1;
  }
  return pos + 2 < query.length ? query.readUInt16BE(pos + 1) : undefined;
}

/** A reply of the header alone: FORMERR for a request whose TSIG, or whose body around it,
 *  cannot be read; SERVFAIL for a failure of ours. */
function headerReply(query: Buffer, rcode: number): Buffer {
  const reply = Buffer.alloc(HEADER_LENGTH);
  query.copy(reply, 0, 0, 3);
  reply[2] = QR | (query[2]! & 0x79);
  reply[3] = rcode;
  return reply;
}
