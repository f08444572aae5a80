import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { dnsUpdatesOf, dnsZonesOf } from '../../src/app/postern.ts';
import { problemsOf } from '../helpers/config-problems.ts';

const FILE = '/etc/postern/postern.yaml';
const KEYS = 'keys: [ { name: ddns-key, algorithm: hmac-sha256, secret: "c2VjcmV0IGtleSBmb3IgdXBkYXRlcw==" } ]';


test('allowUpdate: a zone with it gets a journal under dataDir and an update access list; zonefileSync defaults to a minute', () => {
  const config = parseConfig(`dataDir: /var/lib/postern\ndns:\n  ${KEYS}\n  zones:\n    - { name: dyn.test, file: dyn.zone, allowUpdate: [ "key:ddns-key", 10.0.0.0/8 ] }\n    - { name: static.test, file: static.zone }\n`, FILE);
  assert.deepEqual(dnsZonesOf(config).map((z) => [z.name, z.journal]), [['dyn.test', '/var/lib/postern/dns/journal/dyn.test.jnl'], ['static.test', undefined]]);
  const updates = dnsUpdatesOf(config)!;
  assert.equal(updates.zones.length, 1);
  assert.equal(updates.zones[0]!.zonefileSyncMs, 60_000);
  assert.equal(updates.zones[0]!.allow({ address: '10.1.2.3' }), true);
  assert.equal(updates.zones[0]!.allow({ address: '192.0.2.1', key: 'ddns-key' }), true);
  assert.equal(updates.zones[0]!.allow({ address: '192.0.2.1' }), false);
  assert.equal(dnsUpdatesOf(parseConfig('dns: { zones: [ { name: a.test, file: a.zone } ] }\n', FILE)), undefined);
});

test('allowUpdate naming an unknown key, or on a secondary zone, is a configuration error saying what to do', () => {
  assert.match(problemsOf('dns: { zones: [ { name: a.test, file: a.zone, allowUpdate: [ "key:nope" ] } ] }\n').join('\n'), /^dns\.zones\[0\]\.allowUpdate: no key nope in dns\.keys/m);
  assert.match(problemsOf('dns: { zones: [ { name: a.test, type: secondary, primaries: [ { address: "192.0.2.1" } ], allowUpdate: [ 10.0.0.0/8 ] } ] }\n').join('\n'), /a secondary zone takes no dynamic updates/);
});
