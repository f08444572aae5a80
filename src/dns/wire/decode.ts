// Message decoding (RFC 1035 §4, RFC 6891 for OPT). Every read is bounded; any malformation
// is a WireError, which a server answers with FORMERR.
//
// Bytes after the last record are ignored by default, as BIND does (it logs "message has N
// byte(s) of trailing garbage" and carries on); a caller that must not accept them (TSIG
// verification) asks for `trailing: 'reject'`.

import { WireError } from './errors.ts';
import { RClass, type Edns, type EdnsOption, type Message, type MessageFlags, type Question, type RData, type ResourceRecord } from './model.ts';
import { readRdata } from './rdata-decode.ts';
import { readName } from './read-name.ts';
import { RRType } from './rrtypes.ts';

export { readName } from './read-name.ts';

const HEADER_SIZE = 12;

export interface Header {
  id: number;
  flags: MessageFlags;
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
}

/** The fixed 12-octet header; `flags.rcode` holds only the header's 4 bits. */
export function decodeHeader(buf: Buffer): Header {
  if (buf.length < HEADER_SIZE) throw new WireError('TRUNCATED', `${buf.length} octets, shorter than a header`);
  const b2 = buf[2];
  const b3 = buf[3];
  return {
    id: (buf[0] << 8) | buf[1],
    flags: {
      qr: (b2 & 0x80) !== 0,
      opcode: (b2 >> 3) & 0x0f,
      aa: (b2 & 0x04) !== 0,
      tc: (b2 & 0x02) !== 0,
      rd: (b2 & 0x01) !== 0,
      ra: (b3 & 0x80) !== 0,
      ad: (b3 & 0x20) !== 0,
      cd: (b3 & 0x10) !== 0,
      rcode: b3 & 0x0f,
    },
    qdcount: (buf[4] << 8) | buf[5],
    ancount: (buf[6] << 8) | buf[7],
    nscount: (buf[8] << 8) | buf[9],
    arcount: (buf[10] << 8) | buf[11],
  };
}

/** RDATA on its own (no message around it, so no compression pointers). */
export function rdataFromWire(type: number, wire: Buffer): RData {
  return readRdata(wire, 0, wire.length, type, false);
}

export interface DecodeOptions {
  /** What to do with octets after the last record; 'ignore' (BIND's choice) by default. */
  trailing?: 'ignore' | 'reject';
}

interface Cursor {
  pos: number;
}

function readQuestion(buf: Buffer, cursor: Cursor): Question {
  const { name, end } = readName(buf, cursor.pos);
  if (end + 4 > buf.length) throw new WireError('TRUNCATED', `question at ${cursor.pos} cut short`);
  cursor.pos = end + 4;
  return { name, type: (buf[end] << 8) | buf[end + 1], class: (buf[end + 2] << 8) | buf[end + 3] };
}

interface RawRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  rdataStart: number;
  rdataLength: number;
}

function readRecordHeader(buf: Buffer, cursor: Cursor): RawRecord {
  const { name, end } = readName(buf, cursor.pos);
  if (end + 10 > buf.length) throw new WireError('TRUNCATED', `record at ${cursor.pos} cut short`);
  const rdataLength = (buf[end + 8] << 8) | buf[end + 9];
  const rdataStart = end + 10;
  if (rdataStart + rdataLength > buf.length) throw new WireError('TRUNCATED', `RDATA at ${rdataStart} runs past the data`);
  cursor.pos = rdataStart + rdataLength;
  return {
    name,
    type: (buf[end] << 8) | buf[end + 1],
    class: (buf[end + 2] << 8) | buf[end + 3],
    ttl: buf.readUInt32BE(end + 4),
    rdataStart,
    rdataLength,
  };
}

function readRecord(buf: Buffer, raw: RawRecord): ResourceRecord {
  // RFC 2136 §2.4/2.5: class ANY and NONE records in updates may carry no RDATA at all.
  const data =
    raw.rdataLength === 0 && (raw.class === RClass.ANY || raw.class === RClass.NONE)
      ? {}
      : readRdata(buf, raw.rdataStart, raw.rdataLength, raw.type, true);
  return { name: raw.name, type: raw.type, class: raw.class, ttl: raw.ttl, data };
}

function readEdns(buf: Buffer, raw: RawRecord): Edns {
  if (raw.name !== '') throw new WireError('BAD_OPT', `OPT owner "${raw.name}" is not the root`);
  const options: EdnsOption[] = [];
  let pos = raw.rdataStart;
  const end = raw.rdataStart + raw.rdataLength;
  while (pos < end) {
    if (pos + 4 > end) throw new WireError('BAD_OPT', 'OPT option header cut short');
    const code = (buf[pos] << 8) | buf[pos + 1];
    const length = (buf[pos + 2] << 8) | buf[pos + 3];
    if (pos + 4 + length > end) throw new WireError('BAD_OPT', `OPT option ${code} runs past the RDATA`);
    options.push({ code, data: Buffer.from(buf.subarray(pos + 4, pos + 4 + length)) });
    pos += 4 + length;
  }
  return {
    udpSize: raw.class,
    extendedRcode: raw.ttl >>> 24,
    version: (raw.ttl >>> 16) & 0xff,
    dnssecOk: (raw.ttl & 0x8000) !== 0,
    options,
  };
}

function readSection(buf: Buffer, cursor: Cursor, count: number, section: string): ResourceRecord[] {
  const records: ResourceRecord[] = [];
  for (let i = 0; i < count; i++) {
    const raw = readRecordHeader(buf, cursor);
    if (raw.type === RRType.OPT) throw new WireError('BAD_OPT', `OPT record in the ${section} section`);
    records.push(readRecord(buf, raw));
  }
  return records;
}

export function decodeMessage(buf: Buffer, options: DecodeOptions = {}): Message {
  const header = decodeHeader(buf);
  // Each question takes ≥ 5 octets and each record ≥ 11: counts the data cannot hold are
  // refused before any work (and before allocating arrays for them).
  const minimum = HEADER_SIZE + header.qdcount * 5 + (header.ancount + header.nscount + header.arcount) * 11;
  if (minimum > buf.length) throw new WireError('TRUNCATED', `counts need at least ${minimum} octets, have ${buf.length}`);
  const cursor: Cursor = { pos: HEADER_SIZE };
  const questions: Question[] = [];
  for (let i = 0; i < header.qdcount; i++) questions.push(readQuestion(buf, cursor));
  const answers = readSection(buf, cursor, header.ancount, 'answer');
  const authority = readSection(buf, cursor, header.nscount, 'authority');
  const additional: ResourceRecord[] = [];
  let edns: Edns | undefined;
  for (let i = 0; i < header.arcount; i++) {
    const raw = readRecordHeader(buf, cursor);
    if (raw.type !== RRType.OPT) additional.push(readRecord(buf, raw));
    else if (edns) throw new WireError('BAD_OPT', 'more than one OPT record');
    else edns = readEdns(buf, raw);
  }
  if (cursor.pos < buf.length && options.trailing === 'reject') {
    throw new WireError('TRAILING_DATA', `${buf.length - cursor.pos} octets after the last record`);
  }
  const flags = header.flags;
  if (edns) flags.rcode |= edns.extendedRcode << 4;
  const message: Message = { id: header.id, flags, questions, answers, authority, additional };
  if (edns) message.edns = edns;
  return message;
}
