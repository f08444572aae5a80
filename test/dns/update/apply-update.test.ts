import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyUpdate, type UpdateResult } from '../../../src/dns/update/apply-update.ts';
import { RClass, Rcode, type ResourceRecord } from '../../../src/dns/wire/model.ts';
import { recordToText } from '../../../src/dns/wire/text.ts';
import { parseMasterText } from '../../../src/dns/zone/masterfile.ts';
import { nextSerial, serialNewer } from '../../../src/dns/zone/serial.ts';

const ZONE = `$ORIGIN dyn.test.
$TTL 300
@     SOA ns hostmaster 10 3600 600 86400 300
      NS  ns
      NS  ns2
ns    A   192.0.2.1
ns2   A   192.0.2.2
www   A   192.0.2.10
      A   192.0.2.11
alias CNAME www
txt   TXT "Case Matters"
`;

async function rr(text: string): Promise<ResourceRecord[]> {
  const parsed = await parseMasterText(`$ORIGIN dyn.test.\n$TTL 300\n${text}\n`, 'update.txt', { origin: 'dyn.test' });
  assert.deepEqual(parsed.problems.filter((p) => p.severity === 'error'), []);
  return parsed.records.map((s) => s.record);
}
const zone = await rr(ZONE.split('\n').slice(2).join('\n'));
/** A delete or prerequisite record: class ANY or NONE, TTL 0, data as given (empty for ANY). */
const meta = (name: string, type: number, cls: number, data: ResourceRecord['data'] = {}): ResourceRecord => ({ name: `${name}.dyn.test`, type, class: cls, ttl: 0, data });
const A = 1, NS = 2, SOA = 6, TXT = 16, ANY = 255;

function texts(result: UpdateResult): string[] {
  assert.equal(result.rcode, Rcode.NOERROR);
  assert.ok('records' in result);
  return result.records.map(recordToText).sort();
}

test('serial arithmetic wraps (RFC 1982)', () => {
  assert.equal(nextSerial(4294967295), 0);
  assert.ok(serialNewer(1, 4294967295));
  assert.ok(!serialNewer(4294967295, 1));
  assert.ok(serialNewer(11, 10));
  assert.ok(!serialNewer(10, 10));
});

test('adding a record bumps the serial and reports the difference (the journal and IXFR need it)', async () => {
  const result = applyUpdate({ zone: 'dyn.test', prerequisites: [], updates: await rr('new 600 A 192.0.2.99') }, zone);
  assert.equal(result.rcode, Rcode.NOERROR);
  assert.ok('serial' in result);
  assert.equal(result.serial, 11);
  assert.deepEqual(result.added.map(recordToText).sort(), ['dyn.test.\t300\tIN\tSOA\tns.dyn.test. hostmaster.dyn.test. 11 3600 600 86400 300', 'new.dyn.test.\t600\tIN\tA\t192.0.2.99']);
  assert.deepEqual(result.removed.map(recordToText), ['dyn.test.\t300\tIN\tSOA\tns.dyn.test. hostmaster.dyn.test. 10 3600 600 86400 300']);
});

test('prerequisites: name in use / not in use, RRset exists (value independent and dependent) / does not exist', async () => {
  const cases: Array<[ResourceRecord[], Rcode]> = [
    [[meta('www', ANY, RClass.ANY)], Rcode.NOERROR],
    [[meta('nobody', ANY, RClass.ANY)], Rcode.NXDOMAIN],
    [[meta('nobody', ANY, RClass.NONE)], Rcode.NOERROR],
    [[meta('www', ANY, RClass.NONE)], Rcode.YXDOMAIN],
    [[meta('www', A, RClass.ANY)], Rcode.NOERROR],
    [[meta('www', TXT, RClass.ANY)], Rcode.NXRRSET],
    [[meta('www', TXT, RClass.NONE)], Rcode.NOERROR],
    [[meta('www', A, RClass.NONE)], Rcode.YXRRSET],
    [(await rr('www 0 A 192.0.2.10\nwww 0 A 192.0.2.11')).map((r) => ({ ...r, ttl: 0 })), Rcode.NOERROR],
    [(await rr('www 0 A 192.0.2.10')).map((r) => ({ ...r, ttl: 0 })), Rcode.NXRRSET],
    [(await rr('txt 0 TXT "case matters"')).map((r) => ({ ...r, ttl: 0 })), Rcode.NXRRSET],
    [[{ ...meta('www', A, RClass.ANY), ttl: 5 }], Rcode.FORMERR],
    [[{ ...meta('www', A, RClass.ANY), name: 'www.other.test' }], Rcode.NOTZONE],
  ];
  for (const [prerequisites, rcode] of cases) {
    const result = applyUpdate({ zone: 'dyn.test', prerequisites, updates: [] }, zone);
    assert.equal(result.rcode, rcode, JSON.stringify(prerequisites));
  }
});

test('deletes: an RR (names compared case-insensitively), an RRset, a name; the apex SOA and last NS survive', async () => {
  const oneA = texts(applyUpdate({ zone: 'dyn.test', prerequisites: [], updates: [meta('www', A, RClass.NONE, { address: '192.0.2.10' })] }, zone));
  assert.ok(!oneA.some((t) => t.includes('192.0.2.10')) && oneA.some((t) => t.includes('192.0.2.11')));
  const noName = texts(applyUpdate({ zone: 'dyn.test', prerequisites: [], updates: [meta('ALIAS', ANY, RClass.ANY)] }, zone));
  assert.ok(!noName.some((t) => t.startsWith('alias.')));
  const apex = applyUpdate({ zone: 'dyn.test', prerequisites: [], updates: [{ ...meta('x', ANY, RClass.ANY), name: 'dyn.test' }, { ...meta('x', SOA, RClass.ANY), name: 'dyn.test' }] }, zone);
  assert.deepEqual(apex, { rcode: Rcode.NOERROR, changed: false }, 'SOA and NS at the apex are never deleted by ANY');
  const ns = applyUpdate({ zone: 'dyn.test', prerequisites: [], updates: [{ ...meta('x', NS, RClass.NONE, { nsdname: 'NS.dyn.test' }), name: 'dyn.test' }, { ...meta('x', NS, RClass.NONE, { nsdname: 'ns2.dyn.test' }), name: 'dyn.test' }] }, zone);
  assert.equal(texts(ns).filter((t) => /\tNS\t/.test(t)).length, 1, 'the last NS at the apex stays');
  assert.deepEqual(applyUpdate({ zone: 'dyn.test', prerequisites: [], updates: [meta('nobody', A, RClass.ANY)] }, zone), { rcode: Rcode.NOERROR, changed: false });
});

test('adds: CNAME and other data never share a name; an identical record changes only the TTL; SOA only to a newer serial', async () => {
  assert.deepEqual(applyUpdate({ zone: 'dyn.test', prerequisites: [], updates: await rr('alias A 192.0.2.50') }, zone), { rcode: Rcode.NOERROR, changed: false });
  assert.deepEqual(applyUpdate({ zone: 'dyn.test', prerequisites: [], updates: await rr('www CNAME elsewhere.test.') }, zone), { rcode: Rcode.NOERROR, changed: false });
  const ttl = texts(applyUpdate({ zone: 'dyn.test', prerequisites: [], updates: await rr('www 60 A 192.0.2.10') }, zone));
  assert.deepEqual(ttl.filter((t) => t.startsWith('www.')), ['www.dyn.test.\t60\tIN\tA\t192.0.2.10', 'www.dyn.test.\t60\tIN\tA\t192.0.2.11']);
  const older = applyUpdate({ zone: 'dyn.test', prerequisites: [], updates: await rr('@ SOA ns hostmaster 9 3600 600 86400 300') }, zone);
  assert.deepEqual(older, { rcode: Rcode.NOERROR, changed: false });
  const newer = applyUpdate({ zone: 'dyn.test', prerequisites: [], updates: await rr('@ SOA ns hostmaster 500 3600 600 86400 300') }, zone);
  assert.ok('serial' in newer && newer.serial === 500, 'an explicit newer serial is kept, not bumped again');
});

test('the update section is checked whole first: one bad record changes nothing', async () => {
  const bad = applyUpdate({ zone: 'dyn.test', prerequisites: [], updates: [...(await rr('ok A 192.0.2.1')), { ...meta('x', A, RClass.ANY), ttl: 10 }] }, zone);
  assert.equal(bad.rcode, Rcode.FORMERR);
  const outside = applyUpdate({ zone: 'dyn.test', prerequisites: [], updates: [{ ...(await rr('ok A 192.0.2.1'))[0]!, name: 'ok.other.test' }] }, zone);
  assert.equal(outside.rcode, Rcode.NOTZONE);
  const anyAdd = applyUpdate({ zone: 'dyn.test', prerequisites: [], updates: [{ name: 'x.dyn.test', type: ANY, class: RClass.IN, ttl: 0, data: {} }] }, zone);
  assert.equal(anyAdd.rcode, Rcode.FORMERR);
});
