import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeMessage } from '../../../src/dns/wire/decode.ts';
import { encodeMessage } from '../../../src/dns/wire/encode.ts';
import type { Edns, Message, ResourceRecord } from '../../../src/dns/wire/model.ts';
import { RRType } from '../../../src/dns/wire/rrtypes.ts';

const EDNS: Edns = { udpSize: 1232, extendedRcode: 0, version: 0, dnssecOk: false, options: [{ code: 10, data: Buffer.alloc(24, 1) }] };

function a(name: string, address: string): ResourceRecord {
  return { name, type: RRType.A, class: 1, ttl: 300, data: { address } };
}

function txt(name: string, length: number): ResourceRecord {
  return { name, type: RRType.TXT, class: 1, ttl: 300, data: { strings: [Buffer.alloc(length, 0x78)] } };
}

function response(parts: Partial<Message>): Message {
  return {
    id: 9,
    flags: { qr: true, opcode: 0, aa: true, tc: false, rd: true, ra: false, ad: false, cd: false, rcode: 0 },
    questions: [{ name: 'example.test', type: RRType.MX, class: 1 }],
    answers: [],
    authority: [],
    additional: [],
    ...parts,
  };
}

const mx = (exchange: string): ResourceRecord => ({
  name: 'example.test',
  type: RRType.MX,
  class: 1,
  ttl: 300,
  data: { preference: 10, exchange },
});

// Two MX targets, each with a glue RRset of three addresses and a large TXT after them.
const withGlue = response({
  answers: [mx('mx1.example.test'), mx('mx2.example.test')],
  additional: [
    a('mx1.example.test', '192.0.2.1'),
    a('mx1.example.test', '192.0.2.2'),
    a('mx1.example.test', '192.0.2.3'),
    txt('mx2.example.test', 200),
    a('mx2.example.test', '192.0.2.4'),
  ],
  edns: EDNS,
});

test('a message that fits is left whole', () => {
  const full = encodeMessage(withGlue);
  assert.deepEqual(encodeMessage(withGlue, { maxSize: full.length }), full);
});

test('additional RRsets go first, whole and from the end, without TC; OPT stays', () => {
  const full = encodeMessage(withGlue);
  const wire = encodeMessage(withGlue, { maxSize: full.length - 1 });
  assert.ok(wire.length < full.length);
  const decoded = decodeMessage(wire);
  assert.equal(decoded.flags.tc, false);
  assert.equal(decoded.answers.length, 2);
  assert.deepEqual(
    decoded.additional.map((r) => `${r.name} ${r.type}`),
    ['mx1.example.test 1', 'mx1.example.test 1', 'mx1.example.test 1', 'mx2.example.test 16'],
  );
  assert.deepEqual(decoded.edns, EDNS);

  // Room for the answers and the OPT but not for all three mx1 addresses: no additional at all.
  const answersOnly = encodeMessage(response({ answers: withGlue.answers, edns: EDNS }));
  const tight = decodeMessage(encodeMessage(withGlue, { maxSize: answersOnly.length + 40 }));
  assert.equal(tight.flags.tc, false);
  assert.deepEqual(tight.additional, [], 'an RRset is never split');
  assert.deepEqual(tight.edns, EDNS);
});

test('then answer RRsets are cut at an RRset boundary and TC is set', () => {
  const big = response({
    questions: [{ name: 'big.example.test', type: RRType.ANY, class: 1 }],
    answers: [txt('big.example.test', 200), txt('big.example.test', 190), a('big.example.test', '192.0.2.9'), txt('z.example.test', 250)],
    authority: [{ name: 'example.test', type: RRType.NS, class: 1, ttl: 300, data: { nsdname: 'ns1.example.test' } }],
    additional: [a('ns1.example.test', '192.0.2.53')],
    edns: EDNS,
  });
  const wire = encodeMessage(big, { maxSize: 512 });
  assert.ok(wire.length <= 512, `${wire.length} octets`);
  const decoded = decodeMessage(wire);
  assert.equal(decoded.flags.tc, true);
  assert.deepEqual(decoded.answers.map((r) => r.type), [RRType.TXT, RRType.TXT, RRType.A]);
  assert.deepEqual(decoded.authority, []);
  assert.deepEqual(decoded.additional, []);
  assert.deepEqual(decoded.edns, EDNS);

  const tiny = decodeMessage(encodeMessage(big, { maxSize: 100 }));
  assert.equal(tiny.flags.tc, true);
  assert.deepEqual(tiny.answers, [], 'the first RRset (two TXT) does not fit whole');
  assert.deepEqual(tiny.questions, big.questions);
  assert.deepEqual(tiny.edns, EDNS);
});

test('without EDNS the 512-octet limit applies to the whole message', () => {
  const answers = Array.from({ length: 40 }, (_, i) => a(`host${i}.example.test`, `192.0.2.${i}`));
  const wire = encodeMessage(response({ answers }), { maxSize: 512 });
  assert.ok(wire.length <= 512);
  const decoded = decodeMessage(wire);
  assert.equal(decoded.flags.tc, true);
  assert.ok(decoded.answers.length > 10 && decoded.answers.length < 40, `${decoded.answers.length} answers`);
  assert.deepEqual(decoded.answers, answers.slice(0, decoded.answers.length));
  assert.equal(decoded.edns, undefined);
});

test('with a limit, content beyond 64 KiB is truncated instead of refused', () => {
  const answers = Array.from({ length: 300 }, (_, i) => txt(`t${i}.example.test`, 250));
  const decoded = decodeMessage(encodeMessage(response({ answers, edns: EDNS }), { maxSize: 65535 }));
  assert.equal(decoded.flags.tc, true);
  assert.ok(decoded.answers.length > 200 && decoded.answers.length < 300);
  assert.deepEqual(decoded.edns, EDNS);
});
