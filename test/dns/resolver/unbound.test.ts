// The resolver against a real Unbound on loopback: what Unbound counts proves what went on the
// wire (cache hits send nothing, 100 concurrent lookups send one query, a truncated answer
// is fetched again over TCP), and negative answers are cached for the RFC 2308 TTL.

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { DnsLookupError, Resolver } from '../../../src/dns/resolver/resolver.ts';
import { startUnbound, type RunningUnbound } from '../../helpers/unbound.ts';

/** Eight 200-octet strings: about 1.6 kB, more than the 1232 octets a UDP answer may carry. */
const bigStrings = Array.from({ length: 8 }, (_, i) => String.fromCharCode(0x61 + i).repeat(200));

describe('resolver against Unbound', () => {
  let unbound: RunningUnbound;
  const queriesAtUnbound = async (): Promise<number> => (await unbound.statistics()).get('total.num.queries') ?? NaN;
  const newResolver = (extra: { cacheSize?: number; maxNegativeTtl?: number } = {}): Resolver =>
    new Resolver({ servers: [unbound], timeoutMs: 1000, attempts: 1, ...extra });

  const cleanups: (() => unknown)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  before(async () => {
    unbound = await startUnbound({ after: (fn) => cleanups.push(fn) }, {
      serverLines: [
        'extended-statistics: yes',
        'local-zone: "example.test." static',
        'local-data: "example.test. 120 IN SOA ns1.example.test. hostmaster.example.test. 1 7200 1800 1209600 60"',
        'local-data: "example.test. 300 IN MX 20 mx2.example.test."',
        'local-data: "example.test. 300 IN MX 10 mx1.example.test."',
        'local-data: "www.example.test. 300 IN A 127.0.0.20"',
        'local-data: "a.example.test. 300 IN A 127.0.0.21"',
        'local-data: "b.example.test. 300 IN A 127.0.0.22"',
        'local-data: "c.example.test. 300 IN A 127.0.0.23"',
        'local-data: "many.example.test. 300 IN A 127.0.0.24"',
        `local-data: 'big.example.test. 300 IN TXT ${bigStrings.map((s) => `"${s}"`).join(' ')}'`,
      ],
    });
  });

  test('a second lookup is answered from the cache: nothing reaches Unbound', async (t) => {
    const resolver = newResolver();
    t.after(() => resolver.close());
    const before = await queriesAtUnbound();
    const first = await resolver.resolve('www.example.test', 'A');
    const second = await resolver.resolve('www.example.test.', 1);
    assert.deepEqual(second.records, first.records);
    assert.equal((await queriesAtUnbound()) - before, 1);
    assert.deepEqual(resolver.stats(), { queriesSent: 1, cacheHits: 1, cacheMisses: 1, inflightJoined: 0 });
  });

  test('TTLs count down while an answer sits in the cache', async (t) => {
    const resolver = newResolver();
    t.after(() => resolver.close());
    const first = await resolver.resolve('www.example.test', 'A');
    assert.equal(first.ttl, 300);
    await sleep(1100);
    const later = await resolver.resolve('www.example.test', 'A');
    assert.ok(later.ttl <= 299 && later.ttl >= 297, `ttl ${later.ttl}`);
    assert.ok(later.records[0].ttl <= 299, `record ttl ${later.records[0].ttl}`);
    assert.equal(resolver.stats().queriesSent, 1);
  });

  test('100 concurrent lookups of one name put one query on the wire', async (t) => {
    const resolver = newResolver();
    t.after(() => resolver.close());
    const before = await queriesAtUnbound();
    const results = await Promise.all(Array.from({ length: 100 }, () => resolver.resolve('many.example.test', 'A')));
    assert.ok(results.every((r) => r.records[0].data.address === '127.0.0.24'));
    assert.equal((await queriesAtUnbound()) - before, 1);
    assert.deepEqual(resolver.stats(), { queriesSent: 1, cacheHits: 0, cacheMisses: 100, inflightJoined: 99 });
  });

  test('an answer too large for UDP comes back truncated and is fetched again over TCP', async (t) => {
    const resolver = newResolver();
    t.after(() => resolver.close());
    const stats = await unbound.statistics();
    const tcpBefore = stats.get('num.query.tcp') ?? 0;
    const result = await resolver.resolveTxt('big.example.test');
    assert.equal(result.values.length, 1);
    assert.deepEqual(result.values[0].strings.map((b) => b.toString()), bigStrings);
    assert.equal(result.values[0].text, bigStrings.join(''));
    assert.equal(resolver.stats().queriesSent, 2, 'UDP, then TCP');
    assert.equal(((await unbound.statistics()).get('num.query.tcp') ?? 0) - tcpBefore, 1);
  });

  test('NXDOMAIN is cached for the name (every type); NODATA for the name and type', async (t) => {
    const resolver = newResolver();
    t.after(() => resolver.close());
    const before = await queriesAtUnbound();
    await assert.rejects(resolver.resolve('nothing.example.test', 'A'), { code: 'NXDOMAIN', temporary: false });
    await assert.rejects(resolver.resolve('nothing.example.test', 'A'), { code: 'NXDOMAIN' });
    await assert.rejects(resolver.resolve('nothing.example.test', 'MX'), { code: 'NXDOMAIN' });
    await assert.rejects(resolver.resolve('www.example.test', 'MX'), (err) => err instanceof DnsLookupError && err.code === 'NODATA' && !err.temporary);
    await assert.rejects(resolver.resolve('www.example.test', 'MX'), { code: 'NODATA' });
    assert.equal((await queriesAtUnbound()) - before, 2);
    assert.equal(resolver.stats().cacheHits, 3);
  });

  test('negative answers expire after min(SOA TTL, SOA minimum), capped by maxNegativeTtl', async (t) => {
    const resolver = newResolver({ maxNegativeTtl: 1 });
    t.after(() => resolver.close());
    await assert.rejects(resolver.resolve('gone.example.test', 'A'), { code: 'NXDOMAIN' });
    await assert.rejects(resolver.resolve('gone.example.test', 'A'), { code: 'NXDOMAIN' });
    assert.equal(resolver.stats().queriesSent, 1);
    await sleep(1100);
    await assert.rejects(resolver.resolve('gone.example.test', 'A'), { code: 'NXDOMAIN' });
    assert.equal(resolver.stats().queriesSent, 2, 'asked again once the 1 s negative TTL ran out');
  });

  test('the cache holds at most cacheSize entries, evicting the least recently used', async (t) => {
    const resolver = newResolver({ cacheSize: 2 });
    t.after(() => resolver.close());
    await resolver.resolve('a.example.test', 'A');
    await resolver.resolve('b.example.test', 'A');
    await resolver.resolve('a.example.test', 'A'); // a is now the most recently used
    await resolver.resolve('c.example.test', 'A'); // evicts b
    assert.equal(resolver.stats().queriesSent, 3);
    await resolver.resolve('a.example.test', 'A');
    await resolver.resolve('c.example.test', 'A');
    assert.equal(resolver.stats().queriesSent, 3, 'a and c still cached');
    await resolver.resolve('b.example.test', 'A');
    assert.equal(resolver.stats().queriesSent, 4, 'b was evicted');
  });

  test('MX hosts come sorted by preference; Unbound does not set AD for its local data', async (t) => {
    const resolver = newResolver();
    t.after(() => resolver.close());
    const mx = await resolver.resolveMx('example.test');
    assert.deepEqual(mx.values, [
      { preference: 10, exchange: 'mx1.example.test' },
      { preference: 20, exchange: 'mx2.example.test' },
    ]);
    assert.equal(mx.authenticated, false);
  });
});
