// Dynamic updates from BIND's nsupdate into Postern's DNS server: applied, journalled, served,
// still there after a restart, written back to the zone file, and a hand edit that would lose
// them refused.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../../../src/log/logger.ts';
import { startDnsService, type DnsService } from '../../../src/dns/server/service.ts';
import { accessList, type AccessRule } from '../../../src/dns/acl.ts';
import type { DynamicZone } from '../../../src/dns/update/processor.ts';
import { dig } from '../../helpers/dns.ts';
import { scratchDir } from '../../helpers/scratch-dirs.ts';

const ZONE = `$ORIGIN dyn.test.
$TTL 300
@    SOA ns hostmaster 100 3600 600 86400 300
     NS  ns
ns   A   127.0.0.53
www  A   192.0.2.10
`;

function nsupdate(port: number, script: string, key?: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const args = ['-v', ...(key ? ['-y', key] : [])];
    const child = execFile('nsupdate', args, { timeout: 20_000 }, (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr }));
    child.stdin!.end(`server 127.0.0.1 ${port}\nzone dyn.test\n${script}\nsend\n`);
  });
}

const KEY = { name: 'upd-key', algorithm: 'hmac-sha256' as const, secret: Buffer.from('an update key of thirty-two bytes!').toString('base64') };

async function start(dir: string, allow: AccessRule[], zonefileSyncMs?: number, workers = 1): Promise<DnsService> {
  const zone: DynamicZone = { name: 'dyn.test', file: join(dir, 'dyn.test.zone'), journal: join(dir, 'dyn.test.jnl'), allow: accessList(allow), zonefileSyncMs };
  return startDnsService({
    listen: [{ address: '127.0.0.1', port: 0 }],
    zones: [{ name: 'dyn.test', file: zone.file, journal: zone.journal, allowTransfer: ['127.0.0.0/8'] }],
    workers,
    tcpIdleTimeoutMs: 5000,
    maxTcpConnections: 20,
    updates: { zones: [zone] },
    keys: [KEY],
    logger: silentLogger(),
  });
}

const anyone: AccessRule[] = ['127.0.0.0/8'];

test('nsupdate adds and deletes; the change is served, survives a restart, and a zone file edit without a higher serial is refused', async () => {
  const dir = await scratchDir();
  writeFileSync(join(dir, 'dyn.test.zone'), ZONE);
  let dns = await start(dir, anyone);
  try {
    const server = () => dns.endpoints[0]!;
    const added = await nsupdate(server().port, 'update add new.dyn.test 600 A 192.0.2.77\nupdate delete www.dyn.test A 192.0.2.10');
    assert.equal(added.code, 0, added.out);
    assert.deepEqual((await dig(server(), ['new.dyn.test', 'A'])).answer.map((r) => r.data), ['192.0.2.77']);
    assert.equal((await dig(server(), ['www.dyn.test', 'A'])).status, 'NXDOMAIN');
    assert.match((await dig(server(), ['dyn.test', 'SOA'])).answer[0]!.data, / 101 3600 /, 'the serial went up by one');

    const prerequisite = await nsupdate(server().port, 'prereq nxdomain new.dyn.test\nupdate add new.dyn.test 600 A 192.0.2.78');
    assert.notEqual(prerequisite.code, 0);
    assert.match(prerequisite.out, /YXDOMAIN/);

    await dns.close();
    dns = await start(dir, anyone);
    assert.deepEqual((await dig(server(), ['new.dyn.test', 'A'])).answer.map((r) => r.data), ['192.0.2.77'], 'replayed from the journal after a restart');

    writeFileSync(join(dir, 'dyn.test.zone'), ZONE.replace('www  A   192.0.2.10', 'www  A   192.0.2.99'));
    const report = await dns.reload();
    assert.equal(report.zones[0]!.ok, false);
    assert.match(report.zones[0]!.problems.join('\n'), /edited while dynamic updates are pending, and its serial 100 is not newer than the last update's 101; raise the zone file's serial above 101/);
    assert.deepEqual((await dig(server(), ['new.dyn.test', 'A'])).answer.map((r) => r.data), ['192.0.2.77'], 'the updates keep being served');

    writeFileSync(join(dir, 'dyn.test.zone'), ZONE.replace(' 100 ', ' 200 '));
    assert.equal((await dns.reload()).zones[0]!.ok, true, 'a hand edit with a higher serial replaces the updates');
    assert.equal((await dig(server(), ['new.dyn.test', 'A'])).status, 'NXDOMAIN');
  } finally {
    await dns.close();
  }
});

test('allowUpdate by TSIG key (nsupdate -y): signed updates apply, unsigned and wrongly signed ones change nothing; the zone file is rewritten after zonefileSync', async () => {
  const dir = await scratchDir();
  writeFileSync(join(dir, 'dyn.test.zone'), ZONE);
  const dns = await start(dir, ['key:upd-key'], 200);
  try {
    const port = dns.endpoints[0]!.port;
    const signed = await nsupdate(port, 'update add synced.dyn.test 300 TXT "written back"', `hmac-sha256:upd-key:${KEY.secret}`);
    assert.equal(signed.code, 0, signed.out);
    const refused = await nsupdate(port, 'update add forbidden.dyn.test 300 A 192.0.2.1');
    assert.match(refused.out, /REFUSED/);
    const badKey = await nsupdate(port, 'update add forbidden.dyn.test 300 A 192.0.2.1', `hmac-sha256:upd-key:${Buffer.from('not the right secret at all, no').toString('base64')}`);
    assert.notEqual(badKey.code, 0);
    assert.match(badKey.out, /BADSIG|NOTAUTH|tsig verify failure/i);
    await new Promise((r) => setTimeout(r, 600));
    const file = readFileSync(join(dir, 'dyn.test.zone'), 'utf8');
    assert.match(file, /synced\.dyn\.test\.\s+300\s+IN\s+TXT\s+"written back"/);
    assert.match(file, /SOA\s+ns\.dyn\.test\. hostmaster\.dyn\.test\. 101 /);
    assert.doesNotMatch(file, /forbidden/);
  } finally {
    await dns.close();
  }
});

test('with cluster workers, updates go to the primary, which journals them once; every worker serves them', async () => {
  const dir = await scratchDir();
  writeFileSync(join(dir, 'dyn.test.zone'), ZONE);
  const dns = await start(dir, anyone, undefined, 2);
  try {
    const server = dns.endpoints[0]!;
    for (let i = 1; i <= 5; i++) assert.equal((await nsupdate(server.port, `update add host${i}.dyn.test 300 A 192.0.2.${i}`)).code, 0);
    // Queries land on either worker: each must have the whole zone.
    for (let i = 0; i < 10; i++) assert.deepEqual((await dig(server, [`host${1 + (i % 5)}.dyn.test`, 'A'])).answer.length, 1);
    assert.match((await dig(server, ['dyn.test', 'SOA'])).answer[0]!.data, / 105 3600 /);
    assert.equal(readFileSync(join(dir, 'dyn.test.jnl'), 'utf8').trim().split('\n').length, 5, 'one journal line per update, written once');

    // IXFR from serial 103: the differences of the last two updates (RFC 1995 §4), not the zone.
    // dig prints a transfer as bare record lines.
    const records = (text: string) => text.split('\n').filter((l) => /^\S+\s+\d+\s+IN\s+/.test(l)).map((l) => l.split(/\s+/));
    const ixfr = records((await dig(server, ['+tcp', 'dyn.test', 'IXFR=103'])).text);
    assert.deepEqual(ixfr.filter((f) => f[3] === 'SOA').map((f) => Number(f[6])), [105, 103, 104, 104, 105, 105]);
    assert.deepEqual(ixfr.filter((f) => f[3] === 'A').map((f) => f[0]), ['host4.dyn.test.', 'host5.dyn.test.']);
    const fromAncient = records((await dig(server, ['+tcp', 'dyn.test', 'IXFR=7'])).text);
    assert.ok(fromAncient.some((f) => f[0] === 'www.dyn.test.'), 'a serial the history does not reach: the whole zone');
  } finally {
    await dns.close();
  }
});
