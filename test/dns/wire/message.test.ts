import assert from 'node:assert/strict';
import { test } from 'node:test';
import dnsPacket from 'dns-packet';
import { decodeHeader, decodeMessage, readName } from '../../../src/dns/wire/decode.ts';
import { encodeMessage } from '../../../src/dns/wire/encode.ts';
import { WireError } from '../../../src/dns/wire/errors.ts';
import type { Message, MessageFlags, RData, ResourceRecord } from '../../../src/dns/wire/model.ts';
import { RRType, typeFromText } from '../../../src/dns/wire/rrtypes.ts';
import { rdataFromText } from '../../../src/dns/wire/text.ts';
import { ORIGIN, rdataTokens } from './samples.ts';

const NO_FLAGS: MessageFlags = { qr: false, opcode: 0, aa: false, tc: false, rd: false, ra: false, ad: false, cd: false, rcode: 0 };

function message(parts: Partial<Message>): Message {
  return { id: 0xbeef, flags: { ...NO_FLAGS }, questions: [], answers: [], authority: [], additional: [], ...parts };
}

function rr(name: string, type: string, text: string, ttl = 3600): ResourceRecord {
  const t = typeFromText(type)!;
  return { name, type: t, class: 1, ttl, data: rdataFromText(t, rdataTokens(text), ORIGIN) };
}

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('a query encodes to the octets dig sends (RFC 1035 §4.1)', () => {
  const query = message({ id: 0x1234, flags: { ...NO_FLAGS, rd: true }, questions: [{ name: 'example.com', type: RRType.A, class: 1 }] });
  assert.deepEqual(encodeMessage(query), hex('1234 0100 0001 0000 0000 0000 07 6578616d706c65 03 636f6d 00 0001 0001'));
});

test('compression: owners and RFC 1035 RDATA names point back, SRV targets stay whole', () => {
  const msg = message({
    flags: { ...NO_FLAGS, qr: true, aa: true, rd: true },
    questions: [{ name: 'example.test', type: RRType.MX, class: 1 }],
    answers: [
      rr('example.test', 'MX', '10 mail.example.test.'),
      rr('_smtp._tcp.example.test', 'SRV', '0 5 25 mail.example.test.'),
      rr('MAIL.example.test', 'A', '192.0.2.25'),
    ],
  });
  const expected = hex(`
    beef 8500 0001 0003 0000 0000
    07 6578616d706c65 04 74657374 00 000f 0001
    c00c 000f 0001 00000e10 0009 000a 04 6d61696c c00c
    05 5f736d7470 04 5f746370 c00c 0021 0001 00000e10 0019 0000 0005 0019 04 6d61696c 07 6578616d706c65 04 74657374 00
    c02c 0001 0001 00000e10 0004 c0000219`);
  const wire = encodeMessage(msg);
  assert.deepEqual(wire, expected);
  const decoded = decodeMessage(wire);
  assert.equal(decoded.answers[0].data.exchange, 'mail.example.test');
  assert.equal(decoded.answers[1].name, '_smtp._tcp.example.test');
  assert.equal(decoded.answers[2].name, 'mail.example.test', 'a pointer reuses the first spelling');
  assert.deepEqual(decoded.questions, msg.questions);
});

test('names keep their case and escapes through the wire', () => {
  const names = ['Mixed.Case.Test', 'a\\.b.example', '\\000\\255.zero', 'sp\\032ace\\"q.quote', ''];
  const msg = message({ questions: names.map((name) => ({ name, type: RRType.TXT, class: 1 })) });
  const wire = encodeMessage(msg);
  assert.deepEqual(decodeMessage(wire).questions.map((q) => q.name), names);
  assert.deepEqual(readName(wire, 12), { name: 'Mixed.Case.Test', end: 12 + 17 });
  assert.equal(wire.indexOf(Buffer.from('\x03a.b\x07example', 'latin1')) > 0, true, 'an escaped dot is an octet in the label');
});

// dns-packet (a test oracle only) encodes and decodes these types; its field names differ from ours.
const oracleCases: { type: string; text: string; packet: unknown }[] = [
  { type: 'A', text: '192.0.2.1', packet: '192.0.2.1' },
  { type: 'AAAA', text: '2001:db8::25', packet: '2001:db8::25' },
  { type: 'NS', text: 'ns1.example.test.', packet: 'ns1.example.test' },
  { type: 'CNAME', text: 'target.example.test.', packet: 'target.example.test' },
  { type: 'DNAME', text: 'other.example.', packet: 'other.example' },
  { type: 'PTR', text: 'host.example.test.', packet: 'host.example.test' },
  { type: 'MX', text: '10 mx1.example.test.', packet: { preference: 10, exchange: 'mx1.example.test' } },
  { type: 'TXT', text: '"v=spf1 -all" "two"', packet: [Buffer.from('v=spf1 -all'), Buffer.from('two')] },
  {
    type: 'SOA',
    text: 'ns1.example.test. hostmaster.example.test. 7 3600 900 604800 300',
    packet: { mname: 'ns1.example.test', rname: 'hostmaster.example.test', serial: 7, refresh: 3600, retry: 900, expire: 604800, minimum: 300 },
  },
  { type: 'SRV', text: '1 5 25 mx1.example.test.', packet: { priority: 1, weight: 5, port: 25, target: 'mx1.example.test' } },
  { type: 'HINFO', text: '"PC" "Linux"', packet: { cpu: 'PC', os: 'Linux' } },
  { type: 'CAA', text: '128 issue "ca.example"', packet: { flags: 128, tag: 'issue', value: 'ca.example', issuerCritical: true } },
  { type: 'DS', text: '60485 5 1 2BB183AF', packet: { keyTag: 60485, algorithm: 5, digestType: 1, digest: hex('2bb183af') } },
  { type: 'DNSKEY', text: '257 3 13 AwEAAb8=', packet: { flags: 257, algorithm: 13, key: Buffer.from('AwEAAb8=', 'base64') } },
  {
    type: 'RRSIG',
    text: 'MX 13 2 3600 20261231000000 20261201000000 12345 example.test. c2ln',
    packet: {
      typeCovered: 'MX',
      algorithm: 13,
      labels: 2,
      originalTTL: 3600,
      expiration: Date.UTC(2026, 11, 31) / 1000,
      inception: Date.UTC(2026, 11, 1) / 1000,
      keyTag: 12345,
      signersName: 'example.test',
      signature: Buffer.from('sig'),
    },
  },
  { type: 'NSEC', text: 'b.example.test. A MX RRSIG NSEC', packet: { nextDomain: 'b.example.test', rrtypes: ['A', 'MX', 'RRSIG', 'NSEC'] } },
  {
    type: 'NSEC3',
    text: '1 1 12 AABB 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR A RRSIG',
    packet: { algorithm: 1, flags: 1, iterations: 12, salt: hex('aabb'), nextDomain: hex('174eb2409fe28bcb4887a1836f957f0a8425e27b'), rrtypes: ['A', 'RRSIG'] },
  },
  { type: 'TLSA', text: '3 1 1 0C72AC70', packet: { usage: 3, selector: 1, matchingType: 1, certificate: hex('0c72ac70') } },
  { type: 'SSHFP', text: '4 2 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6', packet: { algorithm: 4, hash: 2, fingerprint: '0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6' } },
  {
    type: 'NAPTR',
    text: '100 10 "S" "SIP+D2U" "" _sip._udp.example.test.',
    packet: { order: 100, preference: 10, flags: 'S', services: 'SIP+D2U', regexp: '', replacement: '_sip._udp.example.test' },
  },
  { type: 'RP', text: 'admin.example.test. txt.example.test.', packet: { mbox: 'admin.example.test', txt: 'txt.example.test' } },
];

for (const c of oracleCases) {
  test(`${c.type}: dns-packet decodes our message, and we decode dns-packet's`, () => {
    const ours = rr('www.example.test', c.type, c.text, 300);
    const wire = encodeMessage(message({ flags: { ...NO_FLAGS, qr: true }, questions: [{ name: 'www.example.test', type: ours.type, class: 1 }], answers: [ours] }));
    const theirs = dnsPacket.decode(wire);
    assert.equal(theirs.answers?.length, 1);
    const answer = theirs.answers![0] as { type: string; name: string; ttl: number; data: unknown };
    assert.equal(answer.type, c.type);
    assert.equal(answer.name, 'www.example.test');
    assert.equal(answer.ttl, 300);
    assert.deepEqual(answer.data, c.packet);

    const packetWire = dnsPacket.encode({
      type: 'response',
      id: 7,
      flags: dnsPacket.AUTHORITATIVE_ANSWER,
      answers: [{ type: c.type, name: 'www.example.test', ttl: 300, class: 'IN', data: c.packet } as dnsPacket.Answer],
    });
    const decoded = decodeMessage(packetWire);
    assert.equal(decoded.flags.aa, true);
    assert.deepEqual(decoded.answers, [ours]);
  });
}

test('EDNS: OPT becomes Message.edns, and the extended rcode joins the header rcode', () => {
  const options = [{ code: 10, data: hex('0102030405060708') }];
  const msg = message({
    flags: { ...NO_FLAGS, qr: true, rcode: 16 },
    edns: { udpSize: 1232, extendedRcode: 1, version: 0, dnssecOk: true, options },
  });
  const wire = encodeMessage(msg);
  assert.equal(wire[3] & 0x0f, 0, 'BADVERS has 0 in the header…');
  assert.deepEqual(wire.subarray(12), hex('00 0029 04d0 01 00 8000 000c 000a 0008 0102030405060708'), '…and 1 in the OPT');
  assert.equal(decodeHeader(wire).arcount, 1);
  const decoded = decodeMessage(wire);
  assert.equal(decoded.flags.rcode, 16);
  assert.deepEqual(decoded.edns, msg.edns);
  assert.deepEqual(decoded.additional, []);
  const theirs = dnsPacket.decode(wire) as unknown as { additionals: { type: string; udpPayloadSize: number; flag_do: boolean }[] };
  assert.equal(theirs.additionals[0].type, 'OPT');
  assert.equal(theirs.additionals[0].udpPayloadSize, 1232);
  assert.equal(theirs.additionals[0].flag_do, true);
  assert.throws(() => encodeMessage(message({ flags: { ...NO_FLAGS, rcode: 16 } })), (e: unknown) => e instanceof WireError && e.code === 'BAD_OPT');
});

test('decodeHeader reads id, every flag and the four counts', () => {
  const header = decodeHeader(hex('abcd ffbf 0001 0002 0003 0004'));
  assert.deepEqual(header, {
    id: 0xabcd,
    flags: { qr: true, opcode: 15, aa: true, tc: true, rd: true, ra: true, ad: true, cd: true, rcode: 15 },
    qdcount: 1,
    ancount: 2,
    nscount: 3,
    arcount: 4,
  });
  const flags: MessageFlags = { qr: true, opcode: 5, aa: false, tc: false, rd: false, ra: true, ad: false, cd: true, rcode: 3 };
  assert.deepEqual(decodeHeader(encodeMessage(message({ flags }))).flags, flags);
});

test('RFC 2136 updates: class ANY and NONE records without RDATA', () => {
  const deletions: ResourceRecord[] = [
    { name: 'old.example.test', type: RRType.A, class: 255, ttl: 0, data: {} },
    { name: 'gone.example.test', type: RRType.ANY, class: 255, ttl: 0, data: {} },
    { name: 'x.example.test', type: RRType.MX, class: 254, ttl: 0, data: {} },
  ];
  const msg = message({ flags: { ...NO_FLAGS, opcode: 5 }, questions: [{ name: 'example.test', type: RRType.SOA, class: 1 }], authority: deletions });
  const decoded = decodeMessage(encodeMessage(msg));
  assert.deepEqual(decoded.authority, deletions);
  assert.equal(decoded.flags.opcode, 5);
});

test('a type without a descriptor is carried unchanged', () => {
  const data: RData = { raw: hex('00 01 02 ff') };
  const record: ResourceRecord = { name: 'x.example.test', type: 65400, class: 1, ttl: 5, data };
  const wire = encodeMessage(message({ answers: [record] }));
  assert.deepEqual(decodeMessage(wire).answers, [record]);
  assert.ok(wire.subarray(wire.length - 6).equals(hex('0004 000102ff')));
});

test('bytes after the last record are ignored as BIND does, or refused on request', () => {
  const wire = Buffer.concat([encodeMessage(message({ questions: [{ name: 'example.test', type: 1, class: 1 }] })), hex('0000')]);
  assert.equal(decodeMessage(wire).questions[0].name, 'example.test');
  assert.throws(() => decodeMessage(wire, { trailing: 'reject' }), (e: unknown) => e instanceof WireError && e.code === 'TRAILING_DATA');
});
