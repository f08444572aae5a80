// Broken, hostile and unusual messages over UDP and TCP: each is answered with the proper
// error or dropped, and the server keeps answering.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, test } from 'node:test';
import { decodeMessage } from '../../../src/dns/wire/decode.ts';
import { encodeMessage } from '../../../src/dns/wire/encode.ts';
import { Rcode, type Message } from '../../../src/dns/wire/model.ts';
import { RRType } from '../../../src/dns/wire/rrtypes.ts';
import { startTestDnsServer, tcpExchange, tcpFrame, udpExchange } from '../../helpers/dns.ts';

const FIXTURE = resolve(import.meta.dirname, '../../fixtures/zones/example.test.zone');
const { endpoint: server } = await startTestDnsServer({ after }, [{ name: 'example.test', file: FIXTURE }], { tcpIdleTimeoutMs: 500, maxTcpConnections: 3 });

function query(name: string, type: number, id = 0x1234, extra: Partial<Message> = {}): Buffer {
  return encodeMessage({
    id,
    flags: { qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, ad: false, cd: false, rcode: 0 },
    questions: [{ name, type, class: 1 }],
    answers: [],
    authority: [],
    additional: [],
    ...extra,
  });
}

/** The header of a query followed by `body`; counts as given. */
function raw(counts: [number, number, number, number], body: number[], id = 0xbeef, flags = 0x0100): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(flags, 2);
  counts.forEach((c, i) => header.writeUInt16BE(c, 4 + 2 * i));
  return Buffer.concat([header, Buffer.from(body)]);
}

const WWW = [3, ...Buffer.from('www'), 7, ...Buffer.from('example'), 4, ...Buffer.from('test'), 0];
const A_IN = [0, 1, 0, 1];

async function stillAnswers(): Promise<void> {
  const reply = await udpExchange(server, query('www.example.test', RRType.A, 0x4242));
  assert.ok(reply, 'the server answers a normal query');
  const msg = decodeMessage(reply);
  assert.equal(msg.id, 0x4242);
  assert.equal(msg.flags.rcode, Rcode.NOERROR);
  assert.deepEqual(msg.answers.map((r) => r.data.address), ['127.0.0.20']);
}

async function rcodeOf(packet: Buffer): Promise<{ id: number; rcode: number; message: Message }> {
  const reply = await udpExchange(server, packet);
  assert.ok(reply, 'expected a reply');
  const message = decodeMessage(reply);
  assert.equal(message.flags.qr, true);
  return { id: message.id, rcode: message.flags.rcode, message };
}

test('packets too short for a header, and responses (QR set), are dropped', async () => {
  for (const packet of [Buffer.alloc(0), Buffer.from([1]), Buffer.alloc(11, 0xff)]) assert.equal(await udpExchange(server, packet, 200), undefined);
  const response = query('www.example.test', RRType.A);
  response[2] |= 0x80;
  assert.equal(await udpExchange(server, response, 200), undefined);
  await stillAnswers();
});

test('a header with a broken question gets FORMERR with the query\'s ID', async () => {
  const cases: [string, Buffer][] = [
    ['question missing', raw([1, 0, 0, 0], [])],
    ['question cut short', raw([1, 0, 0, 0], WWW.slice(0, 6))],
    ['type and class missing', raw([1, 0, 0, 0], WWW)],
    ['compression pointer to itself', raw([1, 0, 0, 0], [0xc0, 12, ...A_IN])],
    ['compression pointer forward', raw([1, 0, 0, 0], [0xc0, 40, ...A_IN, ...new Array(30).fill(0)])],
    ['pointer loop through two names', raw([2, 0, 0, 0], [1, 0x61, 0xc0, 20, ...A_IN, 1, 0x62, 0xc0, 12, ...A_IN])],
    ['label length 64 (label type 01)', raw([1, 0, 0, 0], [64, ...new Array(64).fill(0x61), 0, ...A_IN])],
    ['label type 10', raw([1, 0, 0, 0], [0x80, 0, ...A_IN])],
    ['name over 255 octets', raw([1, 0, 0, 0], [...Array.from({ length: 5 }, () => [63, ...new Array(63).fill(0x61)]).flat(), 0, ...A_IN])],
    ['counts larger than the data', raw([1, 9, 9, 9], [...WWW, ...A_IN])],
    ['record rdlength past the end', raw([1, 0, 0, 1], [...WWW, ...A_IN, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 50, 1, 2])],
    ['two OPT records', raw([1, 0, 0, 2], [...WWW, ...A_IN, 0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0])],
    ['OPT not owned by the root', raw([1, 0, 0, 1], [...WWW, ...A_IN, 1, 0x61, 0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0])],
  ];
  for (const [what, packet] of cases) {
    const { id, rcode } = await rcodeOf(packet);
    assert.equal(rcode, Rcode.FORMERR, what);
    assert.equal(id, 0xbeef, what);
  }
  await stillAnswers();
});

test('question counts other than one: FORMERR, except a COOKIE-only query (RFC 7873 §5.4)', async () => {
  assert.equal((await rcodeOf(raw([2, 0, 0, 0], [...WWW, ...A_IN, ...WWW, ...A_IN]))).rcode, Rcode.FORMERR);
  assert.equal((await rcodeOf(raw([0, 0, 0, 0], []))).rcode, Rcode.FORMERR);
  const clientCookie = Buffer.from('0123456789abcdef', 'hex');
  const cookieOnly = encodeMessage({
    id: 7,
    flags: { qr: false, opcode: 0, aa: false, tc: false, rd: false, ra: false, ad: false, cd: false, rcode: 0 },
    questions: [],
    answers: [],
    authority: [],
    additional: [],
    edns: { udpSize: 1232, extendedRcode: 0, version: 0, dnssecOk: false, options: [{ code: 10, data: clientCookie }] },
  });
  const { rcode, message } = await rcodeOf(cookieOnly);
  assert.equal(rcode, Rcode.NOERROR);
  const cookie = message.edns?.options.find((o) => o.code === 10);
  assert.ok(cookie && cookie.data.length === 24 && cookie.data.subarray(0, 8).equals(clientCookie), 'client cookie echoed with a 16-octet server cookie');
});

test('a malformed COOKIE option gets FORMERR', async () => {
  const bad = query('www.example.test', RRType.A, 9, { edns: { udpSize: 1232, extendedRcode: 0, version: 0, dnssecOk: false, options: [{ code: 10, data: Buffer.alloc(5) }] } });
  assert.equal((await rcodeOf(bad)).rcode, Rcode.FORMERR);
});

test('opcodes other than QUERY get NOTIMP; answer or authority records in a query get FORMERR', async () => {
  for (const opcode of [1, 2, 3, 4, 5, 6, 15]) {
    const packet = query('www.example.test', RRType.A);
    packet[2] = (packet[2] & 0x87) | (opcode << 3);
    const { rcode, message } = await rcodeOf(packet);
    assert.equal(rcode, Rcode.NOTIMP, `opcode ${opcode}`);
    assert.equal(message.flags.opcode, opcode);
  }
  const withAnswer = query('www.example.test', RRType.A, 5, { answers: [{ name: 'www.example.test', type: 1, class: 1, ttl: 1, data: { address: '127.0.0.1' } }] });
  assert.equal((await rcodeOf(withAnswer)).rcode, Rcode.FORMERR);
});

test('meta query types: AXFR over UDP is FORMERR, IXFR REFUSED, MAILA NOTIMP, OPT FORMERR', async () => {
  assert.equal((await rcodeOf(query('example.test', RRType.AXFR))).rcode, Rcode.FORMERR);
  assert.equal((await rcodeOf(query('example.test', RRType.IXFR))).rcode, Rcode.REFUSED);
  assert.equal((await rcodeOf(query('example.test', RRType.MAILA))).rcode, Rcode.NOTIMP);
  assert.equal((await rcodeOf(query('example.test', RRType.OPT))).rcode, Rcode.FORMERR);
  const [axfrTcp] = await tcpExchange(server, tcpFrame(query('example.test', RRType.AXFR)), 1);
  assert.equal(decodeMessage(axfrTcp).flags.rcode, Rcode.REFUSED);
});

test('TCP: pipelined queries split across many segments are all answered', async () => {
  const names = ['www.example.test', 'mx1.example.test', 'nothing.example.test', 'alias.example.test', 'example.test', 'www.sub.example.test'];
  const queries = names.map((n, i) => tcpFrame(query(n, RRType.A, 100 + i)));
  const replies = await tcpExchange(server, Buffer.concat(queries), names.length, { chunks: 17 });
  assert.equal(replies.length, names.length);
  const byId = new Map(replies.map((r) => decodeMessage(r)).map((m) => [m.id, m]));
  assert.deepEqual([...byId.keys()].sort(), names.map((_, i) => 100 + i));
  assert.equal(byId.get(102)!.flags.rcode, Rcode.NXDOMAIN);
  assert.deepEqual(byId.get(100)!.answers.map((r) => r.data.address), ['127.0.0.20']);
});

test('TCP: a half-read length prefix, an empty frame and garbage frames never crash the server', async () => {
  assert.deepEqual(await tcpExchange(server, Buffer.from([0]), 1, { timeoutMs: 200 }), []);
  assert.deepEqual(await tcpExchange(server, Buffer.from([0, 40, 1, 2, 3]), 1, { timeoutMs: 200 }), []);
  const garbage = Buffer.concat([Buffer.from([0, 0]), tcpFrame(Buffer.from([1, 2, 3])), tcpFrame(raw([1, 0, 0, 0], [0xc0, 12, ...A_IN])), tcpFrame(query('www.example.test', RRType.A, 77))]);
  const replies = await tcpExchange(server, garbage, 2);
  assert.deepEqual(replies.map((r) => decodeMessage(r).flags.rcode), [Rcode.FORMERR, Rcode.NOERROR]);
  await stillAnswers();
});

test('TCP: an idle connection is closed after the idle timeout', async () => {
  const started = Date.now();
  const replies = await tcpExchange(server, tcpFrame(query('www.example.test', RRType.A, 1)), 2, { timeoutMs: 5000 });
  const elapsed = Date.now() - started;
  assert.equal(replies.length, 1);
  assert.ok(elapsed >= 400 && elapsed < 4000, `closed after ${elapsed} ms (idle timeout 500 ms)`);
});

test('TCP: connections beyond the bound are closed at once', async () => {
  const { connect } = await import('node:net');
  const open = await Promise.all(
    Array.from({ length: 3 }, () => new Promise<import('node:net').Socket>((ok) => {
      const s = connect(server.port, server.address, () => ok(s));
      s.on('error', () => undefined);
    })),
  );
  const replies = await tcpExchange(server, tcpFrame(query('www.example.test', RRType.A, 2)), 1, { timeoutMs: 1000 });
  assert.equal(replies.length, 0, 'the fourth connection is not served');
  for (const s of open) s.destroy();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal((await tcpExchange(server, tcpFrame(query('www.example.test', RRType.A, 3)), 1)).length, 1);
});
