import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeMessage, rdataFromWire } from '../../../src/dns/wire/decode.ts';
import { encodeMessage, rdataToWire } from '../../../src/dns/wire/encode.ts';
import { WireError, type WireErrorCode } from '../../../src/dns/wire/errors.ts';
import type { Message, ResourceRecord } from '../../../src/dns/wire/model.ts';
import { RRType } from '../../../src/dns/wire/rrtypes.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function header(qd: number, an: number, ns: number, ar: number): string {
  const u16 = (n: number): string => n.toString(16).padStart(4, '0');
  return `1234 0100 ${u16(qd)} ${u16(an)} ${u16(ns)} ${u16(ar)}`;
}

// example.test. as labels, and the question for it (type A, class IN)
const EXAMPLE = '07 6578616d706c65 04 74657374 00';
const QUESTION = `${EXAMPLE} 0001 0001`;

function failsWith(code: WireErrorCode, run: () => unknown, why: string): void {
  assert.throws(run, (err: unknown) => {
    assert.ok(err instanceof WireError, `${why}: ${String(err)}`);
    assert.equal(err.code, code, `${why}: ${err.message}`);
    return true;
  });
}

const decode = (s: string) => () => decodeMessage(hex(s));

test('TRUNCATED: short header, counts beyond the data, names and RDATA past the end', () => {
  failsWith('TRUNCATED', decode('1234 0100 0001'), 'an 6-octet header');
  failsWith('TRUNCATED', decode(header(1, 0, 0, 0)), 'a question counted but absent');
  failsWith('TRUNCATED', decode(`${header(1, 65535, 0, 0)} ${QUESTION}`), 'huge counts are refused before any work');
  failsWith('TRUNCATED', decode(`${header(1, 0, 0, 0)} 07 6578616d 0001 0001`), 'a label longer than the data');
  failsWith('TRUNCATED', decode(`${header(1, 0, 0, 0)} ${EXAMPLE} 0001`), 'a question without its class');
  failsWith('TRUNCATED', decode(`${header(1, 1, 0, 0)} ${QUESTION} c00c 0001 0001 00000e10 0004 c000`), 'RDLENGTH past the end');
  failsWith('TRUNCATED', decode(`${header(1, 0, 0, 0)} c0`), 'a pointer cut in half');
});

test('BAD_POINTER: forward pointers, and pointers where names must not be compressed', () => {
  failsWith('BAD_POINTER', decode(`${header(1, 0, 0, 0)} c0 20 0001 0001`), 'a pointer to after itself');
  failsWith('BAD_POINTER', decode(`${header(1, 0, 0, 0)} c0 ff 0001 0001`), 'a pointer beyond the data');
  // RRSIG signer name with a pointer (RFC 4034 §3.1.7 forbids compression there).
  const rrsig = '0001 08 02 00000e10 6b359b00 6b0e0e00 3039 c00c 00';
  failsWith('BAD_POINTER', decode(`${header(1, 1, 0, 0)} ${QUESTION} c00c 002e 0001 00000e10 0014 ${rrsig}`), 'RRSIG signer');
  failsWith('BAD_POINTER', () => rdataFromWire(RRType.MX, hex('000a c00c')), 'RDATA alone has nothing to point to');
});

test('POINTER_LOOP: a pointer to itself or back into its own name', () => {
  failsWith('POINTER_LOOP', decode(`${header(1, 0, 0, 0)} c00c 0001 0001`), 'a pointer to itself');
  failsWith('POINTER_LOOP', decode(`${header(1, 0, 0, 0)} 01 61 c00c 0001 0001`), 'a label then a pointer to that label');
  // Two names pointing at each other: the second points back into the first, which points forward.
  failsWith('BAD_POINTER', decode(`${header(2, 0, 0, 0)} 01 61 c0 12 0001 0001 01 62 c0 0c 0001 0001`), 'mutual pointers');
});

test('BAD_LABEL_TYPE: extended (0b01) and reserved (0b10) label types', () => {
  failsWith('BAD_LABEL_TYPE', decode(`${header(1, 0, 0, 0)} 41 00 0001 0001`), '0x41');
  failsWith('BAD_LABEL_TYPE', decode(`${header(1, 0, 0, 0)} 80 00 0001 0001`), '0x80');
  failsWith('BAD_LABEL_TYPE', decode(`${header(1, 0, 0, 0)} 40 ${'61'.repeat(64)} 00 0001 0001`), 'a "64-octet label" is type 0b01');
  const label63 = decodeMessage(hex(`${header(1, 0, 0, 0)} 3f ${'61'.repeat(63)} 00 0001 0001`));
  assert.equal(label63.questions[0].name, 'a'.repeat(63), 'a 63-octet label is fine');
});

test('NAME_TOO_LONG: over 255 octets, written out or through pointers', () => {
  const label63 = `3f ${'61'.repeat(63)}`;
  failsWith('NAME_TOO_LONG', decode(`${header(1, 0, 0, 0)} ${label63.repeat(4)} 00 0001 0001`), '4 × 64 + 1 octets');
  const longest = decodeMessage(hex(`${header(1, 0, 0, 0)} ${label63.repeat(3)} 3d ${'61'.repeat(61)} 00 0001 0001`));
  assert.equal(longest.questions[0].name.length, 253, 'exactly 255 octets is fine');
  // First name: 3 × 64 + 1 = 193 octets; the second adds a 63-octet label before a pointer to it.
  const first = `${label63.repeat(3)} 00 0001 0001`;
  failsWith('NAME_TOO_LONG', decode(`${header(2, 0, 0, 0)} ${first} ${label63} c00c 0001 0001`), 'through a pointer');
  const longName = Array.from({ length: 4 }, () => 'a'.repeat(63)).join('.');
  failsWith('NAME_TOO_LONG', () => encodeMessage(query(longName)), 'encoding a 257-octet name');
});

function query(name: string): Message {
  const flags = { qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, ad: false, cd: false, rcode: 0 };
  return { id: 1, flags, questions: [{ name, type: RRType.A, class: 1 }], answers: [], authority: [], additional: [] };
}

test('LABEL_TOO_LONG and BAD_NAME: model names the encoder cannot write', () => {
  failsWith('LABEL_TOO_LONG', () => encodeMessage(query(`${'a'.repeat(64)}.test`)), 'a 64-octet label');
  failsWith('LABEL_TOO_LONG', () => encodeMessage(query(`${'\\255'.repeat(64)}.test`)), '64 escaped octets');
  failsWith('BAD_NAME', () => encodeMessage(query('a..test')), 'an empty label');
  failsWith('BAD_NAME', () => encodeMessage(query('example.test.')), 'a trailing dot (model names have none)');
  failsWith('BAD_NAME', () => encodeMessage(query('bad\\12')), 'a cut escape');
});

test('RDATA_LENGTH: RDLENGTH that disagrees with the fields', () => {
  failsWith('RDATA_LENGTH', decode(`${header(1, 1, 0, 0)} ${QUESTION} c00c 0001 0001 00000e10 0005 c0000201 00`), 'A of 5 octets');
  failsWith('RDATA_LENGTH', decode(`${header(1, 1, 0, 0)} ${QUESTION} c00c 0001 0001 00000e10 0003 c00002`), 'A of 3 octets');
  failsWith('RDATA_LENGTH', () => rdataFromWire(RRType.MX, hex('000a 04 6d61696c 00 ff')), 'MX with a stray octet');
  failsWith('RDATA_LENGTH', () => rdataFromWire(RRType.MX, hex('000a 04 6d61696c')), 'MX name cut by RDLENGTH');
  failsWith('RDATA_LENGTH', () => rdataFromWire(RRType.TXT, hex('')), 'TXT without a string');
  failsWith('RDATA_LENGTH', () => rdataFromWire(RRType.TXT, hex('05 6162')), 'TXT string past RDLENGTH');
  failsWith('RDATA_LENGTH', () => rdataFromWire(RRType.SOA, hex('00 00 00000001')), 'SOA cut short');
  failsWith('RDATA_LENGTH', decode(`${header(1, 1, 0, 0)} ${QUESTION} c00c 0001 0001 00000e10 0000`), 'an empty A outside updates');
});

test('BAD_RDATA: malformed type bitmaps and CAA tags, and model values of the wrong shape', () => {
  failsWith('BAD_RDATA', () => rdataFromWire(RRType.NSEC, hex('00 01 01 40 00 01 40')), 'windows out of order');
  failsWith('BAD_RDATA', () => rdataFromWire(RRType.NSEC, hex('00 00 00')), 'an empty window');
  failsWith('BAD_RDATA', () => rdataFromWire(RRType.NSEC, hex('00 02 40 00')), 'a trailing zero octet');
  failsWith('BAD_RDATA', () => rdataFromWire(RRType.NSEC, hex('00 21' + '01'.repeat(33))), 'a 33-octet window');
  failsWith('BAD_RDATA', () => rdataFromWire(RRType.CAA, hex('00 00')), 'an empty CAA tag');
  failsWith('BAD_RDATA', () => rdataFromWire(RRType.CAA, hex('00 02 2d2d 78')), 'a CAA tag of "--"');
  failsWith('BAD_RDATA', () => rdataToWire(RRType.A, { address: '300.1.1.1' }), 'an A address out of range');
  failsWith('BAD_RDATA', () => rdataToWire(RRType.MX, { preference: 70000, exchange: 'mx.test' }), 'a u16 out of range');
  failsWith('BAD_RDATA', () => rdataToWire(RRType.MX, { preference: 1 }), 'a missing field');
  failsWith('BAD_RDATA', () => rdataToWire(RRType.TXT, { strings: [Buffer.alloc(256)] }), 'a character-string over 255');
  failsWith('BAD_RDATA', () => rdataToWire(65400, {}), 'an unknown type without raw');
  const empty: ResourceRecord = { name: 'x.test', type: RRType.A, class: 1, ttl: 0, data: {} };
  failsWith('BAD_RDATA', () => encodeMessage({ ...query('x.test'), answers: [empty] }), 'no RDATA outside class ANY/NONE');
});

test('BAD_OPT: two OPTs, an OPT not at the root, outside the additional section, or with a broken option', () => {
  const opt = '00 0029 04d0 00000000 0000';
  failsWith('BAD_OPT', decode(`${header(1, 0, 0, 2)} ${QUESTION} ${opt} ${opt}`), 'two OPT records');
  failsWith('BAD_OPT', decode(`${header(1, 0, 0, 1)} ${QUESTION} c00c 0029 04d0 00000000 0000`), 'OPT owned by example.test');
  failsWith('BAD_OPT', decode(`${header(1, 1, 0, 0)} ${QUESTION} ${opt}`), 'OPT in the answer section');
  failsWith('BAD_OPT', decode(`${header(1, 0, 0, 1)} ${QUESTION} 00 0029 04d0 00000000 0006 000a 0008 0102`), 'option past the RDATA');
  failsWith('BAD_OPT', decode(`${header(1, 0, 0, 1)} ${QUESTION} 00 0029 04d0 00000000 0002 000a`), 'option header cut');
});

test('TOO_LARGE: more than 65535 octets without a size limit to truncate to', () => {
  const txt: ResourceRecord = { name: 'big.test', type: RRType.TXT, class: 1, ttl: 0, data: { strings: Array(250).fill(Buffer.alloc(255)) } };
  failsWith('TOO_LARGE', () => encodeMessage({ ...query('big.test'), answers: [txt, txt] }), 'two 64 000-octet records');
  failsWith('TOO_LARGE', () => rdataToWire(RRType.TXT, { strings: Array(300).fill(Buffer.alloc(255)) }), 'RDATA over 65535');
});

test('random damage to a valid message never throws anything but a WireError', () => {
  const valid = hex(
    `${header(1, 2, 0, 1)} ${QUESTION} c00c 000f 0001 00000e10 0009 000a 04 6d61696c c00c` +
      ` c00c 002f 0001 00000e10 0009 00 0006 40 01 00 00 00 03 00 0029 04d0 00008000 000c 000a 0008 0102030405060708`,
  );
  assert.equal(decodeMessage(valid).answers.length, 2);
  let seed = 42;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let i = 0; i < 3000; i++) {
    const damaged = Buffer.from(valid.subarray(0, valid.length - random(8)));
    for (let k = random(4); k >= 0; k--) damaged[random(damaged.length)] = random(256);
    try {
      decodeMessage(damaged);
    } catch (err) {
      assert.ok(err instanceof WireError, `${damaged.toString('hex')}: ${String(err)}`);
    }
  }
});
