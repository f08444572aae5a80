// Bad network input never crashes the resolver: replies with flipped bytes, cut short or
// grown, for hundreds of lookups at once, end in an answer or a typed DnsLookupError.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeMessage } from '../../../src/dns/wire/encode.ts';
import { DnsLookupError, Resolver } from '../../../src/dns/resolver/resolver.ts';
import { a, replyTo, startScriptedServer } from './scripted-server.ts';

/** A fixed-seed generator (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

test('300 lookups answered with mangled replies all end in an answer or a DnsLookupError', async (t) => {
  const next = random(20261128);
  const mangle = (wire: Buffer): Buffer => {
    const out = Buffer.from(wire);
    const how = Math.floor(next() * 3);
    if (how === 0) return out.subarray(0, 2 + Math.floor(next() * (out.length - 2)));
    if (how === 1) return Buffer.concat([out, Buffer.from(Array.from({ length: 1 + Math.floor(next() * 20) }, () => Math.floor(next() * 256)))]);
    // Flip a few bytes after the ID, so that the reply is still taken as ours.
    for (let i = 0, n = 1 + Math.floor(next() * 4); i < n; i++) out[2 + Math.floor(next() * (out.length - 2))] ^= 1 + Math.floor(next() * 255);
    return out;
  };
  const server = await startScriptedServer(t, (query) => {
    const name = query.questions[0].name;
    const reply = replyTo(query, [a(name, '127.0.0.20'), { name, type: 5, class: 1, ttl: 60, data: { target: `x.${name}` } }], {}, [
      { name: 'example.test', type: 6, class: 1, ttl: 60, data: { mname: 'ns.example.test', rname: 'h.example.test', serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5 } },
    ]);
    return [mangle(encodeMessage(reply))];
  });
  const resolver = new Resolver({ servers: [server], timeoutMs: 300, attempts: 1 });
  t.after(() => resolver.close());

  const outcomes = await Promise.allSettled(Array.from({ length: 300 }, (_, i) => resolver.resolve(`host${i}.example.test`, 'A')));
  const unexpected = outcomes.filter((o) => o.status === 'rejected' && !(o.reason instanceof DnsLookupError));
  assert.deepEqual(unexpected, []);
  const answered = outcomes.filter((o) => o.status === 'fulfilled').length;
  assert.ok(answered > 0 && answered < 300, `${answered} answered`);
});
