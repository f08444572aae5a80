// Zone transfers out: AXFR (RFC 5936) and IXFR (RFC 1995) to the peers a zone's allowTransfer
// admits. AXFR goes over TCP only, as a run of messages of up to ~16 KiB framed by the SOA.
// IXFR: with the SOA alone when the client is current (and always over UDP, which tells it to
// come back over TCP, §2); with the differences since the client's serial when the zone's
// history (its dynamic updates) reaches back that far; else with the whole zone in AXFR form
// (RFC 1995 §4).

import type { Logger } from '../../log/logger.ts';
import { accessList, type AccessList, type AccessRule } from '../acl.ts';
import { encodeMessage, rdataToWire } from '../wire/encode.ts';
import { Opcode, Rcode, type Message, type ResourceRecord } from '../wire/model.ts';
import { canonicalName, nameWireLength } from '../wire/names.ts';
import { RRType } from '../wire/rrtypes.ts';
import { serialNewer } from '../zone/serial.ts';
import { changesSince, type Changeset } from '../zone/changeset.ts';
import type { ZoneSet } from '../zone/store.ts';
import { Counter, dnsCounters, type DnsCounters } from './counters.ts';
import type { Transport } from './transport.ts';

/** Room left in each message for the TSIG record (names up to 255 octets, a 64-octet MAC). */
const TSIG_ROOM = 600;
/** Messages of about this size: BIND and Knot use 16 KiB to 64 KiB; smaller ones cost little
 *  and keep each one well inside a TCP window. */
const MESSAGE_TARGET = 16 * 1024 - TSIG_ROOM;
/** Owner, type, class, TTL and RDLENGTH: an upper bound on a record's size beside its RDATA. */
const RECORD_FIXED = 10;

export interface TransferRequest {
  request: Message;
  transport: Transport;
  client: string;
  /** The TSIG key the request verified with. */
  key?: string;
}

/** Who may transfer which zone: allowTransfer of each zone, by apex; no entry allows nobody. */
export class TransferPolicy {
  private lists = new Map<string, AccessList>();

  /** Replaces the lists (at start and on every reload). */
  configure(zones: readonly { name: string; allowTransfer?: readonly AccessRule[] }[]): void {
    this.lists = new Map(zones.map((zone) => [canonicalName(zone.name), accessList(zone.allowTransfer ?? [])]));
  }

  allows(apex: string, who: { address: string; key?: string }): boolean {
    return this.lists.get(apex)?.(who) ?? false;
  }
}

export class ZoneTransfers {
  constructor(
    private readonly policy: TransferPolicy,
    private readonly zones: () => ZoneSet,
    private readonly logger: Logger,
    private readonly counters: DnsCounters = dnsCounters,
  ) {}

  /** The answer to an AXFR or IXFR query: one message, or the messages of the transfer. */
  answer({ request, transport, client, key }: TransferRequest): Buffer | Buffer[] {
    const question = request.questions[0]!;
    const kind = question.type === RRType.AXFR ? 'AXFR' : 'IXFR';
    const response = emptyResponse(request);
    const fail = (rcode: number): Buffer => {
      response.flags.rcode = rcode;
      return encodeMessage(response);
    };
    // RFC 5936 §4.2: AXFR is for TCP only; BIND answers it over UDP with FORMERR.
    if (kind === 'AXFR' && transport === 'udp') return fail(Rcode.FORMERR);
    if (request.questions.length !== 1 || request.answers.length > 0) return fail(Rcode.FORMERR);
    const zone = this.zones().get(question.name);
    const log = { zone: question.name || '.', client, key, kind, transport };
    if (zone === undefined || zone.apex !== canonicalName(question.name)) {
      this.logger.info(log, 'zone transfer refused: not a zone of ours');
      this.counters.add(Counter.TRANSFER_REFUSED);
      return fail(Rcode.NOTAUTH);
    }
    if (!this.policy.allows(zone.apex, { address: client, key })) {
      this.logger.info(log, 'zone transfer refused by allowTransfer');
      this.counters.add(Counter.TRANSFER_REFUSED);
      return fail(Rcode.REFUSED);
    }
    response.flags.aa = true;
    if (kind === 'IXFR') {
      const theirs = request.authority.find((rr) => rr.type === RRType.SOA);
      if (theirs === undefined) return fail(Rcode.FORMERR);
      if (transport === 'udp' || !serialNewer(zone.serial, Number(theirs.data.serial))) {
        this.logger.info({ ...log, serial: zone.serial, theirs: Number(theirs.data.serial) }, 'IXFR answered with the SOA: the client is current, or asked over UDP');
        response.answers = [zone.soa];
        return encodeMessage(response);
      }
      const changes = changesSince(zone.history, Number(theirs.data.serial));
      if (changes !== undefined) {
        const messages = transferMessages(response, differenceRecords(zone.soa, changes));
        this.counters.add(Counter.TRANSFER_OUT);
        this.logger.info({ ...log, serial: zone.serial, theirs: Number(theirs.data.serial), differences: changes.length, messages: messages.length }, 'zone transferred');
        return messages;
      }
    }
    const messages = transferMessages(response, [zone.soa, ...zone.records().filter((rr) => rr.type !== RRType.SOA), zone.soa]);
    this.counters.add(Counter.TRANSFER_OUT);
    this.logger.info({ ...log, serial: zone.serial, records: zone.recordCount, messages: messages.length }, 'zone transferred');
    return messages;
  }
}

/** RFC 1995 §4's incremental form: the new SOA, then for each step the old SOA, what went, the
 *  step's new SOA, what came; the new SOA last. */
function differenceRecords(soa: ResourceRecord, changes: readonly Changeset[]): ResourceRecord[] {
  const out: ResourceRecord[] = [soa];
  for (const change of changes) {
    const oldSoa = change.removed.find((rr) => rr.type === RRType.SOA)!;
    const newSoa = change.added.find((rr) => rr.type === RRType.SOA)!;
    out.push(oldSoa, ...change.removed.filter((rr) => rr.type !== RRType.SOA), newSoa, ...change.added.filter((rr) => rr.type !== RRType.SOA));
  }
  out.push(soa);
  return out;
}

/** A transfer's records in messages of about MESSAGE_TARGET octets; the question in the first
 *  message only (RFC 5936 §2.2). */
function transferMessages(template: Message, records: readonly ResourceRecord[]): Buffer[] {
  const messages: Buffer[] = [];
  let batch: ResourceRecord[] = [];
  let size = 0;
  const flush = (): void => {
    messages.push(encodeMessage({ ...template, questions: messages.length === 0 ? template.questions : [], answers: batch }));
    batch = [];
    size = 0;
  };
  for (const rr of records) {
    const estimate = nameWireLength(rr.name) + RECORD_FIXED + rdataToWire(rr.type, rr.data).length;
    if (batch.length > 0 && size + estimate > MESSAGE_TARGET) flush();
    batch.push(rr);
    size += estimate;
  }
  flush();
  return messages;
}

function emptyResponse(request: Message): Message {
  return {
    id: request.id,
    flags: { qr: true, opcode: Opcode.QUERY, aa: false, tc: false, rd: request.flags.rd, ra: false, ad: false, cd: false, rcode: Rcode.NOERROR },
    questions: request.questions,
    answers: [],
    authority: [],
    additional: [],
  };
}
