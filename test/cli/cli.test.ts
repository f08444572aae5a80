import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort, runPostern, runPosternAsync, startPostern, tempDir, writeConfig, type RunningPostern } from '../helpers/postern-process.ts';

const BUNDLED_ZONE = resolve(import.meta.dirname, '../../config/zones/example.test.zone');

function dig(port: number, ...args: string[]): string {
  return execFileSync('dig', ['@127.0.0.1', '-p', String(port), '+time=2', '+tries=1', ...args], { encoding: 'utf8' });
}

test('--version and help', () => {
  const version = runPostern(['--version']);
  assert.equal(version.status, 0);
  assert.match(version.stdout, /^postern \d+\.\d+\.\d+\n$/);
  const help = runPostern(['help']);
  assert.equal(help.status, 0);
  for (const verb of ['start', 'stop', 'reload', 'check-config', 'dns']) assert.match(help.stdout, new RegExp(`\\b${verb}\\b`));
  const dnsHelp = runPostern(['help', 'dns']);
  assert.match(dnsHelp.stdout, /check-zone FILE --origin NAME/);
});

test('usage errors exit 2 with a message', () => {
  const unknown = runPostern(['frobnicate']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown verb "frobnicate"/);
  const badOption = runPostern(['start', '--bogus']);
  assert.equal(badOption.status, 2);
  const missingOrigin = runPostern(['dns', 'check-zone', BUNDLED_ZONE]);
  assert.equal(missingOrigin.status, 2);
  assert.match(missingOrigin.stderr, /--origin NAME/);
});

test('check-config: the bundled configuration is OK', () => {
  const r = runPostern(['check-config']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /zone example\.test: loaded serial 2026112801/);
  assert.match(r.stdout, /configuration OK/);
});

test('check-config: a bad configuration exits 2 naming the key; POSTERN_CONFIG picks the file', () => {
  const dir = tempDir();
  try {
    const file = writeConfig(dir.path, 'dns:\n  listen: [ "127.0.0.1:25a" ]\n  workrs: 2\n');
    for (const r of [runPostern(['check-config', '--config', file]), runPostern(['check-config'], { POSTERN_CONFIG: file })]) {
      assert.equal(r.status, 2);
      assert.match(r.stderr, /dns\.listen\[0\]: expected "address:port"/);
      assert.match(r.stderr, /dns\.workrs: unknown key; did you mean "workers"\?/);
    }
  } finally {
    dir.remove();
  }
});

test('check-config: passwords, tokens and TSIG secrets are shown as (hidden)', () => {
  const dir = tempDir();
  try {
    const file = writeConfig(
      dir.path,
      'admin: { token: tok-4711-secret }\ndns:\n  keys: [ { name: k1, algorithm: hmac-sha256, secret: "c2VjcmV0LXNlY3JldC1zZWNyZXQ=" } ]\ndirectory:\n  backends: [ { type: ldap, url: "ldap://127.0.0.1:1", bindDn: "cn=postern,dc=example,dc=test", password: pw-4711-secret, base: "dc=example,dc=test" } ]\n',
    );
    const r = runPostern(['check-config', '--config', file]);
    assert.equal(r.status, 0, r.stderr);
    for (const secret of ['tok-4711-secret', 'c2VjcmV0LXNlY3JldC1zZWNyZXQ=', 'pw-4711-secret']) assert.ok(!r.stdout.includes(secret), `${secret} shown`);
    assert.equal(r.stdout.match(/\(hidden\)/g)?.length, 3);
  } finally {
    dir.remove();
  }
});

test('dns check-zone: OK and serial like named-checkzone, errors with file:line and exit 1', () => {
  const ok = runPostern(['dns', 'check-zone', BUNDLED_ZONE, '--origin', 'example.test']);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /zone example\.test\/IN: loaded serial 2026112801\nOK\n$/);
  const dir = tempDir();
  try {
    const bad = join(dir.path, 'bad.zone');
    writeFileSync(bad, '$TTL 1h\n@ IN SOA ns1 hostmaster 1 2h 15m 2w 5m\n@ IN NS ns1\nns1 IN A 127.0.0.1\nmx IN MX mx1\n');
    const r = runPostern(['dns', 'check-zone', bad, '--origin', 'example.test']);
    assert.equal(r.status, 1);
    assert.match(r.stdout, new RegExp(`${bad.replace(/[.]/g, '\\.')}:5: `));
  } finally {
    dir.remove();
  }
});

describe('a running Postern', () => {
  let dir: ReturnType<typeof tempDir>;
  let port: number;
  let configFile: string;
  let postern: RunningPostern;
  const configText = (zoneFile: string) =>
    `hostname: mx.example.test\ndataDir: var\nlog: { level: info, format: json }\ndns:\n  listen: [ "127.0.0.1:${port}" ]\n  workers: 1\n  zones: [ { name: example.test, file: ${zoneFile} } ]\n`;

  before(async () => {
    dir = tempDir();
    port = await freePort();
    mkdirSync(join(dir.path, 'zones'));
    copyFileSync(BUNDLED_ZONE, join(dir.path, 'zones/example.test.zone'));
    configFile = writeConfig(dir.path, configText('zones/example.test.zone'));
    postern = await startPostern(configFile);
  });
  after(async () => {
    await postern?.stop();
    dir?.remove();
  });

  test('answers DNS on the configured address', () => {
    assert.equal(dig(port, 'mx1.example.test', 'A', '+short').trim(), '127.0.0.11');
  });

  test('reload refuses a bad configuration (exit 2) and keeps serving', () => {
    writeFileSync(configFile, `${configText('zones/example.test.zone')}bogus: 1\n`);
    try {
      const r = runPostern(['reload', '--config', configFile]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /reload refused/);
      assert.match(r.stderr, /bogus: unknown key/);
      assert.equal(dig(port, 'mx1.example.test', 'A', '+short').trim(), '127.0.0.11');
    } finally {
      writeFileSync(configFile, configText('zones/example.test.zone'));
    }
  });

  test('dns reload picks up an edited zone; a broken zone keeps its previous version', () => {
    const zone = join(dir.path, 'zones/example.test.zone');
    writeFileSync(zone, `${execFileSync('cat', [BUNDLED_ZONE], { encoding: 'utf8' }).replace('2026112801', '2026112802')}new IN A 127.0.0.99\n`);
    const ok = runPostern(['dns', 'reload', '--config', configFile]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /serial 2026112802/);
    assert.equal(dig(port, 'new.example.test', 'A', '+short').trim(), '127.0.0.99');

    writeFileSync(zone, `${execFileSync('cat', [zone], { encoding: 'utf8' })}broken IN MX not-a-number\n`);
    const bad = runPostern(['dns', 'reload', '--config', configFile]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /previous version keeps serving/);
    assert.equal(dig(port, 'new.example.test', 'A', '+short').trim(), '127.0.0.99');
  });

  test('SIGHUP reloads the configuration; a bad one is refused in the log and the old one stays', async () => {
    writeFileSync(configFile, `${configText('zones/example.test.zone')}bogus: 1\n`);
    postern.child.kill('SIGHUP');
    await postern.waitForLog((l) => String(l.msg).startsWith('reload refused'));
    assert.equal(dig(port, 'mx1.example.test', 'A', '+short').trim(), '127.0.0.11');
    writeFileSync(configFile, configText('zones/example.test.zone'));
    postern.child.kill('SIGHUP');
    await postern.waitForLog((l) => l.msg === 'configuration reloaded');
  });

  test('a second instance on the same dataDir refuses to start', () => {
    const r = runPostern(['start', '--config', configFile]);
    assert.equal(r.status, 1);
    assert.match(r.stdout + r.stderr, /another Postern is running|cannot bind|EADDRINUSE/);
  });

  test('postern stop stops it gracefully (exit 0)', async () => {
    const r = await runPosternAsync(['stop', '--config', configFile]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /stopped/);
    assert.equal(await postern.exited, 0);
  });
});

test('start fails with exit 1 and a clear message when the DNS address is taken', async () => {
  const dir = tempDir();
  const port = await freePort();
  const blocker = await import('node:dgram').then((d) => d.createSocket('udp4'));
  await new Promise<void>((done) => blocker.bind(port, '127.0.0.1', done));
  try {
    const file = writeConfig(dir.path, `dataDir: var\nlog: { format: json }\ndns: { listen: [ "127.0.0.1:${port}" ], workers: 1 }\n`);
    const r = runPostern(['start', '--config', file]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${port}`));
  } finally {
    blocker.close();
    dir.remove();
  }
});

test('dns lookup resolves through Postern\'s resolver; bad input is a usage error', async () => {
  const dir = tempDir();
  const port = await freePort();
  mkdirSync(join(dir.path, 'zones'));
  copyFileSync(BUNDLED_ZONE, join(dir.path, 'zones/example.test.zone'));
  const file = writeConfig(
    dir.path,
    `dataDir: var\nlog: { format: json }\nresolver: { servers: [ "127.0.0.1:${port}" ], timeout: 1s, attempts: 1 }\ndns: { listen: [ "127.0.0.1:${port}" ], workers: 1, zones: [ { name: example.test, file: zones/example.test.zone } ] }\n`,
  );
  const postern = await startPostern(file);
  try {
    const mx = await runPosternAsync(['dns', 'lookup', 'example.test', 'MX', '--config', file]);
    assert.equal(mx.status, 0, mx.stderr);
    assert.match(mx.stdout, /example\.test\.\s+\d+\s+IN\s+MX\s+10 mx1\.example\.test\./);
    assert.match(mx.stdout, /not authenticated/);
    const missing = await runPosternAsync(['dns', 'lookup', 'nope.example.test', 'A', '--config', file]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /NXDOMAIN/);
    const badType = await runPosternAsync(['dns', 'lookup', 'example.test', 'BOGUS', '--config', file]);
    assert.equal(badType.status, 2);
    assert.match(badType.stderr, /not a DNS record type/);
  } finally {
    await postern.stop();
    dir.remove();
  }
});
