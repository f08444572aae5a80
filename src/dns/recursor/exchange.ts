// One iterative question to one authoritative server: RD clear, a random ID (RFC 5452), a
// socket of its own on an OS-chosen random port, TCP when the UDP reply is truncated, and once
// more without EDNS when the server rejects EDNS with FORMERR (RFC 6891 §7).

import { randomInt } from 'node:crypto';
import { tcpExchange } from '../resolver/tcp-exchange.ts';
import { TRUNCATED, udpExchange } from '../resolver/udp-exchange.ts';
import type { ServerAddress } from '../resolver/resolv-conf.ts';
import { DEFAULT_EDNS_UDP_SIZE } from '../wire/edns.ts';
import { Opcode, Rcode, type Message, type Question } from '../wire/model.ts';

export async function askServer(server: ServerAddress, question: Question, timeoutMs: number, signal: AbortSignal, onSend: () => void): Promise<Message> {
  const ask = async (edns: boolean): Promise<Message> => {
    onSend();
    const udp = await udpExchange(server, iterativeQuery(question, edns), timeoutMs, signal);
    if (udp !== TRUNCATED) return udp;
    onSend();
    return tcpExchange(server, iterativeQuery(question, edns), timeoutMs, signal);
  };
  const reply = await ask(true);
  return reply.flags.rcode === Rcode.FORMERR ? ask(false) : reply;
}

function iterativeQuery(question: Question, edns: boolean): Message {
  return {
    id: randomInt(0, 0x10000),
    flags: { qr: false, opcode: Opcode.QUERY, aa: false, tc: false, rd: false, ra: false, ad: false, cd: false, rcode: Rcode.NOERROR },
    questions: [question],
    answers: [],
    authority: [],
    additional: [],
    edns: edns ? { udpSize: DEFAULT_EDNS_UDP_SIZE, extendedRcode: 0, version: 0, dnssecOk: false, options: [] } : undefined,
  };
}
