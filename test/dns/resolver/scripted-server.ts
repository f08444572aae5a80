// A small DNS responder for resolver tests: a real UDP socket on 127.0.0.1 (and, when asked,
// a TCP listener on the same port) whose replies a test writes itself (wrong IDs, wrong
// questions, FORMERR to EDNS, truncation, silence...).

import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { createServer } from 'node:net';
import type { TestContext } from 'node:test';
import { decodeMessage } from '../../../src/dns/wire/decode.ts';
import { encodeMessage } from '../../../src/dns/wire/encode.ts';
import type { Message, ResourceRecord } from '../../../src/dns/wire/model.ts';

export interface ReceivedQuery {
  query: Message;
  from: RemoteInfo;
}

/** What to send back for a query: datagrams, in order; none for silence. */
export type Script = (query: Message, from: RemoteInfo, socket: Socket) => (Message | Buffer)[];

/** The one reply to a query over TCP. */
export type TcpScript = (query: Message) => Message | Buffer;

export interface ScriptedServer {
  address: string;
  port: number;
  received: ReceivedQuery[];
  receivedOverTcp: Message[];
}

export async function startScriptedServer(t: Pick<TestContext, 'after'>, script: Script, tcpScript?: TcpScript): Promise<ScriptedServer> {
  const socket = createSocket('udp4');
  const received: ReceivedQuery[] = [];
  socket.on('message', (datagram, from) => {
    const query = decodeMessage(datagram);
    received.push({ query, from });
    for (const reply of script(query, from, socket)) {
      socket.send(Buffer.isBuffer(reply) ? reply : encodeMessage(reply), from.port, from.address);
    }
  });
  await new Promise<void>((done) => socket.bind(0, '127.0.0.1', done));
  t.after(() => new Promise<void>((done) => socket.close(() => done())));
  const port = socket.address().port;
  const receivedOverTcp: Message[] = [];
  if (tcpScript) {
    const listener = createServer((connection) => {
      let data = Buffer.alloc(0);
      connection.on('data', (chunk: Buffer) => {
        data = Buffer.concat([data, chunk]);
        if (data.length < 2 || data.length < 2 + data.readUInt16BE(0)) return;
        const query = decodeMessage(data.subarray(2, 2 + data.readUInt16BE(0)));
        receivedOverTcp.push(query);
        const reply = tcpScript(query);
        const wire = Buffer.isBuffer(reply) ? reply : encodeMessage(reply);
        const length = Buffer.alloc(2);
        length.writeUInt16BE(wire.length);
        connection.end(Buffer.concat([length, wire]));
      });
      connection.on('error', () => {});
    });
    await new Promise<void>((done, fail) => {
      listener.once('error', fail);
      listener.listen(port, '127.0.0.1', done);
    });
    t.after(() => new Promise<void>((done) => listener.close(() => done())));
  }
  return { address: '127.0.0.1', port, received, receivedOverTcp };
}

/** A reply to `query` with the given answers and flags (an echo of the question, QR set). */
export function replyTo(query: Message, answers: ResourceRecord[], flags: Partial<Message['flags']> = {}, authority: ResourceRecord[] = []): Message {
  return {
    id: query.id,
    flags: { ...query.flags, qr: true, ra: true, ad: false, ...flags },
    questions: query.questions,
    answers,
    authority,
    additional: [],
    ...(query.edns ? { edns: { udpSize: 1232, extendedRcode: 0, version: 0, dnssecOk: false, options: [] } } : {}),
  };
}

export const a = (name: string, address: string, ttl = 300): ResourceRecord => ({ name, type: 1, class: 1, ttl, data: { address } });
