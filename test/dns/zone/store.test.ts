import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResourceRecord } from '../../../src/dns/wire/model.ts';
import { RRType } from '../../../src/dns/wire/rrtypes.ts';
import { ZoneSet, ZoneSnapshot, ZoneStoreError } from '../../../src/dns/zone/store.ts';

function rr(name: string, type: number, data: ResourceRecord['data'], ttl = 3600): ResourceRecord {
  return { name, type, class: 1, ttl, data };
}

const soa = (origin: string, serial = 1, ttl = 3600, minimum = 300): ResourceRecord =>
  rr(origin, RRType.SOA, { mname: `ns1.${origin}`, rname: `hostmaster.${origin}`, serial, refresh: 7200, retry: 1800, expire: 1209600, minimum }, ttl);

const records = [
  soa('Example.Test'),
  rr('example.test', RRType.NS, { nsdname: 'ns1.example.test' }),
  rr('ns1.example.test', RRType.A, { address: '127.0.0.2' }),
  rr('WWW.example.test', RRType.A, { address: '127.0.0.20' }),
  rr('www.example.test', RRType.A, { address: '127.0.0.21' }),
  rr('a.b.c.example.test', RRType.TXT, { strings: [Buffer.from('deep')] }),
  rr('*.wild.example.test', RRType.A, { address: '127.0.0.30' }),
  rr('sub.example.test', RRType.NS, { nsdname: 'ns1.sub.example.test' }),
  rr('ns1.sub.example.test', RRType.A, { address: '127.0.0.41' }),
  rr('outside.test', RRType.A, { address: '127.0.0.99' }),
];

test('a snapshot groups records into RRsets by canonical owner and type, keeping the owner as written', () => {
  const zone = ZoneSnapshot.fromRecords('example.test', records);
  assert.equal(zone.apex, 'example.test');
  assert.equal(zone.serial, 1);
  const www = zone.node('www.example.test')!.get(RRType.A)!;
  assert.equal(www.owner, 'WWW.example.test');
  assert.deepEqual(www.records.map((r) => r.data.address), ['127.0.0.20', '127.0.0.21']);
  assert.equal(zone.recordCount, records.length - 1, 'out-of-zone data is left out');
  assert.equal(zone.node('outside.test'), undefined);
});

test('empty non-terminals exist without owning records; names beside them do not', () => {
  const zone = ZoneSnapshot.fromRecords('example.test', records);
  assert.equal(zone.node('b.c.example.test'), undefined);
  assert.equal(zone.exists('b.c.example.test'), true);
  assert.equal(zone.exists('c.example.test'), true);
  assert.equal(zone.exists('x.c.example.test'), false);
  assert.equal(zone.exists('example.test'), true);
});

test('the negative-answer SOA carries min(SOA TTL, SOA minimum) (RFC 2308 §3)', () => {
  assert.equal(ZoneSnapshot.fromRecords('example.test', [soa('example.test', 1, 3600, 300)]).negativeSoa.ttl, 300);
  assert.equal(ZoneSnapshot.fromRecords('example.test', [soa('example.test', 1, 60, 300)]).negativeSoa.ttl, 60);
});

test('delegation points are found at and below the cut, and DS looks from the parent side', () => {
  const zone = ZoneSnapshot.fromRecords('example.test', records);
  assert.equal(zone.cutAbove('sub.example.test'), 'sub.example.test');
  assert.equal(zone.cutAbove('deep.ns1.sub.example.test'), 'sub.example.test');
  assert.equal(zone.cutAbove('sub.example.test', true), undefined);
  assert.equal(zone.cutAbove('www.example.test'), undefined);
  assert.equal(zone.cutAbove('example.test'), undefined, 'the apex NS is not a cut');
});

test('a wildcard is found through the closest encloser only', () => {
  const zone = ZoneSnapshot.fromRecords('example.test', records);
  assert.equal(zone.wildcardFor('x.wild.example.test')?.owner, '*.wild.example.test');
  assert.equal(zone.wildcardFor('y.x.wild.example.test')?.owner, '*.wild.example.test');
  assert.equal(zone.wildcardFor('nothing.example.test'), undefined);
  assert.equal(zone.wildcardFor('x.c.example.test'), undefined, 'c.example.test (an empty non-terminal) is the closest encloser');
});

test('a zone without exactly one SOA at its apex cannot be built', () => {
  assert.throws(() => ZoneSnapshot.fromRecords('example.test', records.slice(1)), ZoneStoreError);
  assert.throws(() => ZoneSnapshot.fromRecords('example.test', [soa('example.test', 1), soa('example.test', 2)]), /more than one SOA/);
});

test('a ZoneSet finds the deepest zone for a name', () => {
  const parent = ZoneSnapshot.fromRecords('example.test', records);
  const child = ZoneSnapshot.fromRecords('sub.example.test', [soa('sub.example.test', 7)]);
  const both = new ZoneSet([parent, child]);
  assert.equal(new ZoneSet([parent]).zoneFor('x.sub.example.test'), parent);
  assert.equal(both.zoneFor('x.sub.example.test'), child);
  assert.equal(both.zoneFor('sub.example.test'), child);
  assert.equal(both.zoneFor('sub.example.test', true), parent, 'DS at a child apex comes from the parent');
  assert.equal(both.zoneFor('www.example.test'), parent);
  assert.equal(both.zoneFor('example.org'), undefined);
  assert.equal(both.get('EXAMPLE.test')?.serial, 1);
});

test('a root zone holds every name', () => {
  const root = ZoneSnapshot.fromRecords('', [soa(''), rr('test', RRType.NS, { nsdname: 'ns.test' })]);
  const set = new ZoneSet([root]);
  assert.equal(set.zoneFor('anything.example'), root);
  assert.equal(root.cutAbove('www.test'), 'test');
});
