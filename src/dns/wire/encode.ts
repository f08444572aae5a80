// Message encoding with name compression and RFC 2181 §9 truncation.
//
// With `maxSize` (the UDP limit), a message that does not fit loses whole RRsets from the end:
// additional RRsets first (no TC: they are optional), then answer/authority RRsets, with TC
// set. The OPT record is written last and always kept. The rcode is taken from
// `flags.rcode`; its upper 8 bits go in the OPT record, so such an rcode needs `edns`.

import { WireError } from './errors.ts';
import { RClass, type Edns, type Message, type RData, type ResourceRecord } from './model.ts';
import { canonicalName } from './names.ts';
import { isEmptyRdata, writeRdata } from './rdata-encode.ts';
import { RRType } from './rrtypes.ts';
import { WireWriter } from './writer.ts';

export interface EncodeOptions {
  /** Largest message to produce; beyond it, RRsets are dropped as described above. */
  maxSize?: number;
}

const messageWriter = new WireWriter();
const rdataWriter = new WireWriter();

/** Places where the message may be cut (after the questions, after each whole RRset), as
 *  flat quadruples (offset, answers, authority, additional) reused across messages. */
const cuts: number[] = [];
const CUT_FIELDS = 4;

// Root owner (1), type, class, TTL (8) and RDLENGTH (2).
const OPT_FIXED_SIZE = 11;

function optSize(edns: Edns): number {
  let size = OPT_FIXED_SIZE;
  for (const option of edns.options) size += 4 + option.data.length;
  return size;
}

function writeRecord(w: WireWriter, rr: ResourceRecord): void {
  w.name(rr.name, true);
  w.u16(rr.type);
  w.u16(rr.class);
  w.u32(rr.ttl >>> 0);
  const lengthAt = w.pos;
  w.u16(0);
  if (isEmptyRdata(rr.data) && (rr.class === RClass.ANY || rr.class === RClass.NONE)) return;
  writeRdata(w, rr.type, rr.data, true);
  const length = w.pos - lengthAt - 2;
  if (length > 0xffff) throw new WireError('TOO_LARGE', `RDATA of ${length} octets`);
  w.setU16(lengthAt, length);
}

function sameRRset(a: ResourceRecord, b: ResourceRecord): boolean {
  return a.type === b.type && a.class === b.class && (a.name === b.name || canonicalName(a.name) === canonicalName(b.name));
}

/** Writes the records of one section, recording a cut after each RRset. Returns false when
 *  the 64 KiB limit was hit and `stopAtLimit` allowed stopping there. */
function writeSection(w: WireWriter, records: readonly ResourceRecord[], counts: number[], section: 1 | 2 | 3, stopAtLimit: boolean): boolean {
  for (let i = 0; i < records.length; i++) {
    try {
      writeRecord(w, records[i]);
    } catch (err) {
      if (stopAtLimit && err instanceof WireError && err.code === 'TOO_LARGE') return false;
      throw err;
    }
    counts[section]++;
    if (i === records.length - 1 || !sameRRset(records[i], records[i + 1])) {
      cuts.push(w.pos, counts[1], counts[2], counts[3]);
    }
  }
  return true;
}

function writeOpt(w: WireWriter, edns: Edns, rcode: number): void {
  w.u8(0);
  w.u16(RRType.OPT);
  w.u16(edns.udpSize);
  w.u8(rcode >>> 4);
  w.u8(edns.version);
  w.u16(edns.dnssecOk ? 0x8000 : 0);
  w.u16(optSize(edns) - OPT_FIXED_SIZE);
  for (const option of edns.options) {
    w.u16(option.code);
    w.u16(option.data.length);
    w.bytes(option.data);
  }
}

export function encodeMessage(msg: Message, opts: EncodeOptions = {}): Buffer {
  const w = messageWriter;
  w.reset();
  const { flags } = msg;
  if (flags.rcode > 0x0f && !msg.edns) throw new WireError('BAD_OPT', `rcode ${flags.rcode} needs an OPT record`);
  w.u16(msg.id);
  w.u8((flags.qr ? 0x80 : 0) | ((flags.opcode & 0x0f) << 3) | (flags.aa ? 0x04 : 0) | (flags.tc ? 0x02 : 0) | (flags.rd ? 0x01 : 0));
  w.u8((flags.ra ? 0x80 : 0) | (flags.ad ? 0x20 : 0) | (flags.cd ? 0x10 : 0) | (flags.rcode & 0x0f));
  w.u16(msg.questions.length);
  // The three record counts are known only after truncation: written at the end.
  w.u16(0);
  w.u16(0);
  w.u16(0);
  for (const q of msg.questions) {
    w.name(q.name, true);
    w.u16(q.type);
    w.u16(q.class);
  }
  const limited = opts.maxSize !== undefined;
  // counts[0] is unused so that the section numbers index it directly.
  const counts = [0, 0, 0, 0];
  cuts.length = 0;
  cuts.push(w.pos, 0, 0, 0);
  const complete =
    writeSection(w, msg.answers, counts, 1, limited) &&
    writeSection(w, msg.authority, counts, 2, limited) &&
    writeSection(w, msg.additional, counts, 3, limited);
  const opt = msg.edns ? optSize(msg.edns) : 0;
  let tc = flags.tc;
  let cut = cuts.length - CUT_FIELDS;
  if (!complete || (limited && cuts[cut] + opt > opts.maxSize!)) {
    const budget = limited ? opts.maxSize! : Infinity;
    while (cut > 0 && cuts[cut] + opt > budget) cut -= CUT_FIELDS;
    const requiredFit = cuts[cut + 1] === msg.answers.length && cuts[cut + 2] === msg.authority.length;
    if (!requiredFit) tc = true;
  }
  w.pos = cuts[cut];
  if (msg.edns) writeOpt(w, msg.edns, flags.rcode);
  if (tc) w.buf[2] |= 0x02;
  w.setU16(6, cuts[cut + 1]);
  w.setU16(8, cuts[cut + 2]);
  w.setU16(10, cuts[cut + 3] + (msg.edns ? 1 : 0));
  return w.result();
}

/** RDATA alone, uncompressed (for TSIG, IXFR, digests and the RFC 3597 text form). */
export function rdataToWire(type: number, data: RData): Buffer {
  const w = rdataWriter;
  w.reset();
  writeRdata(w, type, data, false);
  return w.result();
}
