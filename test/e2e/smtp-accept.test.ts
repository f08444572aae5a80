// `postern start` accepting mail from Python's smtplib: into Maildir for our domain, queued for
// others, refused where the protocol says so.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { freePort, startPostern, tempDir, writeConfig, type RunningPostern } from '../helpers/postern-process.ts';
import { sendWithSmtplib } from '../helpers/smtp-send.ts';

let dir: { path: string; remove: () => void };
let postern: RunningPostern;
let port: number;

before(async () => {
  dir = tempDir();
  port = await freePort();
  const config = writeConfig(
    dir.path,
    `hostname: mx.example.test
dataDir: var
log: { format: json }
smtp:
  listeners: [ { address: 127.0.0.1, port: ${port} } ]
  limits: { maxMessageSize: 100k }
domains: [ example.test ]
relay: { networks: [ 127.0.0.1/32 ] }
resolver: { servers: [ "127.0.0.1:9" ], timeout: 200ms, attempts: 1 }   # no DNS answers: remote mail is deferred and stays queued
routes: { example.test: { type: maildir, path: mail } }
`,
  );
  postern = await startPostern(config);
});

after(async () => {
  await postern.stop();
  dir.remove();
});

function maildirFiles(user: string): string[] {
  const folder = join(dir.path, 'mail', user, 'new');
  return existsSync(folder) ? readdirSync(folder).map((f) => readFileSync(join(folder, f), 'utf8')) : [];
}

async function waitFor<T>(probe: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('smtplib → Maildir: Return-Path, Delivered-To, Received, the body intact', async () => {
  const [result] = await sendWithSmtplib(port, [{ from: 'alice@example.org', to: ['bob@example.test'], body: 'Subject: hello\r\n\r\nHi Bob.\r\n.dot line\r\n' }]);
  assert.equal(result!.code, 250, result!.reply);
  assert.match(result!.reply, /^2\.0\.0 Ok: queued as \w+$/);
  const [file] = await waitFor(() => (maildirFiles('bob').length > 0 ? maildirFiles('bob') : undefined), 'the Maildir file');
  assert.match(file!, /^Return-Path: <alice@example\.org>\nDelivered-To: bob@example\.test\nReceived: from client\.example\.org \(\[127\.0\.0\.1\]\)\n\tby mx\.example\.test \(Postern\) with ESMTP id \w+\n/);
  assert.ok(file!.endsWith('Subject: hello\n\nHi Bob.\n.dot line\n'));
});

test('SMTPUTF8 addresses with the parameter; refused without it', async () => {
  const results = await sendWithSmtplib(port, [
    { from: 'jörg@example.org', to: ['jürgen@example.test'], body: 'Subject: utf8\r\n\r\nHallo\r\n', mail_options: ['SMTPUTF8'] },
    { from: 'jörg@example.org', to: ['jürgen@example.test'], body: 'x\r\n' },
  ]);
  assert.equal(results[0]!.code, 250, results[0]!.reply);
  assert.equal(results[1]!.code, 553);
  assert.match(results[1]!.reply, /^5\.6\.7 /);
  await waitFor(() => (maildirFiles('j=C3=BCrgen').length > 0 ? true : undefined), 'the UTF-8 Maildir');
});

test('mail for another domain from relay.networks stays queued with its DSN parameters', async () => {
  const [r] = await sendWithSmtplib(port, [
    { from: 'alice@example.test', to: ['carol@remote.example'], body: 'Subject: out\r\n\r\nx\r\n', mail_options: ['RET=HDRS', 'ENVID=env+2B1'], rcpt_options: ['NOTIFY=FAILURE,DELAY', 'ORCPT=rfc822;carol@remote.example'] },
  ]);
  assert.equal(r!.code, 250, r!.reply);
  const id = /queued as (\w+)/.exec(r!.reply)![1]!;
  const db = new Database(join(dir.path, 'var', 'queue', 'queue.db'), { readonly: true });
  try {
    assert.deepEqual(db.prepare('SELECT sender, ret, envid FROM messages WHERE id = ?').get(id), { sender: 'alice@example.test', ret: 'hdrs', envid: 'env+1' });
    const recipient = db.prepare('SELECT address, notify, orcpt_type, orcpt_address, state FROM recipients WHERE message_id = ?').get(id) as { state: string };
    assert.deepEqual({ ...recipient, state: undefined }, { address: 'carol@remote.example', notify: '["failure","delay"]', orcpt_type: 'rfc822', orcpt_address: 'carol@remote.example', state: undefined });
    assert.ok(['queued', 'deferred'].includes(recipient.state), `queued, or deferred once its DNS lookup failed: ${recipient.state}`);
  } finally {
    db.close();
  }
});

test('SIZE refusals: declared too big at MAIL, actually too big at the end of data', async () => {
  const results = await sendWithSmtplib(port, [
    { from: 'a@example.org', to: ['bob@example.test'], body: 'x\r\n', mail_options: ['SIZE=200000'] },
    { from: 'a@example.org', to: ['bob@example.test'], body: `Subject: big\r\n\r\n${'y'.repeat(998)}\r\n`.repeat(120) },
  ]);
  assert.deepEqual(results.map((r) => [r.code, r.reply.slice(0, 5)]), [[552, '5.3.4'], [552, '5.3.4']]);
});

function swaks(args: string[]): { status: number | null; out: string } {
  const r = spawnSync('swaks', ['--server', `127.0.0.1:${port}`, '--helo', 'client.example.org', '--timeout', '10', ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('swaks with PIPELINING: accepted and delivered; from an untrusted address, relaying is denied', async () => {
  const sent = swaks(['--pipeline', '--from', 'alice@example.org', '--to', 'swaks-user@example.test', '--header', 'Subject: via swaks']);
  assert.equal(sent.status, 0, sent.out);
  assert.match(sent.out, /<- {2}250 2\.0\.0 Ok: queued as \w+/);
  await waitFor(() => (maildirFiles('swaks-user').some((f) => f.includes('Subject: via swaks')) ? true : undefined), 'the swaks message in the Maildir');
  const relay = swaks(['--local-interface', '127.0.0.2', '--from', 'alice@example.org', '--to', 'someone@elsewhere.example']);
  assert.notEqual(relay.status, 0);
  assert.match(relay.out, /<\*\* 550 5\.7\.1 Relaying denied/);
  const trick = swaks(['--local-interface', '127.0.0.2', '--from', 'alice@example.org', '--to', 'someone%elsewhere.example@example.test']);
  assert.match(trick.out, /<\*\* 550 5\.7\.1 Relaying denied/);
});
