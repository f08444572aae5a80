// `postern start` with the three listener roles, talking to real clients: swaks and Python's
// smtplib over STARTTLS, submission with AUTH, and implicit TLS; users made by `postern user add`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { freePort, POSTERN_BIN, startPostern, tempDir, writeConfig, type RunningPostern } from '../helpers/postern-process.ts';
import { sendWithSmtplib } from '../helpers/smtp-send.ts';
import { testCa } from '../helpers/test-ca.ts';

const ca = testCa();
let dir: { path: string; remove: () => void };
let postern: RunningPostern;
let ports: { mta: number; submission: number; submissions: number };

before(async () => {
  dir = tempDir();
  ports = { mta: await freePort(), submission: await freePort(), submissions: await freePort() };
  const config = writeConfig(
    dir.path,
    `hostname: mx.example.test
dataDir: var
log: { format: json }
smtp:
  listeners:
    - { address: 127.0.0.1, port: ${ports.mta}, role: mta }
    - { address: 127.0.0.1, port: ${ports.submission}, role: submission }
    - { address: 127.0.0.1, port: ${ports.submissions}, role: submissions }
  tls: { certificates: [ { cert: ${ca.server.chainFile}, key: ${ca.server.keyFile} } ] }
  auth: { failureDelay: 200ms }
directory: { backends: [ { type: file, path: users.yaml } ] }
domains: [ example.test ]
relay: { networks: [ 192.0.2.0/24 ] }   # not the test client: relaying needs AUTH
resolver: { servers: [ "127.0.0.1:9" ], timeout: 200ms, attempts: 1 }   # no DNS answers: remote mail is deferred and stays queued
routes: { example.test: { type: maildir, path: mail } }
`,
  );
  // bob receives mail: with directory backends, recipients of our domains must be users.
  for (const user of ['alice@example.test', 'bob@example.test']) {
    const added = spawnSync(process.execPath, [POSTERN_BIN, 'user', 'add', user, '--config', config], { input: 's3cret\n', encoding: 'utf8' });
    assert.equal(added.status, 0, added.stderr);
  }
  postern = await startPostern(config);
});

after(async () => {
  await postern.stop();
  dir.remove();
});

function swaks(args: string[]): { status: number | null; out: string } {
  const r = spawnSync('swaks', ['--server', '127.0.0.1', '--helo', 'client.example.org', '--tls-verify', '--tls-ca-path', ca.caFile, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

async function delivered(user: string, marker: string): Promise<string> {
  const folder = join(dir.path, 'mail', user, 'new');
  for (let i = 0; i < 200; i++) {
    const hit = existsSync(folder) ? readdirSync(folder).map((f) => readFileSync(join(folder, f), 'utf8')).find((m) => m.includes(marker)) : undefined;
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no message with ${marker} in ${folder}`);
}

function queuedRecipients(): string[] {
  const db = new Database(join(dir.path, 'var', 'queue', 'queue.db'), { readonly: true });
  try {
    return (db.prepare('SELECT address FROM recipients').all() as Array<{ address: string }>).map((r) => r.address);
  } finally {
    db.close();
  }
}

test('swaks over STARTTLS on port 25 (mta): verified certificate, delivered, TLS in the Received header', async () => {
  const r = swaks(['--port', String(ports.mta), '--tls', '--from', 'x@example.org', '--to', 'bob@example.test', '--header', 'Subject: swaks-starttls']);
  assert.equal(r.status, 0, r.out);
  const message = await delivered('bob', 'swaks-starttls');
  assert.match(message, /\tby mx\.example\.test \(Postern\) with ESMTPS id \w+\n\t\(using TLSv1\.3 with cipher TLS_\w+\)/);
});

test('swaks submission (587): STARTTLS, AUTH PLAIN and LOGIN, relaying for the authenticated user; a wrong password is 535', async () => {
  for (const mechanism of ['PLAIN', 'LOGIN']) {
    const r = swaks(['--port', String(ports.submission), '--tls', '--auth', mechanism, '--auth-user', 'alice@example.test', '--auth-password', 's3cret',
      '--from', 'alice@example.test', '--to', `friend-${mechanism}@remote.example`]);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /<~ {2}235 2\.7\.0 Authentication successful/);
  }
  assert.ok(queuedRecipients().includes('friend-PLAIN@remote.example'), 'relayed mail waits in the queue for remote delivery');
  const wrong = swaks(['--port', String(ports.submission), '--tls', '--auth', 'PLAIN', '--auth-user', 'alice@example.test', '--auth-password', 'guess',
    '--from', 'alice@example.test', '--to', 'x@remote.example']);
  assert.notEqual(wrong.status, 0);
  assert.match(wrong.out, /<~\*? {1,2}535 5\.7\.8 Authentication credentials invalid/);
  const plaintext = swaks(['--port', String(ports.submission), '--auth', 'PLAIN', '--auth-user', 'alice@example.test', '--auth-password', 's3cret', '--from', 'alice@example.test', '--to', 'x@remote.example']);
  assert.notEqual(plaintext.status, 0, 'no AUTH without TLS');
  assert.ok(!queuedRecipients().includes('x@remote.example'));
});

test('swaks over implicit TLS (465, submissions): AUTH, Message-ID and Date added', async () => {
  const r = swaks(['--port', String(ports.submissions), '--tls-on-connect', '--auth', 'LOGIN', '--auth-user', 'alice@example.test', '--auth-password', 's3cret',
    '--from', 'alice@example.test', '--to', 'bob@example.test', '--data', 'Subject: implicit-tls\r\n\r\nno date, no id\r\n']);
  assert.equal(r.status, 0, r.out);
  const message = await delivered('bob', 'implicit-tls');
  assert.match(message, /with ESMTPSA id \w+\n\t\(using TLSv1\.3/);
  assert.match(message, /\nDate: [^\n]+\nMessage-ID: <[^>]+@mx\.example\.test>\n\nno date, no id/);
});

test('smtplib: STARTTLS + login on submission, and SMTP_SSL + login on submissions', async () => {
  const message = (marker: string) => ({ from: 'alice@example.test', to: ['bob@example.test'], body: `Subject: ${marker}\r\n\r\nvia smtplib\r\n` });
  const [starttls] = await sendWithSmtplib(ports.submission, [message('smtplib-starttls')], 1, { tls: 'starttls', cafile: ca.caFile, login: ['alice@example.test', 's3cret'] });
  assert.equal(starttls!.code, 250, starttls!.reply);
  const [implicit] = await sendWithSmtplib(ports.submissions, [message('smtplib-implicit')], 1, { tls: 'implicit', cafile: ca.caFile, login: ['alice@example.test', 's3cret'] });
  assert.equal(implicit!.code, 250, implicit!.reply);
  await delivered('bob', 'smtplib-starttls');
  await delivered('bob', 'smtplib-implicit');
  const [unauthenticated] = await sendWithSmtplib(ports.submission, [message('no-login')], 1, { tls: 'starttls', cafile: ca.caFile });
  assert.equal(unauthenticated!.code, 530);
  const refusal = postern.logs.find((l) => l.msg === 'authentication failed');
  assert.ok(refusal && refusal.user === 'alice@example.test' && refusal.client === '127.0.0.1', 'failed AUTH is logged with the client and user');
});
