// The resolver against a responder that misbehaves on purpose: replies that do not answer
// the query are ignored, records off the CNAME chain are not believed, AD is asked for and
// reported, FORMERR to EDNS is retried without EDNS, IDs and source ports vary.

import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { test } from 'node:test';
import { encodeMessage } from '../../../src/dns/wire/encode.ts';
import { Rcode } from '../../../src/dns/wire/model.ts';
import { DnsLookupError, Resolver } from '../../../src/dns/resolver/resolver.ts';
import { a, replyTo, startScriptedServer } from './scripted-server.ts';

const cname = (name: string, target: string) => ({ name, type: 5, class: 1, ttl: 300, data: { target } });

test('replies with a wrong ID, a wrong question, QR clear, garbage or from another port are ignored', async (t) => {
  const forger = createSocket('udp4');
  t.after(() => forger.close());
  const server = await startScriptedServer(t, (query, from) => {
    const right = replyTo(query, [a('www.example.test', '127.0.0.20')]);
    const forged = replyTo(query, [a('www.example.test', '127.0.0.66')]);
    // The right ID and question, but from another port of the same host.
    forger.send(encodeMessage(forged), from.port, from.address);
    return [
      { ...forged, id: (query.id + 1) & 0xffff },
      { ...forged, questions: [{ name: 'evil.example.test', type: 1, class: 1 }] },
      { ...forged, questions: [{ name: 'www.example.test', type: 28, class: 1 }] },
      { ...forged, flags: { ...forged.flags, qr: false } },
      { ...forged, flags: { ...forged.flags, opcode: 4 } },
      Buffer.from([query.id >> 8, query.id & 0xff, 0x81, 0x80, 0, 1, 0, 1]),
      Buffer.alloc(3),
      right,
    ];
  });
  const resolver = new Resolver({ servers: [server], timeoutMs: 2000, attempts: 1 });
  t.after(() => resolver.close());

  const result = await resolver.resolve('www.example.test', 'A');
  assert.deepEqual(result.records.map((rr) => rr.data.address), ['127.0.0.20']);
  assert.equal(server.received.length, 1, 'the good reply was taken within the first try');
});

test('when only unacceptable replies come, the lookup times out (temporary)', async (t) => {
  const server = await startScriptedServer(t, (query) => [{ ...replyTo(query, [a('www.example.test', '127.0.0.66')]), id: (query.id + 1) & 0xffff }]);
  const resolver = new Resolver({ servers: [server], timeoutMs: 150, attempts: 2 });
  t.after(() => resolver.close());
  await assert.rejects(resolver.resolve('www.example.test', 'A'), (err: DnsLookupError) => {
    assert.ok(err instanceof DnsLookupError);
    assert.equal(err.code, 'TIMEOUT');
    assert.equal(err.temporary, true);
    return true;
  });
  assert.equal(server.received.length, 2, 'one query per attempt');
});

test('records off the chain from the question name are ignored and not cached', async (t) => {
  const server = await startScriptedServer(t, (query) => {
    const asked = query.questions[0].name;
    if (asked === 'mail.example.test') {
      return [
        replyTo(query, [
          a('bank.example.test', '127.0.0.66'),
          cname('mail.example.test', 'host.example.test'),
          a('mail.example.test.evil', '127.0.0.66'),
          a('host.example.test', '127.0.0.25'),
          cname('other.example.test', 'bank.example.test'),
        ]),
      ];
    }
    return [replyTo(query, [a(asked, '127.0.0.99')])];
  });
  const resolver = new Resolver({ servers: [server], timeoutMs: 1000 });
  t.after(() => resolver.close());

  const result = await resolver.resolve('MAIL.example.test.', 'A');
  assert.equal(result.name, 'mail.example.test');
  assert.deepEqual(result.cnameChain, ['host.example.test']);
  assert.deepEqual(result.records.map((rr) => [rr.name, rr.data.address]), [['host.example.test', '127.0.0.25']]);

  const bank = await resolver.resolve('bank.example.test', 'A');
  assert.deepEqual(bank.records.map((rr) => rr.data.address), ['127.0.0.99'], 'the planted record was not cached');
  assert.equal(server.received.length, 2);
});

test('a CNAME chain that does not end in the wanted type is NODATA; a CNAME loop is SERVFAIL', async (t) => {
  const server = await startScriptedServer(t, (query) => {
    const asked = query.questions[0].name;
    if (asked === 'loop.example.test') return [replyTo(query, [cname('loop.example.test', 'loop2.example.test'), cname('loop2.example.test', 'loop.example.test')])];
    return [replyTo(query, [cname(asked, 'end.example.test')])];
  });
  const resolver = new Resolver({ servers: [server], timeoutMs: 1000 });
  t.after(() => resolver.close());
  await assert.rejects(resolver.resolve('start.example.test', 'A'), { code: 'NODATA', name: 'start.example.test', temporary: false });
  await assert.rejects(resolver.resolve('loop.example.test', 'A'), { code: 'SERVFAIL', temporary: true });
});

test('queries set RD, AD and EDNS(0) at 1232 octets; the AD bit of the reply is reported', async (t) => {
  const server = await startScriptedServer(t, (query) => [replyTo(query, [a(query.questions[0].name, '127.0.0.20')], { ad: query.questions[0].name.startsWith('signed') })]);
  const resolver = new Resolver({ servers: [server], timeoutMs: 1000 });
  t.after(() => resolver.close());

  assert.equal((await resolver.resolve('signed.example.test', 'A')).authenticated, true);
  assert.equal((await resolver.resolve('plain.example.test', 'A')).authenticated, false);
  assert.equal((await resolver.resolve('signed.example.test', 'A')).authenticated, true, 'kept in the cache');
  const { query } = server.received[0];
  assert.equal(query.flags.rd, true);
  assert.equal(query.flags.ad, true);
  assert.equal(query.flags.cd, false);
  assert.equal(query.edns?.udpSize, 1232);
  assert.equal(query.edns?.dnssecOk, false);
});

test('a server that answers FORMERR to EDNS is asked again without EDNS', async (t) => {
  const server = await startScriptedServer(t, (query) => {
    if (query.edns) return [{ ...replyTo(query, [], { rcode: Rcode.FORMERR }), questions: [], edns: undefined }];
    return [replyTo(query, [a('old.example.test', '127.0.0.20')])];
  });
  const resolver = new Resolver({ servers: [server], timeoutMs: 1000 });
  t.after(() => resolver.close());
  const result = await resolver.resolve('old.example.test', 'A');
  assert.deepEqual(result.records.map((rr) => rr.data.address), ['127.0.0.20']);
  assert.deepEqual(server.received.map((r) => r.query.edns !== undefined), [true, false]);
});

test('every query has a fresh random ID and its own source port', async (t) => {
  const server = await startScriptedServer(t, (query) => [replyTo(query, [a(query.questions[0].name, '127.0.0.20')])]);
  const resolver = new Resolver({ servers: [server], timeoutMs: 1000 });
  t.after(() => resolver.close());
  for (let i = 0; i < 8; i++) await resolver.resolve(`host${i}.example.test`, 'A');
  const ids = new Set(server.received.map((r) => r.query.id));
  const ports = new Set(server.received.map((r) => r.from.port));
  assert.ok(ids.size >= 7, `IDs ${[...ids].join(', ')}`);
  assert.ok(ports.size >= 7, `source ports ${[...ports].join(', ')}`);
});

test('hundreds of different lookups at once are all answered, without process warnings', async (t) => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  t.after(() => process.off('warning', onWarning));
  const server = await startScriptedServer(t, (query) => [replyTo(query, [a(query.questions[0].name, '127.0.0.20')])]);
  const resolver = new Resolver({ servers: [server], timeoutMs: 2000 });
  t.after(() => resolver.close());
  const results = await Promise.all(Array.from({ length: 200 }, (_, i) => resolver.resolve(`host${i}.example.test`, 'A')));
  assert.equal(results.length, 200);
  assert.equal(resolver.stats().queriesSent, 200);
  await new Promise((done) => setImmediate(done));
  assert.deepEqual(warnings, []);
});

test('a truncated UDP reply that does not even decode sends the question over TCP', async (t) => {
  const server = await startScriptedServer(
    t,
    // Header only, with QR and TC, claiming an answer that is not there.
    (query) => [Buffer.from([query.id >> 8, query.id & 0xff, 0x83, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 0xff])],
    (query) => replyTo(query, [a('big.example.test', '127.0.0.20')]),
  );
  const resolver = new Resolver({ servers: [server], timeoutMs: 1000 });
  t.after(() => resolver.close());
  const result = await resolver.resolve('big.example.test', 'A');
  assert.deepEqual(result.records.map((rr) => rr.data.address), ['127.0.0.20']);
  assert.equal(server.receivedOverTcp.length, 1);
  assert.equal(server.receivedOverTcp[0].questions[0].name, 'big.example.test');
});

test('a TCP reply that does not match the query is BADRESPONSE, a temporary failure', async (t) => {
  const server = await startScriptedServer(
    t,
    (query) => [replyTo(query, [], { tc: true })],
    (query) => ({ ...replyTo(query, [a('big.example.test', '127.0.0.66')]), id: (query.id + 1) & 0xffff }),
  );
  const resolver = new Resolver({ servers: [server], timeoutMs: 1000, attempts: 1 });
  t.after(() => resolver.close());
  await assert.rejects(resolver.resolve('big.example.test', 'A'), { code: 'BADRESPONSE', temporary: true });
});
