// The fast path's parser: recognises the common query (opcode QUERY, one IN question with an
// uncompressed name, no other records except an option-less EDNS(0) OPT) straight from the
// bytes, without decoding the message. Anything else returns undefined and takes the full path.

import { RClass } from '../wire/model.ts';

/** How the query used EDNS; part of the cache key because it changes the response's OPT. */
export const enum EdnsVariant {
  NONE = 0,
  PLAIN = 1,
  DNSSEC_OK = 2,
}

export interface PlainQuery {
  /** Offset just after the question name (the name occupies 12..qnameEnd). */
  qnameEnd: number;
  qtype: number;
  edns: EdnsVariant;
  /** The payload size the client said it accepts (512 without EDNS). */
  udpSize: number;
  /** Cache key: qtype, EDNS variant and the lower-cased wire name. */
  key: string;
}

const HEADER = 12;
const OPT = 41;
const OPT_RR_LENGTH = 11;
const DO_BIT = 0x8000;
const scratch = Buffer.alloc(256);

export function parsePlainQuery(msg: Buffer): PlainQuery | undefined {
  const length = msg.length;
  // QR=0, opcode QUERY; exactly one question and no answer or authority records.
  if (length < HEADER + 5 || (msg[2] & 0xf8) !== 0) return undefined;
  if (msg[4] !== 0 || msg[5] !== 1 || msg[6] !== 0 || msg[7] !== 0 || msg[8] !== 0 || msg[9] !== 0 || msg[10] !== 0) return undefined;
  const additional = msg[11];
  if (additional > 1) return undefined;

  let pos = HEADER;
  for (;;) {
    if (pos >= length) return undefined;
    const labelLength = msg[pos];
    if (labelLength === 0) break;
    if (labelLength > 63 || pos + labelLength + 1 - HEADER >= 255) return undefined;
    scratch[pos - HEADER] = labelLength;
    for (let i = pos + 1, end = pos + 1 + labelLength; i < end; i++) {
      if (i >= length) return undefined;
      const c = msg[i];
      scratch[i - HEADER] = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
    }
    pos += labelLength + 1;
  }
  const qnameEnd = pos + 1;
  if (qnameEnd + 4 > length) return undefined;
  const qtype = (msg[qnameEnd] << 8) | msg[qnameEnd + 1];
  if (((msg[qnameEnd + 2] << 8) | msg[qnameEnd + 3]) !== RClass.IN) return undefined;
  pos = qnameEnd + 4;

  let edns = EdnsVariant.NONE;
  let udpSize = 512;
  if (additional === 1) {
    // An OPT owned by the root, version 0, no options, ending the message.
    if (pos + OPT_RR_LENGTH !== length || msg[pos] !== 0 || ((msg[pos + 1] << 8) | msg[pos + 2]) !== OPT) return undefined;
    if (msg[pos + 6] !== 0 || msg[pos + 9] !== 0 || msg[pos + 10] !== 0) return undefined;
    udpSize = (msg[pos + 3] << 8) | msg[pos + 4];
    edns = ((msg[pos + 7] << 8) | msg[pos + 8]) & DO_BIT ? EdnsVariant.DNSSEC_OK : EdnsVariant.PLAIN;
  } else if (pos !== length) {
    return undefined;
  }
  const key = `${qtype}/${edns}/${scratch.toString('latin1', 0, qnameEnd - HEADER - 1)}`;
  return { qnameEnd, qtype, edns, udpSize, key };
}
