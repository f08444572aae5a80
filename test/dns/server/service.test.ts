// startDnsService as the application uses it: start-up errors, reloads that swap zones (or keep
// the old version when the new file is broken), close, and the cluster mode.
import assert from 'node:assert/strict';
import cluster from 'node:cluster';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { startDnsService } from '../../../src/dns/server/service.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { dig, startTestDnsServer } from '../../helpers/dns.ts';
import { tempDir } from '../../helpers/postern-process.ts';

const FIXTURE = resolve(import.meta.dirname, '../../fixtures/zones/example.test.zone');
const FIXTURE_TEXT = readFileSync(FIXTURE, 'utf8');

function zoneCopy(t: { after: (fn: () => void) => void }): { dir: string; file: string } {
  const dir = tempDir('postern-dns-service-');
  t.after(() => dir.remove());
  const file = join(dir.path, 'example.test.zone');
  copyFileSync(FIXTURE, file);
  return { dir: dir.path, file };
}

/** The fixture with another serial and another address for www. */
function edited(serial: number, www: string): string {
  return FIXTURE_TEXT.replace('2026112801 ; serial', `${serial} ; serial`).replace(/^www(\s+)IN(\s+)A(\s+)127\.0\.0\.20$/m, `www$1IN$2A$3${www}`);
}

async function addressOf(server: { address: string; port: number }, name: string, tcp = false): Promise<string[]> {
  const r = await dig(server, [...(tcp ? ['+tcp'] : []), name, 'A']);
  return r.answer.map((x) => x.data);
}

test('reload swaps in a changed zone; a broken file keeps the previous version serving', async (t) => {
  const { file } = zoneCopy(t);
  const { service, endpoint } = await startTestDnsServer(t, [{ name: 'example.test', file }]);
  assert.deepEqual(await addressOf(endpoint, 'www.example.test'), ['127.0.0.20']);

  writeFileSync(file, edited(2026112802, '127.0.0.21'));
  const report = await service.reload();
  assert.deepEqual(report, { zones: [{ name: 'example.test', ok: true, serial: 2026112802, problems: [] }] });
  assert.deepEqual(await addressOf(endpoint, 'www.example.test'), ['127.0.0.21']);

  writeFileSync(file, `${edited(2026112803, '127.0.0.22')}\nbroken IN MX not-a-number\n`);
  const broken = await service.reload();
  assert.equal(broken.zones[0].ok, false);
  assert.equal(broken.zones[0].serial, undefined);
  assert.ok(broken.zones[0].problems.some((p) => p.includes(`${file}:`) && p.includes('MX')), broken.zones[0].problems.join('\n'));
  assert.deepEqual(await addressOf(endpoint, 'www.example.test'), ['127.0.0.21'], 'the previous version still serves');
  const soa = await dig(endpoint, ['example.test', 'SOA', '+short']);
  assert.match(soa.text, /2026112802/);
});

test('reload with a new zone list adds and removes zones', async (t) => {
  const { dir, file } = zoneCopy(t);
  const other = join(dir, 'other.test.zone');
  writeFileSync(other, '$ORIGIN other.test.\n$TTL 60\n@ SOA ns1 hostmaster 5 60 60 600 60\n@ NS ns1\nns1 A 127.0.0.5\nwww A 127.0.0.6\n');
  const { service, endpoint } = await startTestDnsServer(t, [{ name: 'example.test', file }]);
  assert.equal((await dig(endpoint, ['www.other.test', 'A'])).status, 'REFUSED');
  const report = await service.reload([{ name: 'other.test', file: other }]);
  assert.deepEqual(report.zones.map((z) => [z.name, z.ok, z.serial]), [['other.test', true, 5]]);
  assert.deepEqual(await addressOf(endpoint, 'www.other.test'), ['127.0.0.6']);
  assert.equal((await dig(endpoint, ['www.example.test', 'A'])).status, 'REFUSED');
});

test('start-up fails with the problems when a zone does not load', async (t) => {
  const { dir } = zoneCopy(t);
  const bad = join(dir, 'bad.zone');
  writeFileSync(bad, '$ORIGIN bad.test.\n$TTL 60\nwww A 127.0.0.1\n');
  await assert.rejects(
    startDnsService({ listen: [{ address: '127.0.0.1', port: 0 }], zones: [{ name: 'bad.test', file: bad }], workers: 1, tcpIdleTimeoutMs: 1000, maxTcpConnections: 10, logger: silentLogger() }),
    /zones failed to load: bad\.test \(.*SOA/,
  );
  await assert.rejects(
    startDnsService({ listen: [{ address: '127.0.0.1', port: 0 }], zones: [{ name: 'missing.test', file: join(dir, 'missing.zone') }], workers: 1, tcpIdleTimeoutMs: 1000, maxTcpConnections: 10, logger: silentLogger() }),
    /missing\.test \(.*missing\.zone/,
  );
});

test('start-up fails naming the address when the port is taken', async (t) => {
  const blocker = createServer();
  await new Promise<void>((ok) => blocker.listen(0, '127.0.0.1', ok));
  t.after(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  await assert.rejects(
    startDnsService({ listen: [{ address: '127.0.0.1', port }], zones: [{ name: 'example.test', file: FIXTURE }], workers: 1, tcpIdleTimeoutMs: 1000, maxTcpConnections: 10, logger: silentLogger() }),
    new RegExp(`TCP 127\\.0\\.0\\.1:${port}: EADDRINUSE`),
  );
});

test('several listen addresses each get UDP and TCP on one port', async (t) => {
  const service = await startDnsService({
    listen: [{ address: '127.0.0.1', port: 0 }, { address: '127.0.0.2', port: 0 }],
    zones: [{ name: 'example.test', file: FIXTURE }],
    workers: 1,
    tcpIdleTimeoutMs: 1000,
    maxTcpConnections: 10,
    logger: silentLogger(),
  });
  t.after(() => service.close());
  assert.deepEqual(service.endpoints.map((e) => e.address), ['127.0.0.1', '127.0.0.2']);
  for (const endpoint of service.endpoints) {
    assert.deepEqual(await addressOf(endpoint, 'www.example.test'), ['127.0.0.20']);
    assert.deepEqual(await addressOf(endpoint, 'www.example.test', true), ['127.0.0.20']);
  }
});

test('after close nothing answers', async () => {
  const service = await startDnsService({ listen: [{ address: '127.0.0.1', port: 0 }], zones: [{ name: 'example.test', file: FIXTURE }], workers: 1, tcpIdleTimeoutMs: 1000, maxTcpConnections: 10, logger: silentLogger() });
  const [endpoint] = service.endpoints;
  assert.deepEqual(await addressOf(endpoint, 'www.example.test'), ['127.0.0.20']);
  await service.close();
  const r = await dig(endpoint, ['www.example.test', 'A']);
  assert.notEqual(r.exitCode, 0);
});

test('cluster mode: two workers answer over UDP and TCP, reload in every worker, stop on close', async (t) => {
  const { file } = zoneCopy(t);
  const service = await startDnsService({ listen: [{ address: '127.0.0.1', port: 0 }], zones: [{ name: 'example.test', file }], workers: 2, tcpIdleTimeoutMs: 1000, maxTcpConnections: 10, logger: silentLogger() });
  let closed = false;
  t.after(() => (closed ? undefined : service.close()));
  const [endpoint] = service.endpoints;
  assert.ok(endpoint.port > 0);
  for (let i = 0; i < 6; i++) assert.deepEqual(await addressOf(endpoint, 'www.example.test', i % 2 === 1), ['127.0.0.20']);

  writeFileSync(file, edited(2026112805, '127.0.0.25'));
  const report = await service.reload();
  assert.deepEqual(report.zones.map((z) => [z.ok, z.serial]), [[true, 2026112805]]);
  // Queries are spread over the workers: every one of them must have the new version.
  for (let i = 0; i < 8; i++) assert.deepEqual(await addressOf(endpoint, 'www.example.test', i % 2 === 1), ['127.0.0.25']);

  await service.close();
  closed = true;
  assert.notEqual((await dig(endpoint, ['www.example.test', 'A'])).exitCode, 0);
});

test('cluster mode: a broken zone fails the start with its problems; a dead worker is replaced', async (t) => {
  const { dir, file } = zoneCopy(t);
  const bad = join(dir, 'bad.zone');
  writeFileSync(bad, '$ORIGIN bad.test.\n$TTL 60\nwww A 127.0.0.1\n');
  const options = { listen: [{ address: '127.0.0.1', port: 0 }], workers: 2, tcpIdleTimeoutMs: 1000, maxTcpConnections: 10, logger: silentLogger() };
  await assert.rejects(startDnsService({ ...options, zones: [{ name: 'bad.test', file: bad }] }), /zones failed to load: bad\.test \(.*SOA/);
  assert.equal(Object.keys(cluster.workers ?? {}).length, 0, 'no worker is left running');

  const service = await startDnsService({ ...options, zones: [{ name: 'example.test', file }] });
  t.after(() => service.close());
  const [endpoint] = service.endpoints;
  const [victim] = Object.values(cluster.workers ?? {});
  victim!.process.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 200));
  // The surviving worker answers at once; the replacement joins after a pause.
  for (let i = 0; i < 4; i++) assert.deepEqual(await addressOf(endpoint, 'www.example.test', i % 2 === 1), ['127.0.0.20']);
  for (let waited = 0; Object.keys(cluster.workers ?? {}).length < 2 && waited < 10_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
  assert.equal(Object.keys(cluster.workers ?? {}).length, 2);
  const report = await service.reload();
  assert.equal(report.zones[0].ok, true);
});
