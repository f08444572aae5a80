// A server's side of TSIG (RFC 8945 §5.2, §5.3): checks a request's signature and either hands
// back a signer for the answers or the error answer to send instead: BADKEY and BADSIG unsigned
// with an empty MAC, BADTIME signed and carrying our time, all with rcode NOTAUTH.

import { decodeHeader } from '../wire/decode.ts';
import { Rcode } from '../wire/model.ts';
import { readName } from '../wire/read-name.ts';
import { canonicalName } from '../wire/names.ts';
import type { KeyRing } from './keys.ts';
import { computeMac, sameMac } from './mac.ts';
import { appendTsig, findTsig, type SignedMessage } from './record.ts';
import { systemClock, TsigError, TsigSigner, type Clock } from './session.ts';

const HEADER_LENGTH = 12;
const QR = 0x80;

export type RequestCheck =
  | { kind: 'unsigned' }
  /** Verified: `unsigned` is the request without its TSIG; sign every answer with `signer`. */
  | { kind: 'signed'; key: string; unsigned: Buffer; signer: TsigSigner }
  /** Not authentic: send `reply` (NOTAUTH with the TSIG error) and nothing else. */
  | { kind: 'rejected'; error: number; key: string; reply: Buffer }
  /** The TSIG or the message around it cannot be read: FORMERR. */
  | { kind: 'malformed' };

/** Most requests: one object for them all, as EDNS queries come through here too. */
const UNSIGNED: RequestCheck = { kind: 'unsigned' };

export function checkRequest(query: Buffer, keys: KeyRing, clock: Clock = systemClock): RequestCheck {
  let found: SignedMessage | undefined;
  try {
    found = findTsig(query);
  } catch {
    return { kind: 'malformed' };
  }
  if (found === undefined) return UNSIGNED;
  const { tsig, unsigned } = found;
  const name = canonicalName(tsig.keyName);
  const key = keys.get(name);
  const unsignedReply = (error: number): RequestCheck => {
    const reply = appendTsig(errorResponse(query, unsigned), { ...tsig, keyName: name, timeSigned: clock(), mac: Buffer.alloc(0), originalId: query.readUInt16BE(0), error, otherData: Buffer.alloc(0) });
    return { kind: 'rejected', error, key: name, reply };
  };
  if (key === undefined || canonicalName(tsig.algorithm) !== key.algorithm) return unsignedReply(TsigError.BADKEY);
  if (!sameMac(computeMac(key, tsig, [unsigned], undefined, false), tsig.mac)) return unsignedReply(TsigError.BADSIG);
  const signer = new TsigSigner(key, clock, tsig.mac);
  const now = clock();
  if (Math.abs(now - tsig.timeSigned) > tsig.fudge) {
    // RFC 8945 §5.2.3: signed, the request's time echoed, ours in Other Data for the client.
    const ours = Buffer.alloc(6);
    ours.writeUIntBE(now, 0, 6);
    const reply = signer.sign(errorResponse(query, unsigned), { error: TsigError.BADTIME, otherData: ours, timeSigned: tsig.timeSigned });
    return { kind: 'rejected', error: TsigError.BADTIME, key: name, reply };
  }
  // The MAC covered the original ID; the answer goes to the ID the request arrived with (RFC 8945 §4.3.1).
  unsigned.writeUInt16BE(query.readUInt16BE(0), 0);
  return { kind: 'signed', key: name, unsigned, signer };
}

/** A NOTAUTH answer echoing the request's header and question, no records. */
function errorResponse(query: Buffer, unsigned: Buffer): Buffer {
  const header = decodeHeader(unsigned);
  let end = HEADER_LENGTH;
  for (let i = 0; i < header.qdcount; i++) end = readName(unsigned, end).end + 4;
  const reply = Buffer.from(unsigned.subarray(0, end));
  reply[0] = query[0];
  reply[1] = query[1];
  reply[2] = QR | (query[2] & 0x79);
  reply[3] = Rcode.NOTAUTH;
  reply.fill(0, 6, HEADER_LENGTH);
  return reply;
}
