// Anti-spoofing end to end: the real `postern start` with an mta and a submission listener, a
// users file with scrypt hashes, and a real sink behind every route. Clients are Python's
// smtplib and swaks from 127.0.0.1, which is outside relay.networks.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { hashPassword } from '../../src/directory/password-hash.ts';
import { freePort, startPostern, tempDir, writeConfig, type RunningPostern } from '../helpers/postern-process.ts';
import { sendWithSmtplib, type OutgoingMessage } from '../helpers/smtp-send.ts';
import { startSink, type TestSink } from '../helpers/smtp-sink.ts';
import { testCa } from '../helpers/test-ca.ts';

const ca = testCa();
let dir: { path: string; remove: () => void };
let postern: RunningPostern;
let sink: TestSink;
let ports: { mta: number; submission: number };

before(async () => {
  dir = tempDir();
  sink = await startSink('127.0.0.6', await freePort('127.0.0.6'));
  ports = { mta: await freePort(), submission: await freePort() };
  const toSink = `{ type: smtp, host: 127.0.0.6, port: ${sink.port} }`;
  const config = writeConfig(
    dir.path,
    `hostname: mx.example.test
dataDir: var
log: { format: json }
smtp:
  listeners:
    - { address: 127.0.0.1, port: ${ports.mta}, role: mta }
    - { address: 127.0.0.1, port: ${ports.submission}, role: submission }
  tls: { certificates: [ { cert: ${ca.server.chainFile}, key: ${ca.server.keyFile} } ] }
directory: { backends: [ { type: file, path: users.yaml } ] }
domains: [ example.test ]
relay: { networks: [ 192.0.2.0/24 ] }   # not the test client
policy: { submission: { senderLogin: true } }
content: { scanning: false }   # its MIME limits would answer the 10,000-line header first
resolver: { servers: [ "127.0.0.1:9" ], timeout: 200ms, attempts: 1 }
routes: { example.test: ${toSink}, "*": ${toSink} }
`,
  );
  // The users file as `postern user add` writes it, made in this process (three CLI runs cost seconds on a busy machine).
  const hash = await hashPassword('s3cret');
  const aliases: Record<string, string> = { ceo: ', aliases: [ boss@example.test ]' };
  writeFileSync(join(dir.path, 'users.yaml'), `users:\n${['ceo', 'alice', 'bob'].map((u) => `  ${u}@example.test: { password: "${hash}"${aliases[u] ?? ''} }\n`).join('')}`);
  postern = await startPostern(config);
});

after(async () => {
  await postern.stop();
  await sink.close();
  dir.remove();
});

const message = (from: string, to: string[], headerFrom: string, marker: string): OutgoingMessage => ({ from, to, body: `From: ${headerFrom}\r\nTo: ${to.join(', ')}\r\nSubject: ${marker}\r\n\r\n${marker}\r\n` });
const asCeo = { tls: 'starttls' as const, cafile: ca.caFile, login: ['ceo@example.test', 's3cret'] as [string, string] };

/** Whether a message with the marker is at the sink now; refused ones never got a 250, so checking after a later one arrived is enough. */
async function atSink(marker: string): Promise<boolean> {
  return (await sink.received()).some((m) => m.body.includes(marker));
}

async function arrived(marker: string): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if ((await sink.received()).some((m) => m.body.includes(marker))) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

test('a spoofed internal sender is refused from outside (550 5.7.1, logged with the check) and accepted after AUTH', async () => {
  const [outside] = await sendWithSmtplib(ports.mta, [message('ceo@example.test', ['bob@example.test'], 'ceo@example.test', 'spoof-envelope')]);
  assert.equal(outside!.code, 550, outside!.reply);
  assert.match(outside!.reply, /^5\.7\.1 Sender address rejected: <ceo@example\.test> is in our domain/);
  const logged = await postern.waitForLog((l) => l.msg === 'refused' && l.check === 'spoofing' && l.to === 'bob@example.test');
  assert.deepEqual([logged.client, logged.from, logged.reply], ['127.0.0.1', 'ceo@example.test', `550 ${outside!.reply}`]);

  const [authenticated] = await sendWithSmtplib(ports.submission, [message('ceo@example.test', ['bob@example.test'], 'The CEO <ceo@example.test>', 'ceo-after-auth')], 1, asCeo);
  assert.equal(authenticated!.code, 250, authenticated!.reply);
  assert.ok(await arrived('ceo-after-auth'));
  assert.ok(!(await atSink('spoof-envelope')));
});

test('a header From in our domain from outside is refused at the end of data; the same from an honest outsider passes', async () => {
  const [spoofed, honest] = await sendWithSmtplib(ports.mta, [
    message('bounce@elsewhere.example', ['bob@example.test'], '"Chief Executive" <ceo@example.test>', 'spoof-header'),
    message('friend@elsewhere.example', ['bob@example.test'], 'Friend <friend@elsewhere.example>', 'honest-outsider'),
  ]);
  assert.equal(spoofed!.code, 550, spoofed!.reply);
  assert.equal(spoofed!.reply, '5.7.1 Header From rejected: example.test is our domain; send it through authenticated submission');
  assert.equal(honest!.code, 250, honest!.reply);
  assert.ok(await arrived('honest-outsider'));
  assert.ok(!(await atSink('spoof-header')));
  const logged = await postern.waitForLog((l) => l.msg === 'refused' && l.check === 'spoofing' && l.from === 'bounce@elsewhere.example');
  assert.deepEqual(logged.to, ['bob@example.test']);
});

test('10,000 header lines from outside: a defined answer either way (250 honest, 550 with our From last)', async () => {
  const filler = Array.from({ length: 10_000 }, (_, i) => `X-Filler-${i}: ${'v'.repeat(30)}`).join('\r\n');
  const [honest, spoofed] = await sendWithSmtplib(ports.mta, [
    { from: 'friend@elsewhere.example', to: ['bob@example.test'], body: `${filler}\r\nFrom: friend@elsewhere.example\r\nSubject: many-headers\r\n\r\nhi\r\n` },
    { from: 'friend@elsewhere.example', to: ['bob@example.test'], body: `${filler}\r\nFrom: friend@elsewhere.example\r\nFrom: =?utf-8?q?ceo=40example.test?= <x@elsewhere.example>\r\n\r\nhi\r\n` },
  ]);
  assert.equal(honest!.code, 250, honest!.reply);
  assert.equal(spoofed!.code, 550, spoofed!.reply);
  assert.match(spoofed!.reply, /^5\.7\.1 Header From rejected: example\.test is our domain/);
});

test('mail to our postmaster is exempt: the spoofed sender is refused for bob and accepted for the postmaster', async () => {
  const [both] = await sendWithSmtplib(ports.mta, [message('ceo@example.test', ['bob@example.test'], 'x@elsewhere.example', 'to-bob')]);
  assert.equal(both!.code, 550);
  const [postmaster] = await sendWithSmtplib(ports.mta, [message('ceo@example.test', ['postmaster@example.test'], 'ceo@example.test', 'to-postmaster')]);
  assert.equal(postmaster!.code, 250, postmaster!.reply);
  assert.ok(await arrived('to-postmaster'));
  assert.ok(!(await atSink('to-bob')));
});

test('a HELO naming us from outside is refused at RCPT (swaks)', () => {
  const run = (helo: string) => spawnSync('swaks', ['--server', '127.0.0.1', '--port', String(ports.mta), '--helo', helo, '--from', 'friend@elsewhere.example', '--to', 'bob@example.test', '--header', 'Subject: helo-test'], { encoding: 'utf8', timeout: 30_000 });
  for (const helo of ['mx.example.test', '[127.0.0.1]']) {
    const r = run(helo);
    assert.match(r.stdout, /<\*\* 550 5\.7\.1 Helo command rejected: you are not me/, `${helo}: ${r.stdout}`);
  }
  assert.equal(run('client.elsewhere.example').status, 0);
});

test('policy.submission.senderLogin: an authenticated user may send as its alias but not as another of our users (553 5.7.1)', async () => {
  const [asAlias] = await sendWithSmtplib(ports.submission, [message('boss@example.test', ['bob@example.test'], 'boss@example.test', 'ceo-as-boss')], 1, asCeo);
  assert.equal(asAlias!.code, 250, asAlias!.reply);
  const [asOther] = await sendWithSmtplib(ports.submission, [message('alice@example.test', ['bob@example.test'], 'alice@example.test', 'ceo-as-alice')], 1, asCeo);
  assert.equal(asOther!.code, 553, asOther!.reply);
  assert.equal(asOther!.reply, '5.7.1 Sender address rejected: <alice@example.test> is not owned by user ceo@example.test');
  const logged = await postern.waitForLog((l) => l.msg === 'refused' && l.check === 'sender-login');
  assert.deepEqual([logged.user, logged.from], ['ceo@example.test', 'alice@example.test']);
});
