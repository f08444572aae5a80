// Postern as the primary of a real Knot DNS secondary: Knot holds a TSIG key, sends its SOA
// queries and transfer requests signed and takes NOTIFY only with that key. Postern (two
// cluster workers, NOTIFY sent once from the main process) notifies Knot when it starts, and
// again after `postern dns reload` brings a new serial and after a dynamic update sent with
// `nsupdate -y` (forwarded by a worker to the main process); Knot then has the new version.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { dig, type Endpoint } from '../../helpers/dns.ts';
import { freePort, runPosternAsync, startPostern, tempDir, writeConfig } from '../../helpers/postern-process.ts';
import { SECRETS, zoneText } from './helpers.ts';

const ZONE = 'example.test';

async function serialAt(server: Endpoint): Promise<number | undefined> {
  const result = await dig(server, ['+norec', '+time=1', ZONE, 'SOA']);
  const soa = result.answer.find((rr) => rr.type === 'SOA');
  return soa === undefined ? undefined : Number(soa.data.split(/\s+/)[2]);
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function nsupdate(port: number, key: string, script: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile('nsupdate', ['-y', key], { timeout: 20_000 }, (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr }));
    child.stdin!.end(`server 127.0.0.1 ${port}\nzone ${ZONE}\n${script}\nsend\n`);
  });
}

test('a Knot secondary gets the zone after our NOTIFY, signed with its key, and each new serial after dns reload and after nsupdate', async (t) => {
  const dir = tempDir('postern-knot-secondary-');
  t.after(() => dir.remove());
  const posternPort = await freePort();
  const knot: Endpoint = { address: '127.0.0.1', port: await freePort() };
  const key = { name: 'xfr-key', algorithm: 'hmac-sha256', secret: SECRETS.sha256 };
  const ddns = { name: 'ddns-key', algorithm: 'hmac-sha256', secret: Buffer.from('the dynamic update key, 32 bytes').toString('base64') };

  mkdirSync(join(dir.path, 'zones'));
  const zoneFile = join(dir.path, 'zones', `${ZONE}.zone`);
  writeFileSync(zoneFile, zoneText(ZONE, 2024010101, 300));
  const config = writeConfig(
    dir.path,
    `dataDir: var
log: { level: info, format: json }
dns:
  listen: [ "127.0.0.1:${posternPort}" ]
  workers: 2
  keys: [ { name: ${key.name}, algorithm: ${key.algorithm}, secret: "${key.secret}" }, { name: ${ddns.name}, algorithm: ${ddns.algorithm}, secret: "${ddns.secret}" } ]
  zones:
    - { name: ${ZONE}, file: zones/${ZONE}.zone, allowTransfer: [ "key:${key.name}" ], allowUpdate: [ "key:${ddns.name}" ], notify: [ { address: "127.0.0.1:${knot.port}", key: ${key.name} } ] }
`,
  );

  // Knot first: with Postern not yet up its first refresh fails, and only our NOTIFY brings the zone soon.
  const knotDir = join(dir.path, 'knot');
  mkdirSync(knotDir);
  const knotConfig = join(knotDir, 'knot.conf');
  writeFileSync(
    knotConfig,
    [
      'server:',
      `  listen: ${knot.address}@${knot.port}`,
      `  rundir: "${knotDir}"`,
      '  background-workers: 1',
      '  udp-workers: 1',
      '  tcp-workers: 1',
      'key:',
      `  - id: ${key.name}`,
      `    algorithm: ${key.algorithm}`,
      `    secret: ${key.secret}`,
      'remote:',
      '  - id: postern',
      `    address: 127.0.0.1@${posternPort}`,
      `    key: ${key.name}`,
      'acl:',
      '  - id: notify-from-postern',
      '    address: 127.0.0.1',
      `    key: ${key.name}`,
      '    action: notify',
      'template:',
      '  - id: default',
      `    storage: "${knotDir}"`,
      'zone:',
      `  - domain: ${ZONE}`,
      '    master: postern',
      '    acl: notify-from-postern',
      'log:',
      '  - target: stderr',
      '    any: info',
      '',
    ].join('\n'),
  );
  const knotd = spawn('knotd', ['-c', knotConfig], { stdio: ['ignore', 'ignore', 'pipe'] });
  let knotLog = '';
  knotd.stderr.setEncoding('utf8').on('data', (chunk: string) => (knotLog += chunk));
  const knotExited = new Promise<void>((done) => knotd.once('exit', () => done()));
  t.after(async () => {
    if (knotd.exitCode === null && knotd.signalCode === null) knotd.kill('SIGTERM');
    await knotExited;
  });
  await waitFor('knotd to answer', async () => ((await dig(knot, ['+norec', '+time=1', ZONE, 'SOA'])).status !== undefined ? true : undefined));
  await waitFor('knotd to fail its first refresh', async () => (/refresh, remote .* failed|failed to refresh|bootstrap/i.test(knotLog) ? true : undefined), 10_000);

  const postern = await startPostern(config);
  t.after(async () => {
    await postern.stop();
  });
  try {
    await waitFor('Knot to have serial 2024010101', async () => ((await serialAt(knot)) === 2024010101 ? true : undefined));
  } catch (err) {
    throw new Error(`${(err as Error).message}\nknot:\n${knotLog}\npostern:\n${postern.logs.map((l) => JSON.stringify(l)).join('\n')}`);
  }
  assert.match(knotLog, /notify|NOTIFY/);
  assert.ok(postern.logs.some((l) => l.msg === 'zone transferred' && l.key === key.name));
  const answered = () => postern.logs.filter((l) => l.msg === 'NOTIFY answered');
  await waitFor('the NOTIFY answer', async () => (answered().length > 0 ? true : undefined));
  // A record from the zone, served by Knot.
  assert.equal((await dig(knot, ['+norec', 'h299.example.test', 'A'])).answer[0]?.data, '10.1.43.1');

  writeFileSync(zoneFile, `${zoneText(ZONE, 2024010102, 300)}added IN A 192.0.2.77\n`);
  const reload = await runPosternAsync(['dns', 'reload', '--config', config]);
  assert.equal(reload.status, 0, reload.stderr);
  try {
    await waitFor('Knot to have serial 2024010102', async () => ((await serialAt(knot)) === 2024010102 ? true : undefined));
  } catch (err) {
    throw new Error(`${(err as Error).message}\nknot:\n${knotLog}\npostern:\n${postern.logs.map((l) => JSON.stringify(l)).join('\n')}`);
  }
  assert.equal((await dig(knot, ['+norec', 'added.example.test', 'A'])).answer[0]?.data, '192.0.2.77');
  // One NOTIFY per new serial, from the main process: not one per worker.
  await waitFor('the second NOTIFY answer', async () => (answered().length >= 2 ? true : undefined));
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(answered().map((l) => l.serial), [2024010101, 2024010102]);

  const update = await nsupdate(posternPort, `hmac-sha256:${ddns.name}:${ddns.secret}`, 'update add dyn.example.test 300 A 192.0.2.88');
  assert.equal(update.code, 0, update.out);
  try {
    await waitFor('Knot to have the updated serial 2024010103', async () => ((await serialAt(knot)) === 2024010103 ? true : undefined));
  } catch (err) {
    throw new Error(`${(err as Error).message}\nknot:\n${knotLog}\npostern:\n${postern.logs.map((l) => JSON.stringify(l)).join('\n')}`);
  }
  assert.equal((await dig(knot, ['+norec', 'dyn.example.test', 'A'])).answer[0]?.data, '192.0.2.88', 'the update reached the secondary');
});
