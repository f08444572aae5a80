// Inbound TLS as an administrator renews it: the certificate files are replaced and `postern`
// gets SIGHUP; the next STARTTLS shows the new certificate without a restart. And the floor:
// a client that offers only TLS 1.1 gets no session (smtp.tls.minVersion defaults to TLSv1.2).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, startPostern, tempDir, writeConfig, type RunningPostern } from '../helpers/postern-process.ts';
import { testCa } from '../helpers/test-ca.ts';

let dir: { path: string; remove: () => void };
let postern: RunningPostern;
let port: number;

function install(name: 'renew-a' | 'renew-b'): void {
  const files = testCa().leaf(name, 'DNS:mx.example.test,IP:127.0.0.1');
  copyFileSync(files.chainFile, join(dir.path, 'cert.pem'));
  copyFileSync(files.keyFile, join(dir.path, 'key.pem'));
}

/** openssl s_client's view of STARTTLS on the listener: the subject it was shown, or its error. */
function startTls(extra: string[] = []): Promise<{ ok: boolean; output: string }> {
  return new Promise((done) => {
    const child = execFile('openssl', ['s_client', '-starttls', 'smtp', '-connect', `127.0.0.1:${port}`, '-servername', 'mx.example.test', ...extra], { timeout: 15_000 }, (err, stdout, stderr) =>
      done({ ok: err === null, output: `${stdout}${stderr}` }),
    );
    child.stdin!.end('QUIT\r\n');
  });
}

before(async () => {
  dir = tempDir();
  port = await freePort();
  install('renew-a');
  postern = await startPostern(
    writeConfig(
      dir.path,
      `hostname: mx.example.test
dataDir: var
log: { format: json }
smtp:
  listeners: [ { address: 127.0.0.1, port: ${port} } ]
  tls: { certificates: [ { cert: cert.pem, key: key.pem } ] }
`,
    ),
  );
});

after(async () => {
  await postern?.stop();
  dir?.remove();
});

test('renewed certificate files are served after SIGHUP, without a restart', async () => {
  assert.match((await startTls()).output, /subject=CN\s*=\s*renew-a/);
  install('renew-b');
  postern.child.kill('SIGHUP');
  await postern.waitForLog((l) => l.msg === 'configuration reloaded');
  assert.match((await startTls()).output, /subject=CN\s*=\s*renew-b/);
});

test('a client offering only TLS 1.1 gets no TLS session (TLS 1.2 is the floor by default)', async () => {
  const old = await startTls(['-tls1_1', '-cipher', 'DEFAULT:@SECLEVEL=0']);
  assert.doesNotMatch(old.output, /subject=CN/);
  // Alert 70 from the server: the client was willing (SECLEVEL=0), the server was not.
  assert.match(old.output, /tlsv1 alert protocol version/);
});
