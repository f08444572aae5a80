// The answer algorithm on zones built in the test: what ends up in each section, and the flags.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerQuestion, MAX_CNAME_CHAIN } from '../../../src/dns/server/authoritative.ts';
import { Rcode, type ResourceRecord } from '../../../src/dns/wire/model.ts';
import { RRType } from '../../../src/dns/wire/rrtypes.ts';
import { ZoneSet, ZoneSnapshot } from '../../../src/dns/zone/store.ts';

function rr(name: string, type: number, data: ResourceRecord['data'], ttl = 3600): ResourceRecord {
  return { name, type, class: 1, ttl, data };
}
const soa = (origin: string): ResourceRecord =>
  rr(origin, RRType.SOA, { mname: `ns1.${origin}`, rname: `hostmaster.${origin}`, serial: 1, refresh: 7200, retry: 1800, expire: 1209600, minimum: 300 });
const a = (name: string, address: string): ResourceRecord => rr(name, RRType.A, { address });

const example = ZoneSnapshot.fromRecords('example.test', [
  soa('example.test'),
  rr('example.test', RRType.NS, { nsdname: 'ns1.example.test' }),
  rr('example.test', RRType.MX, { preference: 10, exchange: 'mx1.example.test' }),
  rr('example.test', RRType.MX, { preference: 20, exchange: 'mail.other.test' }),
  a('ns1.example.test', '127.0.0.2'),
  a('mx1.example.test', '127.0.0.11'),
  rr('mx1.example.test', RRType.AAAA, { address: '::1' }),
  a('www.example.test', '127.0.0.20'),
  rr('alias.example.test', RRType.CNAME, { target: 'alias2.example.test' }),
  rr('alias2.example.test', RRType.CNAME, { target: 'www.example.test' }),
  rr('cross.example.test', RRType.CNAME, { target: 'host.other.test' }),
  rr('dangling.example.test', RRType.CNAME, { target: 'missing.example.test' }),
  rr('away.example.test', RRType.CNAME, { target: 'www.elsewhere.test' }),
  rr('loop1.example.test', RRType.CNAME, { target: 'loop2.example.test' }),
  rr('loop2.example.test', RRType.CNAME, { target: 'loop1.example.test' }),
  a('*.wild.example.test', '127.0.0.30'),
  rr('*.wild.example.test', RRType.TXT, { strings: [Buffer.from('wildcard')] }),
  a('exists.wild.example.test', '127.0.0.31'),
  a('deep.ent.wild.example.test', '127.0.0.32'),
  rr('*.walias.example.test', RRType.CNAME, { target: 'www.example.test' }),
  rr('sub.example.test', RRType.NS, { nsdname: 'ns1.sub.example.test' }),
  rr('sub.example.test', RRType.DS, { keyTag: 1, algorithm: 8, digestType: 2, digest: Buffer.alloc(32) }),
  a('ns1.sub.example.test', '127.0.0.41'),
  rr('_sip._tcp.example.test', RRType.SRV, { priority: 1, weight: 1, port: 5060, target: 'www.example.test' }),
]);
const other = ZoneSnapshot.fromRecords('other.test', [soa('other.test'), a('host.other.test', '127.0.0.50'), a('mail.other.test', '127.0.0.51')]);
const zones = new ZoneSet([example, other]);

const types = (records: ResourceRecord[]): string[] => records.map((r) => `${r.name} ${r.type}`);

test('a positive answer is authoritative and carries the RRset', () => {
  const r = answerQuestion(zones, 'WWW.example.test', RRType.A);
  assert.equal(r.rcode, Rcode.NOERROR);
  assert.equal(r.aa, true);
  assert.deepEqual(r.answer.map((x) => x.data.address), ['127.0.0.20']);
  assert.deepEqual(r.authority, []);
});

test('MX, NS and SRV answers bring the targets\' addresses from any of our zones', () => {
  const mx = answerQuestion(zones, 'example.test', RRType.MX);
  assert.deepEqual(types(mx.additional), ['mx1.example.test 1', 'mx1.example.test 28', 'mail.other.test 1']);
  assert.deepEqual(types(answerQuestion(zones, 'example.test', RRType.NS).additional), ['ns1.example.test 1']);
  assert.deepEqual(types(answerQuestion(zones, '_sip._tcp.example.test', RRType.SRV).additional), ['www.example.test 1']);
});

test('NXDOMAIN and NODATA carry the SOA with the negative TTL', () => {
  const nx = answerQuestion(zones, 'nope.example.test', RRType.A);
  assert.equal(nx.rcode, Rcode.NXDOMAIN);
  assert.equal(nx.aa, true);
  assert.deepEqual(types(nx.authority), ['example.test 6']);
  assert.equal(nx.authority[0].ttl, 300);
  const nodata = answerQuestion(zones, 'www.example.test', RRType.AAAA);
  assert.equal(nodata.rcode, Rcode.NOERROR);
  assert.deepEqual(nodata.answer, []);
  assert.deepEqual(types(nodata.authority), ['example.test 6']);
  const ent = answerQuestion(zones, 'ent.wild.example.test', RRType.A);
  assert.equal(ent.rcode, Rcode.NOERROR, 'an empty non-terminal exists: NODATA, and no wildcard match');
  assert.deepEqual(ent.answer, []);
});

test('CNAME chains are followed inside and across our zones, and stop at names we do not serve', () => {
  assert.deepEqual(types(answerQuestion(zones, 'alias.example.test', RRType.A).answer), ['alias.example.test 5', 'alias2.example.test 5', 'www.example.test 1']);
  assert.deepEqual(types(answerQuestion(zones, 'cross.example.test', RRType.A).answer), ['cross.example.test 5', 'host.other.test 1']);
  const away = answerQuestion(zones, 'away.example.test', RRType.A);
  assert.deepEqual(types(away.answer), ['away.example.test 5']);
  assert.equal(away.rcode, Rcode.NOERROR);
  assert.equal(away.aa, true);
  const dangling = answerQuestion(zones, 'dangling.example.test', RRType.A);
  assert.equal(dangling.rcode, Rcode.NXDOMAIN, 'RFC 6604: the rcode is that of the last name');
  assert.deepEqual(types(dangling.answer), ['dangling.example.test 5']);
  assert.deepEqual(types(answerQuestion(zones, 'alias.example.test', RRType.CNAME).answer), ['alias.example.test 5']);
});

test('a CNAME loop ends after each name was visited once', () => {
  const r = answerQuestion(zones, 'loop1.example.test', RRType.A);
  assert.deepEqual(types(r.answer), ['loop1.example.test 5', 'loop2.example.test 5']);
  assert.ok(r.answer.length <= MAX_CNAME_CHAIN + 1);
});

test('wildcards synthesise the query name, but not where the name or an empty non-terminal exists', () => {
  const w = answerQuestion(zones, 'Anything.wild.example.test', RRType.A);
  assert.deepEqual(w.answer.map((x) => `${x.name} ${x.data.address}`), ['Anything.wild.example.test 127.0.0.30']);
  assert.equal(w.aa, true);
  assert.deepEqual(answerQuestion(zones, 'a.b.wild.example.test', RRType.A).answer.map((x) => x.name), ['a.b.wild.example.test']);
  assert.deepEqual(answerQuestion(zones, 'exists.wild.example.test', RRType.A).answer.map((x) => x.data.address), ['127.0.0.31']);
  const exTxt = answerQuestion(zones, 'exists.wild.example.test', RRType.TXT);
  assert.deepEqual(exTxt.answer, [], 'the name exists: NODATA, not the wildcard TXT');
  const wnodata = answerQuestion(zones, 'x.wild.example.test', RRType.MX);
  assert.equal(wnodata.rcode, Rcode.NOERROR);
  assert.deepEqual(types(wnodata.authority), ['example.test 6']);
  assert.equal(answerQuestion(zones, 'x.deep.ent.wild.example.test', RRType.A).rcode, Rcode.NXDOMAIN);
  assert.deepEqual(types(answerQuestion(zones, 'q.walias.example.test', RRType.A).answer), ['q.walias.example.test 5', 'www.example.test 1']);
});

test('names at and below a delegation get a referral (AA clear, NS in authority, glue); DS at the cut is ours', () => {
  for (const name of ['sub.example.test', 'www.sub.example.test', 'ns1.sub.example.test']) {
    const r = answerQuestion(zones, name, RRType.A);
    assert.equal(r.aa, false, name);
    assert.equal(r.rcode, Rcode.NOERROR);
    assert.deepEqual(r.answer, []);
    assert.deepEqual(types(r.authority), ['sub.example.test 2']);
    assert.deepEqual(types(r.additional), ['ns1.sub.example.test 1']);
  }
  const ds = answerQuestion(zones, 'sub.example.test', RRType.DS);
  assert.equal(ds.aa, true);
  assert.deepEqual(types(ds.answer), ['sub.example.test 43']);
  assert.equal(answerQuestion(zones, 'x.sub.example.test', RRType.DS).aa, false);
});

test('ANY returns one RRset of those at the name (RFC 8482)', () => {
  const r = answerQuestion(zones, 'mx1.example.test', RRType.ANY);
  assert.deepEqual(types(r.answer), ['mx1.example.test 1']);
});

test('names outside our zones are REFUSED', () => {
  const r = answerQuestion(zones, 'www.example.org', RRType.A);
  assert.equal(r.rcode, Rcode.REFUSED);
  assert.equal(r.aa, false);
});
