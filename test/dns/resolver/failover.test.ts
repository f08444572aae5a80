// Servers that stay silent, refuse, fail or are not there: the resolver moves on to the next
// server within its time budget and, when none answers, says why with a typed error.

import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { Rcode } from '../../../src/dns/wire/model.ts';
import { DnsLookupError, Resolver, ResolverClosedError } from '../../../src/dns/resolver/resolver.ts';
import { a, replyTo, startScriptedServer } from './scripted-server.ts';

const silent = () => [];

test('a silent server is given up after the timeout and the next server answers', async (t) => {
  const quiet = await startScriptedServer(t, silent);
  const good = await startScriptedServer(t, (query) => [replyTo(query, [a('www.example.test', '127.0.0.20')])]);
  const resolver = new Resolver({ servers: [quiet, good], timeoutMs: 200, attempts: 2 });
  t.after(() => resolver.close());

  const started = performance.now();
  const result = await resolver.resolve('www.example.test', 'A');
  const elapsed = performance.now() - started;
  assert.deepEqual(result.records.map((rr) => rr.data.address), ['127.0.0.20']);
  assert.equal(quiet.received.length, 1);
  assert.equal(good.received.length, 1);
  assert.ok(elapsed >= 190 && elapsed < 1000, `took ${elapsed} ms`);
});

test('when every server is silent the lookup fails with TIMEOUT within timeout × attempts × servers', async (t) => {
  const quiet1 = await startScriptedServer(t, silent);
  const quiet2 = await startScriptedServer(t, silent);
  const resolver = new Resolver({ servers: [quiet1, quiet2], timeoutMs: 100, attempts: 2 });
  t.after(() => resolver.close());

  const started = performance.now();
  await assert.rejects(resolver.resolve('www.example.test', 'MX'), (err) => {
    assert.ok(err instanceof DnsLookupError);
    assert.equal(err.code, 'TIMEOUT');
    assert.equal(err.name, 'www.example.test');
    assert.equal(err.type, 15);
    assert.equal(err.temporary, true);
    return true;
  });
  const elapsed = performance.now() - started;
  // The upper bound only shows that the lookup gives up: a loaded machine may be slow to run the timers.
  assert.ok(elapsed >= 390 && elapsed < 5000, `took ${elapsed} ms`);
  // The last query may still be on its way to the server (same process, loaded machine).
  for (let i = 0; i < 50 && quiet2.received.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual([quiet1.received.length, quiet2.received.length], [2, 2], 'two rounds over both servers');
});

test('a port with nothing behind it is passed over at once (ICMP unreachable), not after the timeout', async (t) => {
  const closed = createSocket('udp4');
  await new Promise<void>((done) => closed.bind(0, '127.0.0.1', done));
  const closedPort = closed.address().port;
  await new Promise<void>((done) => closed.close(() => done()));
  const good = await startScriptedServer(t, (query) => [replyTo(query, [a('www.example.test', '127.0.0.20')])]);
  const resolver = new Resolver({ servers: [{ address: '127.0.0.1', port: closedPort }, good], timeoutMs: 2000 });
  t.after(() => resolver.close());

  const started = performance.now();
  await resolver.resolve('www.example.test', 'A');
  assert.ok(performance.now() - started < 1000);
});

test('REFUSED and SERVFAIL send the resolver to the next server', async (t) => {
  const refusing = await startScriptedServer(t, (query) => [replyTo(query, [], { rcode: Rcode.REFUSED })]);
  const failing = await startScriptedServer(t, (query) => [replyTo(query, [], { rcode: Rcode.SERVFAIL })]);
  const good = await startScriptedServer(t, (query) => [replyTo(query, [a('www.example.test', '127.0.0.20')])]);
  const resolver = new Resolver({ servers: [refusing, failing, good], timeoutMs: 1000 });
  t.after(() => resolver.close());

  const result = await resolver.resolve('www.example.test', 'A');
  assert.equal(result.records.length, 1);
  assert.deepEqual([refusing.received.length, failing.received.length, good.received.length], [1, 1, 1]);
});

test('all servers REFUSED → REFUSED; all SERVFAIL → SERVFAIL, remembered for a few seconds only', async (t) => {
  const refusing = await startScriptedServer(t, (query) => [replyTo(query, [], { rcode: Rcode.REFUSED })]);
  const failing = await startScriptedServer(t, (query) => [replyTo(query, [], { rcode: Rcode.SERVFAIL })]);
  const refused = new Resolver({ servers: [refusing], timeoutMs: 1000, attempts: 1 });
  const failed = new Resolver({ servers: [failing], timeoutMs: 1000, attempts: 1 });
  t.after(() => refused.close());
  t.after(() => failed.close());

  await assert.rejects(refused.resolve('www.example.test', 'A'), { code: 'REFUSED', temporary: true });
  await assert.rejects(failed.resolve('www.example.test', 'A'), { code: 'SERVFAIL', temporary: true });
  await assert.rejects(failed.resolve('www.example.test', 'A'), { code: 'SERVFAIL' });
  assert.equal(failing.received.length, 1, 'the second lookup was answered from the cache');
  assert.equal(failed.stats().cacheHits, 1);
});

test('a server that answers FORMERR with and without EDNS gives FORMERR (temporary: it may be the server’s fault)', async (t) => {
  const formerr = await startScriptedServer(t, (query) => [replyTo(query, [], { rcode: Rcode.FORMERR })]);
  const resolver = new Resolver({ servers: [formerr], timeoutMs: 1000, attempts: 1 });
  t.after(() => resolver.close());
  await assert.rejects(resolver.resolve('www.example.test', 'A'), { code: 'FORMERR', temporary: true });
  assert.deepEqual(formerr.received.map((r) => r.query.edns !== undefined), [true, false]);
});

test('closing the resolver ends the lookups in flight', async (t) => {
  const quiet = await startScriptedServer(t, silent);
  const resolver = new Resolver({ servers: [quiet], timeoutMs: 5000 });
  const pending = resolver.resolve('www.example.test', 'A');
  setTimeout(() => resolver.close(), 50);
  await assert.rejects(pending, ResolverClosedError);
  await assert.rejects(resolver.resolve('www.example.test', 'A'), ResolverClosedError);
});
