// MX planning against Postern's own DNS server serving a zone of every case.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Resolver } from '../../src/dns/resolver/resolver.ts';
import { planMxDelivery, type MxPlan, type SelfIdentity } from '../../src/delivery/mx-plan.ts';
import { startTestDnsServer } from '../helpers/dns.ts';
import { scratchDir } from '../helpers/scratch-dirs.ts';

const ZONE = `$ORIGIN mail.test.
$TTL 300
@          SOA ns hostmaster 1 3600 600 86400 300
           NS  ns
ns         A   127.0.0.53
pref       MX  20 mx-b
           MX  10 mx-a1
           MX  10 mx-a2
mx-a1      A   127.0.0.21
mx-a2      A   127.0.0.22
           AAAA ::1
mx-b       A   127.0.0.23
nomx       A   127.0.0.24
nullmx     MX  0 .
us         MX  10 better
           MX  20 mx.example.test.
           MX  30 worse
better     A   127.0.0.25
worse      A   127.0.0.26
usbest     MX  10 byaddress
           MX  20 worse
byaddress  A   127.0.0.1
noaddr     MX  10 missing
both       MX  10 missing
           MX  20 mx-b
txtonly    TXT "no mail here"
`;

const zoneFile = join(await scratchDir(), 'mail.test.zone');
writeFileSync(zoneFile, ZONE);
const { endpoint } = await startTestDnsServer({ after }, [{ name: 'mail.test', file: zoneFile }]);
const resolver = new Resolver({ servers: [endpoint], timeoutMs: 500, attempts: 1 });
const self: SelfIdentity = { names: new Set(['mx.example.test']), addresses: new Set(['127.0.0.1']) };
const plan = (domain: string, random = () => 0.5): Promise<MxPlan> => planMxDelivery(domain, { resolver, self, random });

after(() => resolver.close());

test('MX hosts by preference, equal preferences shuffled, every address of each host', async () => {
  const first = await plan('pref.mail.test', () => 0.1);
  assert.equal(first.kind, 'hops');
  const hosts = (p: MxPlan) => (p.kind === 'hops' ? p.hops.map((h) => `${h.preference} ${h.host} ${h.addresses.join(',')}`) : []);
  const orders = new Set<string>();
  for (let i = 0; i < 40; i++) orders.add(hosts(await plan('pref.mail.test', Math.random)).join(' | '));
  assert.deepEqual([...orders].sort(), [
    '10 mx-a1.mail.test 127.0.0.21 | 10 mx-a2.mail.test 127.0.0.22,::1 | 20 mx-b.mail.test 127.0.0.23',
    '10 mx-a2.mail.test 127.0.0.22,::1 | 10 mx-a1.mail.test 127.0.0.21 | 20 mx-b.mail.test 127.0.0.23',
  ]);
});

test('no MX: the domain itself; a null MX bounces 5.1.10; no such domain bounces 5.1.2', async () => {
  assert.deepEqual(await plan('nomx.mail.test'), { kind: 'hops', hops: [{ host: 'nomx.mail.test', preference: 0, addresses: ['127.0.0.24'] }] });
  assert.deepEqual(await plan('nullmx.mail.test'), { kind: 'bounce', enhanced: '5.1.10', text: 'Domain nullmx.mail.test does not accept mail (nullMX)' });
  const missing = await plan('nowhere.mail.test');
  assert.equal(missing.kind, 'bounce');
  assert.equal(missing.kind === 'bounce' && missing.enhanced, '5.1.2');
  const noAddress = await plan('txtonly.mail.test');
  assert.equal(noAddress.kind === 'bounce' && noAddress.enhanced, '5.1.2', 'neither MX nor address records: nowhere to deliver');
});

test('ourselves in the MX list: only better hosts are tried; best ourselves (by name or address) is a loop', async () => {
  assert.deepEqual(await plan('us.mail.test'), { kind: 'hops', hops: [{ host: 'better.mail.test', preference: 10, addresses: ['127.0.0.25'] }] });
  assert.deepEqual(await plan('usbest.mail.test'), { kind: 'bounce', enhanced: '5.4.6', text: 'mail for usbest.mail.test loops back to myself' });
  assert.deepEqual(await plan('[127.0.0.1]'), { kind: 'bounce', enhanced: '5.4.6', text: 'mail for [127.0.0.1] loops back to myself' });
  assert.deepEqual(await plan('[127.0.0.30]'), { kind: 'hops', hops: [{ host: '[127.0.0.30]', preference: 0, addresses: ['127.0.0.30'] }] });
});

test('MX hosts without addresses are skipped; when none has one, 5.4.4', async () => {
  assert.deepEqual(await plan('both.mail.test'), { kind: 'hops', hops: [{ host: 'mx-b.mail.test', preference: 20, addresses: ['127.0.0.23'] }] });
  const none = await plan('noaddr.mail.test');
  assert.equal(none.kind === 'bounce' && none.enhanced, '5.4.4');
});

test('a DNS failure defers, never bounces', async () => {
  // Postern's server refuses names outside its zones; a dead server times out.
  const refused = await plan('elsewhere.example');
  assert.equal(refused.kind, 'defer');
  assert.match(refused.kind === 'defer' ? refused.text : '', /name=elsewhere\.example type=MX: REFUSED, try again/);
  const dead = new Resolver({ servers: [{ address: '127.0.0.1', port: 9 }], timeoutMs: 200, attempts: 1 });
  try {
    const result = await planMxDelivery('pref.mail.test', { resolver: dead, self });
    assert.equal(result.kind, 'defer');
    assert.equal(result.kind === 'defer' && result.enhanced, '4.4.3');
  } finally {
    dead.close();
  }
});
