// The upstream recursive servers: one question at a time, over UDP with a TCP retry when
// truncated, server after server and round after round, within one time budget.

import { randomInt } from 'node:crypto';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../log/logger.ts';
import { DEFAULT_EDNS_UDP_SIZE } from '../wire/edns.ts';
import type { Message, Question } from '../wire/model.ts';
import { Opcode, Rcode } from '../wire/model.ts';
import { typeToText } from '../wire/rrtypes.ts';
import { DnsLookupError, ResolverClosedError, type LookupErrorCode } from './errors.ts';
import { ExchangeError } from './exchange-error.ts';
import type { ServerAddress } from './resolv-conf.ts';
import { tcpExchange } from './tcp-exchange.ts';
import { TRUNCATED, udpExchange } from './udp-exchange.ts';

export interface UpstreamOptions {
  servers: ServerAddress[];
  timeoutMs: number;
  attempts: number;
  logger: Logger;
  /** Aborted when the resolver closes: every exchange in flight ends. */
  signal: AbortSignal;
}

export class Upstream {
  /** Messages sent on the wire (UDP and TCP). */
  queriesSent = 0;
  private readonly servers: ServerAddress[];
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly logger: Logger;
  private readonly signal: AbortSignal;

  constructor(opts: UpstreamOptions) {
    if (opts.servers.length === 0) throw new RangeError('the resolver needs at least one server');
    for (const { address, port } of opts.servers) {
      // A host name would need a resolver to find the resolver, and replies could not be matched to it.
      if (isIP(address.replace(/%.*$/, '')) === 0) throw new RangeError(`resolver server "${address}" is not an IP address`);
      if (!Number.isInteger(port) || port < 1 || port > 0xffff) throw new RangeError(`resolver server ${address}: port ${port} is not 1..65535`);
    }
    this.servers = opts.servers.map((s) => ({ address: s.address, port: s.port }));
    this.timeoutMs = opts.timeoutMs;
    this.attempts = opts.attempts;
    this.logger = opts.logger;
    this.signal = opts.signal;
  }

  /** A NOERROR or NXDOMAIN reply from the first server that gives one, trying each server in
   *  turn for `attempts` rounds, all within timeoutMs × attempts × servers. */
  async ask(question: Question): Promise<Message> {
    const deadline = performance.now() + this.timeoutMs * this.attempts * this.servers.length;
    let failure: { code: LookupErrorCode; detail: string } | undefined;
    for (let round = 0; round < this.attempts; round++) {
      for (const server of this.servers) {
        if (performance.now() >= deadline) break;
        const peer = `${server.address}:${server.port}`;
        try {
          const reply = await this.askServer(server, question, deadline);
          const rcode = reply.flags.rcode;
          if (rcode === Rcode.NOERROR || rcode === Rcode.NXDOMAIN) return reply;
          failure = { code: failureOfRcode(rcode), detail: `${peer} answered rcode ${rcode}` };
        } catch (err) {
          if (!(err instanceof ExchangeError)) throw err;
          if (err.failure === 'ABORTED') throw new ResolverClosedError();
          // A server that says something beats one that said nothing in the final verdict.
          const code = err.failure === 'BADRESPONSE' ? 'BADRESPONSE' : 'TIMEOUT';
          if (!failure || code !== 'TIMEOUT') failure = { code, detail: err.message };
        }
        this.logger.debug({ server: peer, name: question.name, type: typeToText(question.type), failure }, 'dns server gave no usable answer');
      }
    }
    failure ??= { code: 'TIMEOUT', detail: 'no time left to ask' };
    throw new DnsLookupError(failure.code, question.name, question.type, failure.detail);
  }

  /** One server's reply: over UDP, again over TCP when truncated, and once more without
   *  EDNS when the server rejects EDNS with FORMERR (RFC 6891 §7). */
  private async askServer(server: ServerAddress, question: Question, deadline: number): Promise<Message> {
    let edns = true;
    for (;;) {
      const udpTimeout = this.tryTimeout(deadline);
      this.queriesSent++;
      const udp = await udpExchange(server, buildQuery(question, edns), udpTimeout, this.signal);
      let reply: Message;
      if (udp === TRUNCATED) {
        const tcpTimeout = this.tryTimeout(deadline);
        this.queriesSent++;
        reply = await tcpExchange(server, buildQuery(question, edns), tcpTimeout, this.signal);
      } else {
        reply = udp;
      }
      if (reply.flags.rcode !== Rcode.FORMERR || !edns) return reply;
      edns = false;
    }
  }

  private tryTimeout(deadline: number): number {
    const left = Math.floor(deadline - performance.now());
    if (left <= 0) throw new ExchangeError('TIMEOUT', 'the lookup ran out of time');
    return Math.min(this.timeoutMs, left);
  }
}

function failureOfRcode(rcode: number): LookupErrorCode {
  if (rcode === Rcode.SERVFAIL) return 'SERVFAIL';
  if (rcode === Rcode.REFUSED) return 'REFUSED';
  if (rcode === Rcode.FORMERR) return 'FORMERR';
  return 'BADRESPONSE';
}

/** RD for recursion, AD to ask for the validation verdict (RFC 6840 §5.7), a fresh
 *  random ID per message (RFC 5452), EDNS(0) with a payload size that avoids fragments. */
function buildQuery(question: Question, edns: boolean): Message {
  const query: Message = {
    id: randomInt(0, 0x10000),
    flags: { qr: false, opcode: Opcode.QUERY, aa: false, tc: false, rd: true, ra: false, ad: true, cd: false, rcode: Rcode.NOERROR },
    questions: [question],
    answers: [],
    authority: [],
    additional: [],
  };
  if (edns) query.edns = { udpSize: DEFAULT_EDNS_UDP_SIZE, extendedRcode: 0, version: 0, dnssecOk: false, options: [] };
  return query;
}
