// The counters' snapshot names and the counting stage in front of a query handler.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Counter, countingHandler, DnsCounters, sumCounters } from '../../../src/dns/server/counters.ts';
import { encodeMessage } from '../../../src/dns/wire/encode.ts';
import { Opcode, Rcode } from '../../../src/dns/wire/model.ts';
import { RRType } from '../../../src/dns/wire/rrtypes.ts';

const query = (type: number): Buffer =>
  encodeMessage({
    id: 7,
    flags: { qr: false, opcode: Opcode.QUERY, aa: false, tc: false, rd: true, ra: false, ad: false, cd: false, rcode: 0 },
    questions: [{ name: 'www.example.test', type, class: 1 }],
    answers: [],
    authority: [],
    additional: [],
  });

const reply = (rcode: number): Buffer => {
  const out = Buffer.alloc(12);
  out[2] = 0x80;
  out[3] = rcode;
  return out;
};

test('queries count by type and responses by rcode, synchronous and later answers alike', async () => {
  const counters = new DnsCounters();
  const handler = countingHandler((q) => (q[3] === 0 && q.length > 40 ? Promise.resolve(reply(Rcode.NXDOMAIN)) : reply(Rcode.NOERROR)), counters);
  handler(query(RRType.A), 'udp', '127.0.0.1');
  handler(query(RRType.MX), 'udp', '127.0.0.1');
  await handler(Buffer.concat([query(RRType.A), Buffer.alloc(20)]), 'tcp', '127.0.0.1');
  handler(Buffer.from([1, 2, 3]), 'udp', '127.0.0.1');
  counters.add(Counter.CACHE_HIT);
  counters.add(Counter.CACHE_HIT, 2);
  assert.deepEqual(counters.snapshot(), {
    'query.type.A': 2,
    'query.type.MX': 1,
    'response.rcode.NOERROR': 3,
    'response.rcode.NXDOMAIN': 1,
    'cache.hit': 3,
  });
});

test('snapshots of several workers add up', () => {
  assert.deepEqual(sumCounters([{ 'cache.hit': 1, 'query.type.A': 2 }, { 'query.type.A': 3 }]), { 'cache.hit': 1, 'query.type.A': 5 });
});
