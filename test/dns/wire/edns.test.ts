import assert from 'node:assert/strict';
import { test } from 'node:test';
import dnsPacket from 'dns-packet';
import { decodeMessage } from '../../../src/dns/wire/decode.ts';
import {
  DEFAULT_EDNS_UDP_SIZE,
  EdnsOptionCode,
  ExtendedErrorCode,
  cookieFromOption,
  cookieOption,
  edeOption,
  extendedErrorFromOption,
  isWellFormedCookie,
  keepaliveOption,
  nsidOption,
  paddingOption,
} from '../../../src/dns/wire/edns.ts';
import { encodeMessage } from '../../../src/dns/wire/encode.ts';
import type { Message } from '../../../src/dns/wire/model.ts';

test('COOKIE: 8 octets of client cookie, optionally 8 to 32 of server cookie; anything else is malformed', () => {
  const client = Buffer.from('0102030405060708', 'hex');
  for (const serverLength of [8, 16, 32]) {
    const data = Buffer.concat([client, Buffer.alloc(serverLength, 9)]);
    assert.equal(isWellFormedCookie(data), true);
    assert.deepEqual(cookieFromOption(data), { client, server: Buffer.alloc(serverLength, 9) });
  }
  assert.deepEqual(cookieFromOption(client), { client });
  for (const length of [0, 7, 9, 15, 41]) {
    assert.equal(isWellFormedCookie(Buffer.alloc(length)), false, `${length} octets`);
    assert.equal(cookieFromOption(Buffer.alloc(length)), undefined);
  }
  const option = cookieOption({ client, server: Buffer.alloc(8, 2) });
  assert.equal(option.code, EdnsOptionCode.COOKIE);
  assert.equal(option.data.length, 16);
});

test('EDE, padding, keepalive and NSID options travel in a message as dns-packet reads them', () => {
  const msg: Message = {
    id: 3,
    flags: { qr: true, opcode: 0, aa: false, tc: false, rd: true, ra: true, ad: false, cd: false, rcode: 5 },
    questions: [{ name: 'example.test', type: 1, class: 1 }],
    answers: [],
    authority: [],
    additional: [],
    edns: {
      udpSize: DEFAULT_EDNS_UDP_SIZE,
      extendedRcode: 0,
      version: 0,
      dnssecOk: false,
      options: [edeOption(ExtendedErrorCode.PROHIBITED, 'recursion not allowed'), keepaliveOption(1200), paddingOption(7), nsidOption(Buffer.from('ns1'))],
    },
  };
  const wire = encodeMessage(msg);
  const decoded = decodeMessage(wire);
  assert.deepEqual(decoded.edns, msg.edns);
  assert.deepEqual(extendedErrorFromOption(decoded.edns!.options[0].data), { infoCode: 18, text: 'recursion not allowed' });
  assert.equal(extendedErrorFromOption(Buffer.alloc(1)), undefined);
  const opt = (dnsPacket.decode(wire) as unknown as { additionals: { options: { code: number; timeout?: number; data?: Buffer }[] }[] }).additionals[0];
  assert.deepEqual(opt.options.map((o) => o.code), [15, 11, 12, 3]);
  assert.equal(opt.options[1].timeout, 1200);
  assert.deepEqual(opt.options[2].data, Buffer.alloc(7));
});
