// The recursion stage in front of the authoritative responder. It takes a query only when all
// hold: a standard query with RD set, one IN question that is a lookup (not a transfer or a
// meta type), a name outside every zone we serve, and a client the allow list admits (by its
// address, or by the TSIG key it signed with: then the answer is signed too). Anything
// else goes on to the responder, which answers our zones with authority and refuses the rest,
// so the server is never an open resolver. Plain queries whose answer is cached are answered
// synchronously from encoded responses.

import type { Logger } from '../../log/logger.ts';
import type { Requester } from '../acl.ts';
import type { KeyRing } from '../tsig/keys.ts';
import { checkRequest } from '../tsig/server.ts';
import { personalise } from '../server/answer-cache.ts';
import { udpLimit } from '../server/responder.ts';
import { Counter, type DnsCounters } from '../server/counters.ts';
import { EdnsVariant, parsePlainQuery, type PlainQuery } from '../server/plain-query.ts';
import type { Answer, QueryHandler, Transport } from '../server/transport.ts';
import { decodeMessage } from '../wire/decode.ts';
import { DEFAULT_EDNS_UDP_SIZE } from '../wire/edns.ts';
import { encodeMessage } from '../wire/encode.ts';
import { Opcode, RClass, Rcode, type Message, type Question } from '../wire/model.ts';
import { canonicalName } from '../wire/names.ts';
import { readName } from '../wire/read-name.ts';
import { RRType } from '../wire/rrtypes.ts';
import type { ZoneSet } from '../zone/store.ts';
import { EncodedAnswers } from './encoded-answers.ts';
import type { Recursor, Resolution } from './recursor.ts';

export interface RecursionStageOptions {
  recursor: Recursor;
  /** Whether a client may use recursion (dns.recursion.allow). */
  allow: (who: Requester) => boolean;
  /** TSIG keys a query may be signed with (dns.keys). */
  keys: KeyRing;
  /** The zones served now (they change on reload). */
  zones: () => ZoneSet;
  counters: DnsCounters;
  logger: Logger;
}

const HEADER = 12;
const QR = 0x80;
const RD = 0x01;
const OPCODE_MASK = 0x78;
const MAX_TCP_MESSAGE = 65535;
const ENCODED_ANSWERS = 100_000;
/** Client addresses whose allow verdict is remembered; past it the memory starts over. */
const VERDICTS = 10_000;
/** Types that are not lookups: transfers, obsolete mail types, pseudo-records. */
const NOT_LOOKUPS = new Set<number>([RRType.AXFR, RRType.IXFR, RRType.MAILA, RRType.MAILB, RRType.OPT, RRType.TSIG, RRType.TKEY]);

export class RecursionStage {
  private readonly answers = new EncodedAnswers(ENCODED_ANSWERS);
  private readonly verdicts = new Map<string, boolean>();
  private zonesSeen: ZoneSet | undefined;

  constructor(
    private readonly next: QueryHandler,
    private readonly options: RecursionStageOptions,
  ) {}

  readonly handle: QueryHandler = (query, transport, clientAddress) => {
    if (query.length < HEADER || (query[2] & (QR | OPCODE_MASK | RD)) !== RD) return this.next(query, transport, clientAddress);
    this.noticeReload();
    const plain = parsePlainQuery(query);
    if (plain !== undefined) {
      const cached = this.allowed(clientAddress) ? this.answers.answer(query, plain) : undefined;
      if (cached !== undefined && cached.length <= sizeLimit(transport, plain)) {
        this.options.counters.add(Counter.CACHE_HIT);
        return cached;
      }
      const question: Question = { name: readName(query, HEADER, false).name, type: plain.qtype, class: RClass.IN };
      if (!this.takes(question, clientAddress)) return this.next(query, transport, clientAddress);
      return this.answerPlain(query, plain, question, transport);
    }
    // A signed query is read without its TSIG; one that fails the check is the next stage's to refuse.
    const check = query[10] === 0 && query[11] === 0 ? undefined : checkRequest(query, this.options.keys);
    if (check !== undefined && check.kind !== 'unsigned' && check.kind !== 'signed') return this.next(query, transport, clientAddress);
    const signed = check?.kind === 'signed' ? check : undefined;
    let request: Message;
    try {
      request = decodeMessage(signed?.unsigned ?? query);
    } catch {
      return this.next(query, transport, clientAddress);
    }
    const [question] = request.questions;
    if (request.questions.length !== 1 || question.class !== RClass.IN || (request.edns?.version ?? 0) > 0 || !this.takes(question, clientAddress, signed?.key)) {
      return this.next(query, transport, clientAddress);
    }
    const answer = this.answerInFull(request, transport);
    return signed === undefined ? answer : answer.then((response) => signed.signer.sign(response));
  };

  /** Whether recursion is for this question and client; counts a refusal to a client outside the allow list. */
  private takes(question: Question, clientAddress: string, key?: string): boolean {
    if (NOT_LOOKUPS.has(question.type)) return false;
    if (this.options.zones().zoneFor(canonicalName(question.name), question.type === RRType.DS) !== undefined) return false;
    if (key === undefined ? this.allowed(clientAddress) : this.options.allow({ address: clientAddress, key })) return true;
    this.options.counters.add(Counter.RECURSION_REFUSED);
    return false;
  }

  private allowed(clientAddress: string): boolean {
    let verdict = this.verdicts.get(clientAddress);
    if (verdict === undefined) {
      verdict = this.options.allow({ address: clientAddress });
      if (this.verdicts.size >= VERDICTS) this.verdicts.clear();
      this.verdicts.set(clientAddress, verdict);
    }
    return verdict;
  }

  /** A reload may have made a name ours: answers cached before it are dropped. */
  private noticeReload(): void {
    const zones = this.options.zones();
    if (zones !== this.zonesSeen) {
      this.answers.clear();
      this.zonesSeen = zones;
    }
  }

  private async answerPlain(query: Buffer, plain: PlainQuery, question: Question, transport: Transport): Promise<Answer> {
    const resolution = await this.options.recursor.resolve(question.name, question.type);
    const response = responseTo(0, question, resolution, plain.edns === EdnsVariant.NONE ? undefined : plain.edns === EdnsVariant.DNSSEC_OK);
    const whole = encodeMessage(response, { maxSize: MAX_TCP_MESSAGE });
    if (resolution.rcode !== Rcode.SERVFAIL) this.answers.store(plain.key, whole);
    const limit = sizeLimit(transport, plain);
    if (whole.length <= limit) return personalise(whole, query, plain);
    response.id = query.readUInt16BE(0);
    response.flags.cd = (query[3] & 0x10) !== 0;
    return encodeMessage(response, { maxSize: limit });
  }

  private async answerInFull(request: Message, transport: Transport): Promise<Buffer> {
    const question = request.questions[0];
    const resolution = await this.options.recursor.resolve(question.name, question.type);
    const response = responseTo(request.id, question, resolution, request.edns?.dnssecOk);
    response.flags.cd = request.flags.cd;
    return encodeMessage(response, { maxSize: transport === 'tcp' ? MAX_TCP_MESSAGE : udpLimit(request.edns?.udpSize) });
  }
}

function sizeLimit(transport: Transport, plain: PlainQuery): number {
  return transport === 'tcp' ? MAX_TCP_MESSAGE : udpLimit(plain.edns === EdnsVariant.NONE ? undefined : plain.udpSize);
}

/** The response with RA set; `dnssecOk` undefined: the query had no EDNS. */
function responseTo(id: number, question: Question, resolution: Resolution, dnssecOk: boolean | undefined): Message {
  return {
    id,
    flags: { qr: true, opcode: Opcode.QUERY, aa: false, tc: false, rd: true, ra: true, ad: false, cd: false, rcode: resolution.rcode },
    questions: [question],
    answers: resolution.answer,
    authority: resolution.authority,
    additional: [],
    edns: dnssecOk === undefined ? undefined : { udpSize: DEFAULT_EDNS_UDP_SIZE, extendedRcode: 0, version: 0, dnssecOk, options: [] },
  };
}
