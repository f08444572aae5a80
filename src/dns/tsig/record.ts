// The TSIG record on the wire (RFC 8945 §4.2): found as the last record of a message, and
// appended to one. Work is on the message's bytes, since the MAC covers them as sent.

import { WireError } from '../wire/errors.ts';
import { RClass } from '../wire/model.ts';
import { readName } from '../wire/read-name.ts';
import { RRType } from '../wire/rrtypes.ts';
import { WireWriter } from '../wire/writer.ts';

const HEADER_LENGTH = 12;
const ARCOUNT_AT = 10;

export interface TsigFields {
  /** The key name, as read (compare with keyNameOf). */
  keyName: string;
  algorithm: string;
  timeSigned: number;
  fudge: number;
  mac: Buffer;
  originalId: number;
  error: number;
  otherData: Buffer;
}

export interface SignedMessage {
  tsig: TsigFields;
  /** The message as it was before signing: without the TSIG record, ARCOUNT one less and the
   *  original ID in the header, which is what the MAC covers. */
  unsigned: Buffer;
}

/** The TSIG of a message, or undefined when it has none. Throws WireError when the message is
 *  malformed or a TSIG stands anywhere but last in the additional section (RFC 8945 §5.1: FORMERR). */
export function findTsig(message: Buffer): SignedMessage | undefined {
  // Every query with EDNS comes through here: the walk reads lengths and types only, no names.
  if (message.length < HEADER_LENGTH) throw new WireError('TRUNCATED', `${message.length} octets, shorter than a header`);
  const arcount = message.readUInt16BE(ARCOUNT_AT);
  if (arcount === 0) return undefined;
  let pos = HEADER_LENGTH;
  for (let i = message.readUInt16BE(4); i > 0; i--) pos = skipName(message, pos) + 4;
  const records = message.readUInt16BE(6) + message.readUInt16BE(8) + arcount;
  let last = pos;
  let lastType = 0;
  for (let i = 0; i < records; i++) {
    last = pos;
    const end = skipName(message, pos);
    if (end + 10 > message.length) throw new WireError('TRUNCATED', `record at ${pos} cut short`);
    lastType = message.readUInt16BE(end);
    if (lastType === RRType.TSIG && i !== records - 1) throw new WireError('BAD_RDATA', 'a TSIG record that is not the last record');
    pos = end + 10 + message.readUInt16BE(end + 8);
    if (pos > message.length) throw new WireError('TRUNCATED', `RDATA at ${end + 10} runs past the data`);
  }
  if (lastType !== RRType.TSIG) return undefined;
  const tsig = readTsig(message, last, pos);
  const unsigned = Buffer.from(message.subarray(0, last));
  unsigned.writeUInt16BE(tsig.originalId, 0);
  unsigned.writeUInt16BE(arcount - 1, ARCOUNT_AT);
  return { tsig, unsigned };
}

/** The offset after the name at `pos`, read for its length only (a pointer ends it). */
function skipName(message: Buffer, pos: number): number {
  for (;;) {
    if (pos >= message.length) throw new WireError('TRUNCATED', `name at ${pos} runs past the data`);
    const length = message[pos]!;
    if (length === 0) return pos + 1;
    if ((length & 0xc0) === 0xc0) return pos + 2;
    if ((length & 0xc0) !== 0) throw new WireError('BAD_LABEL_TYPE', `label type at ${pos}`);
    pos += length + 1;
  }
}

function readTsig(message: Buffer, start: number, end: number): TsigFields {
  const owner = readName(message, start);
  if (message.readUInt16BE(owner.end + 2) !== RClass.ANY || message.readUInt32BE(owner.end + 4) !== 0) throw new WireError('BAD_RDATA', 'TSIG not of class ANY with TTL 0');
  const algorithm = readName(message, owner.end + 10, false);
  let pos = algorithm.end;
  const need = (n: number): void => {
    if (pos + n > end) throw new WireError('BAD_RDATA', 'TSIG RDATA cut short');
  };
  need(10);
  const timeSigned = message.readUIntBE(pos, 6);
  const fudge = message.readUInt16BE(pos + 6);
  const macSize = message.readUInt16BE(pos + 8);
  pos += 10;
  need(macSize + 6);
  const mac = Buffer.from(message.subarray(pos, pos + macSize));
  pos += macSize;
  const originalId = message.readUInt16BE(pos);
  const error = message.readUInt16BE(pos + 2);
  const otherSize = message.readUInt16BE(pos + 4);
  pos += 6;
  need(otherSize);
  const otherData = Buffer.from(message.subarray(pos, pos + otherSize));
  if (pos + otherSize !== end) throw new WireError('BAD_RDATA', 'octets after the TSIG RDATA');
  return { keyName: owner.name, algorithm: algorithm.name, timeSigned, fudge, mac, originalId, error, otherData };
}

const writer = new WireWriter();

/** `message` with `tsig` appended as its last record (ARCOUNT one more). Names are written in
 *  lower case and uncompressed, as they are covered by the MAC. */
export function appendTsig(message: Buffer, tsig: TsigFields): Buffer {
  const w = writer;
  w.reset();
  w.name(tsig.keyName.toLowerCase(), false);
  w.u16(RRType.TSIG);
  w.u16(RClass.ANY);
  w.u32(0);
  const lengthAt = w.pos;
  w.u16(0);
  w.name(tsig.algorithm.toLowerCase(), false);
  w.u48(tsig.timeSigned);
  w.u16(tsig.fudge);
  w.u16(tsig.mac.length);
  w.bytes(tsig.mac);
  w.u16(tsig.originalId);
  w.u16(tsig.error);
  w.u16(tsig.otherData.length);
  w.bytes(tsig.otherData);
  w.setU16(lengthAt, w.pos - lengthAt - 2);
  const out = Buffer.concat([message, w.buf.subarray(0, w.pos)]);
  out.writeUInt16BE(out.readUInt16BE(ARCOUNT_AT) + 1, ARCOUNT_AT);
  return out;
}
