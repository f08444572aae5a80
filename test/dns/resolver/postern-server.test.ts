// The resolver against Postern's own DNS server serving the fixture zones, as the relay will
// use it in integration tests: MX routing data, addresses, TXT, CNAME chains, wildcards,
// reverse names, TLSA and the negative answers.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { DnsLookupError, Resolver } from '../../../src/dns/resolver/resolver.ts';
import { startTestDnsServer } from '../../helpers/dns.ts';

const zones = join(import.meta.dirname, '../../fixtures/zones');

async function resolverOnPostern(t: TestContext): Promise<Resolver> {
  const { endpoint } = await startTestDnsServer(t, [
    { name: 'example.test', file: join(zones, 'example.test.zone') },
    { name: '127.in-addr.arpa', file: join(zones, '127.in-addr.arpa.zone') },
  ]);
  const resolver = new Resolver({ servers: [endpoint], timeoutMs: 1000 });
  t.after(() => resolver.close());
  return resolver;
}

test('MX hosts sorted by preference, then their addresses', async (t) => {
  const resolver = await resolverOnPostern(t);
  const mx = await resolver.resolveMx('Example.Test.');
  assert.deepEqual(mx.values, [
    { preference: 10, exchange: 'mx1.example.test' },
    { preference: 20, exchange: 'mx2.example.test' },
  ]);
  assert.equal(mx.ttl, 3600);
  const mx1 = await resolver.resolveAddresses(mx.values[0].exchange);
  assert.deepEqual(mx1.values, [
    { address: '127.0.0.11', family: 4 },
    { address: '::1', family: 6 },
  ]);
  assert.equal(mx1.ttl, 300, 'the lesser TTL of the two RRsets');
});

test('a TXT record of several strings keeps them and joins them', async (t) => {
  const resolver = await resolverOnPostern(t);
  const txt = await resolver.resolveTxt('info.example.test');
  assert.equal(txt.values.length, 1);
  assert.deepEqual(txt.values[0].strings.map((s) => s.toString()), ['first string', 'second string with "quotes"', 'third;with escapes']);
  assert.equal(txt.values[0].text, 'first stringsecond string with "quotes"third;with escapes');
  const spf = await resolver.resolveTxt('example.test');
  assert.deepEqual(spf.values.map((v) => v.text), ['v=spf1 ip4:127.0.0.0/8 -all']);
});

test('a CNAME chain is followed to the records at its end', async (t) => {
  const resolver = await resolverOnPostern(t);
  const result = await resolver.resolve('alias.example.test', 'A');
  assert.deepEqual(result.cnameChain, ['alias2.example.test', 'www.example.test']);
  assert.deepEqual(result.records.map((rr) => [rr.name, rr.data.address]), [['www.example.test', '127.0.0.20']]);
  const addresses = await resolver.resolveAddresses('alias.example.test');
  assert.deepEqual(addresses.values.map((v) => v.address), ['127.0.0.20', '::1']);
  await assert.rejects(resolver.resolve('alias.example.test', 'MX'), { code: 'NODATA', name: 'alias.example.test' });
});

test('wildcards, reverse names and TLSA', async (t) => {
  const resolver = await resolverOnPostern(t);
  const wild = await resolver.resolve('anything.wild.example.test', 'A');
  assert.deepEqual(wild.records.map((rr) => [rr.name, rr.data.address]), [['anything.wild.example.test', '127.0.0.30']]);
  assert.deepEqual((await resolver.resolvePtr('127.0.0.11')).values, ['mx1.example.test']);
  const tlsa = await resolver.resolveTlsa(25, 'tcp', 'mx1.example.test');
  assert.deepEqual(
    tlsa.values.map((v) => [v.usage, v.selector, v.matchingType, v.certificateData.toString('hex')]),
    [[3, 1, 1, '0c72ac70b745ac19998811b131d662c9ac69dbdbe7cb23e5b514b56664c5d3d6']],
  );
  assert.equal(tlsa.authenticated, false, 'an unsigned zone is never authenticated');
});

test('NXDOMAIN and NODATA are permanent errors; a cached NXDOMAIN answers every type of the name', async (t) => {
  const resolver = await resolverOnPostern(t);
  await assert.rejects(resolver.resolveMx('nonexistent.example.test'), (err) => {
    assert.ok(err instanceof DnsLookupError);
    assert.equal(err.code, 'NXDOMAIN');
    assert.equal(err.name, 'nonexistent.example.test');
    assert.equal(err.temporary, false);
    return true;
  });
  await assert.rejects(resolver.resolveAddresses('nonexistent.example.test'), { code: 'NXDOMAIN' });
  await assert.rejects(resolver.resolveMx('www.example.test'), { code: 'NODATA', temporary: false });
  const ns1 = await resolver.resolveAddresses('ns1.example.test');
  assert.deepEqual(ns1.values, [{ address: '127.0.0.2', family: 4 }], 'no AAAA (NODATA) is not a failure when there is an A');
  assert.equal(resolver.stats().queriesSent, 4, 'the NXDOMAIN answered the later A and AAAA lookups from the cache');
});

test('a delegation answered by a server that does not recurse is a BADRESPONSE, not "no data"', async (t) => {
  const resolver = await resolverOnPostern(t);
  await assert.rejects(resolver.resolve('host.sub.example.test', 'A'), { code: 'BADRESPONSE', temporary: true });
});
