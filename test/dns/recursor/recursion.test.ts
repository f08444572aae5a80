// Recursion through a private root, TLD and leaf hierarchy on 127.0.0.x, asked with dig as a
// user would: answers with RA, CNAMEs across zones, a name server without glue, caching (the
// hierarchy gets no query for a cached answer), negative caching, TCP when the answer does not
// fit, our own zones answered with authority, REFUSED to a client outside the allow list, and
// a TSIG key that the allow list names letting a client in from elsewhere.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test, after } from 'node:test';
import { Counter, DnsCounters } from '../../../src/dns/server/counters.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { dig, startTestDnsServer, type Endpoint } from '../../helpers/dns.ts';
import { startDnsService } from '../../../src/dns/server/service.ts';
import { startHierarchy, type Hierarchy } from './hierarchy.ts';

const SECRET = Buffer.alloc(32, 7).toString('base64');

describe('recursion through a private hierarchy', () => {
  let hierarchy: Hierarchy;
  let resolver: Endpoint;
  const counters = new DnsCounters();
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  before(async () => {
    hierarchy = await startHierarchy({ after: (fn) => cleanups.push(fn) });
    const ownZone = join(hierarchy.dir, 'own.zone');
    writeFileSync(ownZone, ['$ORIGIN own.test.', '@ 300 IN SOA ns hostmaster 1 3600 600 86400 60', '@ 300 IN NS ns', 'ns 300 IN A 127.0.0.1', 'www 300 IN A 192.0.2.99', ''].join('\n'));
    const service = await startDnsService({
      listen: [{ address: '127.0.0.1', port: 0 }],
      zones: [{ name: 'own.test', file: ownZone }],
      workers: 1,
      tcpIdleTimeoutMs: 5000,
      maxTcpConnections: 50,
      stages: {
        counters,
        keys: [{ name: 'rec-key', algorithm: 'hmac-sha256', secret: SECRET }],
        recursion: { allow: ['127.0.0.1/32', 'key:rec-key'], rootHints: hierarchy.rootHints, forwarders: [], serveStale: false, qnameMinimisation: true, serverPort: hierarchy.port, cacheEntries: 10_000, timeoutMs: 1000 },
      },
      logger: silentLogger(),
    });
    cleanups.push(() => service.close());
    resolver = service.endpoints[0];
  });

  test('a name three zones down is resolved, with RA and without AA', async () => {
    const r = await dig(resolver, ['+rec', 'www.leaf.test', 'A']);
    assert.equal(r.status, 'NOERROR', r.text);
    assert.ok(r.flags.has('ra') && r.flags.has('rd') && !r.flags.has('aa'), r.text);
    assert.deepEqual(r.answer.map((rr) => [rr.name, rr.type, rr.data]), [['www.leaf.test.', 'A', '192.0.2.10']]);
  });

  test('a cached answer costs the hierarchy no query, and its TTL counts down', async () => {
    const first = await dig(resolver, ['+rec', 'mail.leaf.test', 'A']);
    assert.equal(first.answer[0]?.data, '192.0.2.25', first.text);
    const before = hierarchy.queriesReceived();
    const hitsBefore = counters.snapshot()[Counter.CACHE_HIT] ?? 0;
    await new Promise((r) => setTimeout(r, 1100));
    for (const extra of [[], ['+noedns'], ['+nocookie']]) {
      const again = await dig(resolver, ['+rec', 'mail.leaf.test', 'A', ...extra]);
      assert.equal(again.answer[0]?.data, '192.0.2.25', again.text);
      assert.ok(again.answer[0].ttl < 300 && again.answer[0].ttl >= 290, again.text);
    }
    assert.equal(hierarchy.queriesReceived(), before, 'no query reached the hierarchy');
    assert.ok((counters.snapshot()[Counter.CACHE_HIT] ?? 0) >= hitsBefore + 3);
  });

  test('CNAMEs are followed within a zone and across zones, through a name server that had no glue', async () => {
    const inZone = await dig(resolver, ['+rec', 'alias.leaf.test', 'A']);
    assert.deepEqual(inZone.answer.map((rr) => [rr.name, rr.type, rr.data]), [['alias.leaf.test.', 'CNAME', 'www.leaf.test.'], ['www.leaf.test.', 'A', '192.0.2.10']]);
    const across = await dig(resolver, ['+rec', 'away.leaf.test', 'A']);
    assert.equal(across.status, 'NOERROR', across.text);
    assert.deepEqual(across.answer.map((rr) => [rr.name, rr.type, rr.data]), [['away.leaf.test.', 'CNAME', 'www.far.test.'], ['www.far.test.', 'A', '192.0.2.20']]);
  });

  test('NXDOMAIN and NODATA come with the SOA and are cached', async () => {
    const nx = await dig(resolver, ['+rec', 'nothing.leaf.test', 'A']);
    assert.equal(nx.status, 'NXDOMAIN', nx.text);
    assert.equal(nx.authority[0]?.type, 'SOA', nx.text);
    const nodata = await dig(resolver, ['+rec', 'www.leaf.test', 'MX']);
    assert.equal(nodata.status, 'NOERROR');
    assert.equal(nodata.answer.length, 0);
    assert.equal(nodata.authority[0]?.type, 'SOA', nodata.text);
    const before = hierarchy.queriesReceived();
    assert.equal((await dig(resolver, ['+rec', 'nothing.leaf.test', 'A'])).status, 'NXDOMAIN');
    assert.equal((await dig(resolver, ['+rec', 'below.nothing.leaf.test', 'AAAA'])).status, 'NXDOMAIN', 'RFC 8020: nothing exists below an NXDOMAIN');
    assert.equal((await dig(resolver, ['+rec', 'www.leaf.test', 'MX'])).answer.length, 0);
    assert.equal(hierarchy.queriesReceived(), before, 'negative answers came from the cache');
  });

  test('a server that does not answer is left for the next, and then avoided', async () => {
    for (const name of ['www', 'mail', 'ftp']) {
      const r = await dig(resolver, ['+rec', `${name}.slow.test`, 'A']);
      assert.equal(r.status, 'NOERROR', r.text);
      assert.equal(r.answer.length, 1, r.text);
    }
    assert.ok(hierarchy.silentReceived() <= 1, `the silent server was asked ${hierarchy.silentReceived()} times`);
  });

  test('an empty non-terminal on the way down does not stop QNAME minimisation', async () => {
    const r = await dig(resolver, ['+rec', 'a.b.c.deep.leaf.test', 'A']);
    assert.equal(r.answer[0]?.data, '192.0.2.30', r.text);
  });

  test('an answer too big for UDP is truncated, and dig gets it whole over TCP', async () => {
    const r = await dig(resolver, ['+rec', '+bufsize=1232', 'big.leaf.test', 'TXT']);
    assert.equal(r.status, 'NOERROR', r.text);
    assert.equal(r.answer.length, 1, r.text);
    assert.match(r.text, /Truncated, retrying in TCP mode/);
  });

  test('our own zones are answered with authority, not by recursion', async () => {
    const r = await dig(resolver, ['+rec', 'www.own.test', 'A']);
    assert.ok(r.flags.has('aa'), r.text);
    assert.equal(r.answer[0]?.data, '192.0.2.99');
  });

  test('a query without RD for a name elsewhere is refused', async () => {
    const r = await dig(resolver, ['+norec', 'www.leaf.test', 'A']);
    assert.equal(r.status, 'REFUSED', r.text);
  });

  test('a client outside the allow list is refused, even for a cached name', async () => {
    const refusedBefore = counters.snapshot()[Counter.RECURSION_REFUSED] ?? 0;
    for (const extra of [[], ['+nocookie', '+noedns']]) {
      const r = await dig(resolver, ['-b', '127.0.0.9', '+rec', 'www.leaf.test', 'A', ...extra]);
      assert.equal(r.status, 'REFUSED', r.text);
      assert.equal(r.answer.length, 0);
      assert.ok(!r.flags.has('ra'), r.text);
    }
    assert.equal(counters.snapshot()[Counter.RECURSION_REFUSED], refusedBefore + 2);
  });

  test('a client outside the networks is served when it signs with a key the allow list names, and the answer is signed', async () => {
    const signed = await dig(resolver, ['-b', '127.0.0.9', '-y', `hmac-sha256:rec-key:${SECRET}`, '+rec', 'mail.leaf.test', 'A']);
    assert.equal(signed.status, 'NOERROR', signed.text);
    assert.equal(signed.answer[0]?.data, '192.0.2.25');
    assert.doesNotMatch(signed.text, /Couldn't verify|failure/i);
    const wrongKey = await dig(resolver, ['-b', '127.0.0.9', '-y', `hmac-sha256:other-key:${SECRET}`, '+rec', 'mail.leaf.test', 'A']);
    assert.notEqual(wrongKey.status, 'NOERROR', wrongKey.text);
  });
});
