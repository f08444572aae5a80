// /metrics with admin.metricsPublic: readable without a token (the API still is not), and the
// DNS server's counters in it moving as dig asks the zone Postern serves.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { freePort } from '../helpers/postern-process.ts';
import { startAdminFixture, type AdminFixture } from './admin-fixture.ts';

const ZONE = `$ORIGIN metrics.test.
$TTL 60
@    SOA ns hostmaster 1 3600 600 86400 60
     NS  ns
ns   A   127.0.0.53
www  A   127.0.0.80
`;

let f: AdminFixture;
let dnsPort: number;

before(async () => {
  dnsPort = await freePort();
  f = await startAdminFixture(`dns: { listen: [ "127.0.0.1:${dnsPort}" ], workers: 1, zones: [ { name: metrics.test, file: metrics.test.zone } ] }\n`, { 'metrics.test.zone': ZONE }, ', metricsPublic: true');
});

after(async () => {
  await f.close();
});

function sample(metrics: string, series: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

function dig(name: string, type: string): string {
  const r = spawnSync('dig', [`@127.0.0.1`, '-p', String(dnsPort), '+short', '+tries=1', '+time=2', name, type], { encoding: 'utf8' });
  return r.stdout.trim();
}

test('with metricsPublic, /metrics needs no token and the API still does', async () => {
  assert.equal((await fetch(`${f.adminUrl}/metrics`)).status, 200);
  assert.equal((await fetch(`${f.adminUrl}/api/counters`)).status, 401);
});

test('DNS queries by type and responses by rcode move in /metrics as dig asks', async () => {
  const before = await (await fetch(`${f.adminUrl}/metrics`)).text();
  assert.equal(dig('www.metrics.test', 'A'), '127.0.0.80');
  assert.equal(dig('www.metrics.test', 'A'), '127.0.0.80');
  dig('nothing.metrics.test', 'A');
  dig('metrics.test', 'MX');
  const after = await (await fetch(`${f.adminUrl}/metrics`)).text();
  assert.equal(sample(after, 'postern_dns_queries_total{type="A"}') - sample(before, 'postern_dns_queries_total{type="A"}'), 3);
  assert.equal(sample(after, 'postern_dns_queries_total{type="MX"}') - sample(before, 'postern_dns_queries_total{type="MX"}'), 1);
  assert.equal(sample(after, 'postern_dns_responses_total{rcode="NXDOMAIN"}') - sample(before, 'postern_dns_responses_total{rcode="NXDOMAIN"}'), 1);
  assert.equal(sample(after, 'postern_dns_responses_total{rcode="NOERROR"}') - sample(before, 'postern_dns_responses_total{rcode="NOERROR"}'), 3);
  const zones = (await (await f.api('/api/dns/zones')).json()) as { zones: Array<{ name: string; type: string }> };
  assert.deepEqual(zones.zones.map((z) => [z.name, z.type]), [['metrics.test', 'primary']]);
  const reload = (await (await f.api('/api/dns/reload', { method: 'POST' })).json()) as { ok: boolean; details: string[] };
  assert.equal(reload.ok, true);
  assert.deepEqual(reload.details, ['zone metrics.test: serial 1']);
  const logged = await f.postern.waitForLog((l) => l.msg === 'admin change' && l.action === 'dns reload');
  assert.equal(logged.actor, 'admin');
});
