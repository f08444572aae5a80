// Turns a query's bytes into the response's bytes. Plain queries (see plain-query.ts) are
// answered from pre-encoded responses; everything else is decoded and answered in full. Bad
// input is dropped (no readable header, or QR set) or answered with FORMERR; nothing throws.

import type { Logger } from '../../log/logger.ts';
import { decodeMessage } from '../wire/decode.ts';
import { DEFAULT_EDNS_UDP_SIZE, EdnsOptionCode } from '../wire/edns.ts';
import { encodeMessage } from '../wire/encode.ts';
import { Opcode, RClass, Rcode, type Edns, type EdnsOption, type Message, type Question } from '../wire/model.ts';
import { readName } from '../wire/read-name.ts';
import { RRType } from '../wire/rrtypes.ts';
import { ZoneSet } from '../zone/store.ts';
import { AnswerCache, personalise } from './answer-cache.ts';
import { answerQuestion } from './authoritative.ts';
import { ServerCookies } from './cookies.ts';
import { EdnsVariant, parsePlainQuery, type PlainQuery } from './plain-query.ts';
import type { Transport } from './transport.ts';

const HEADER_LENGTH = 12;
const MIN_UDP_PAYLOAD = 512;
const MAX_TCP_MESSAGE = 65535;
const QR = 0x80;

interface Generation {
  zones: ZoneSet;
  cache: AnswerCache;
}

export class Responder {
  private generation: Generation;
  private readonly cookies = new ServerCookies();

  constructor(
    zones: ZoneSet,
    private readonly logger: Logger,
  ) {
    this.generation = { zones, cache: new AnswerCache() };
  }

  get zones(): ZoneSet {
    return this.generation.zones;
  }

  /** Serves a new set of zones from the next query on; the cached answers go with the old set. */
  swap(zones: ZoneSet): void {
    this.generation = { zones, cache: new AnswerCache() };
  }

  readonly respond = (query: Buffer, transport: Transport, clientAddress: string): Buffer | undefined => {
    if (query.length < HEADER_LENGTH || (query[2] & QR) !== 0) return undefined;
    try {
      return this.answerPlain(query, transport) ?? this.answerInFull(query, transport, clientAddress);
    } catch (err) {
      this.logger.error({ err: (err as Error).stack ?? String(err) }, 'DNS query failed unexpectedly; answered SERVFAIL');
      return headerOnlyReply(query, Rcode.SERVFAIL);
    }
  };

  private answerPlain(query: Buffer, transport: Transport): Buffer | undefined {
    const plain = parsePlainQuery(query);
    if (plain === undefined || metaQueryRcode(plain.qtype, transport) !== undefined) return undefined;
    const { zones, cache } = this.generation;
    let cached = cache.get(plain.key);
    if (cached === undefined) {
      cached = encodePlainResponse(query, plain, zones);
      cache.set(plain.key, cached);
    }
    const limit = transport === 'tcp' ? MAX_TCP_MESSAGE : udpLimit(plain.edns === EdnsVariant.NONE ? undefined : plain.udpSize);
    return cached.length <= limit ? personalise(cached, query, plain) : undefined;
  }

  private answerInFull(query: Buffer, transport: Transport, clientAddress: string): Buffer | undefined {
    let request: Message;
    try {
      request = decodeMessage(query);
    } catch {
      return headerOnlyReply(query, Rcode.FORMERR);
    }
    const response = emptyResponse(request);
    const maxSize = transport === 'tcp' ? MAX_TCP_MESSAGE : udpLimit(request.edns?.udpSize);
    const reply = (rcode: number): Buffer => {
      response.flags.rcode = rcode;
      return encodeMessage(response, { maxSize });
    };

    if (request.edns !== undefined && request.edns.version > 0) return reply(Rcode.BADVERS);
    if (request.flags.opcode !== Opcode.QUERY) return reply(Rcode.NOTIMP);
    const cookie = request.edns?.options.find((o) => o.code === EdnsOptionCode.COOKIE);
    if (cookie !== undefined) {
      const answer = this.cookies.answer(cookie.data, clientAddress);
      if (answer === undefined) return reply(Rcode.FORMERR);
      response.edns!.options.push(answer);
    }
    // RFC 7873 §5.4: a query with no question but a COOKIE asks for a server cookie.
    if (request.questions.length === 0 && cookie !== undefined) return reply(Rcode.NOERROR);
    if (request.questions.length !== 1 || request.answers.length > 0 || request.authority.length > 0) return reply(Rcode.FORMERR);

    const question = request.questions[0];
    // BIND's behaviour: only IN is served; CHAOS and the rest are refused.
    if (question.class !== RClass.IN) return reply(Rcode.REFUSED);
    const meta = metaQueryRcode(question.type, transport);
    if (meta !== undefined) return reply(meta);

    fillAnswer(response, question, this.generation.zones, request.edns?.dnssecOk === true);
    return encodeMessage(response, { maxSize });
  }
}

/** Rcodes for question types that are not lookups. Zone transfers are answered by the stage in
 *  front of the responder (zone-transfer-stage.ts); one that reaches it anyway (the responder
 *  on its own) is refused, and AXFR over UDP is malformed (RFC 5936 §4.2). */
function metaQueryRcode(qtype: number, transport: Transport): number | undefined {
  switch (qtype) {
    case RRType.AXFR:
      return transport === 'udp' ? Rcode.FORMERR : Rcode.REFUSED;
    case RRType.IXFR:
      return Rcode.REFUSED;
    case RRType.MAILA:
    case RRType.MAILB:
      return Rcode.NOTIMP;
    case RRType.OPT:
    case RRType.TSIG:
    case RRType.TKEY:
      return Rcode.FORMERR;
    default:
      return undefined;
  }
}

/** The largest UDP response for a client: its EDNS payload size, at least 512, at most ours. */
export function udpLimit(clientUdpSize: number | undefined): number {
  if (clientUdpSize === undefined) return MIN_UDP_PAYLOAD;
  return Math.min(Math.max(clientUdpSize, MIN_UDP_PAYLOAD), DEFAULT_EDNS_UDP_SIZE);
}

function ourEdns(dnssecOk: boolean, options: EdnsOption[] = []): Edns {
  return { udpSize: DEFAULT_EDNS_UDP_SIZE, extendedRcode: 0, version: 0, dnssecOk, options };
}

function emptyResponse(request: Message): Message {
  return {
    id: request.id,
    flags: { qr: true, opcode: request.flags.opcode, aa: false, tc: false, rd: request.flags.rd, ra: false, ad: false, cd: request.flags.cd, rcode: Rcode.NOERROR },
    questions: request.questions,
    answers: [],
    authority: [],
    additional: [],
    edns: request.edns === undefined ? undefined : ourEdns(request.edns.dnssecOk),
  };
}

function fillAnswer(response: Message, question: Question, zones: ZoneSet, dnssecOk: boolean): void {
  const result = answerQuestion(zones, question.name, question.type, dnssecOk);
  response.flags.rcode = result.rcode;
  response.flags.aa = result.aa;
  response.answers = result.answer;
  response.authority = result.authority;
  response.additional = result.additional;
}

/** The whole response to a plain query, untruncated, with ID 0 and RD/CD clear: personalise()
 *  makes it the answer to each query with the same key. */
function encodePlainResponse(query: Buffer, plain: PlainQuery, zones: ZoneSet): Buffer {
  const question: Question = { name: readName(query, HEADER_LENGTH, false).name, type: plain.qtype, class: RClass.IN };
  const response: Message = {
    id: 0,
    flags: { qr: true, opcode: Opcode.QUERY, aa: false, tc: false, rd: false, ra: false, ad: false, cd: false, rcode: Rcode.NOERROR },
    questions: [question],
    answers: [],
    authority: [],
    additional: [],
    edns: plain.edns === EdnsVariant.NONE ? undefined : ourEdns(plain.edns === EdnsVariant.DNSSEC_OK),
  };
  // The cache key holds the EDNS variant, so DO and non-DO answers never share an entry.
  fillAnswer(response, question, zones, plain.edns === EdnsVariant.DNSSEC_OK);
  return encodeMessage(response, { maxSize: MAX_TCP_MESSAGE });
}

/** A reply carrying only the query's header fields that can be trusted (ID, opcode, RD) and an
 *  rcode: for a query whose body cannot be read. */
function headerOnlyReply(query: Buffer, rcode: number): Buffer {
  const reply = Buffer.alloc(HEADER_LENGTH);
  reply[0] = query[0];
  reply[1] = query[1];
  reply[2] = QR | (query[2] & 0x79);
  reply[3] = rcode & 0x0f;
  return reply;
}
