// DKIM signing end to end: keys made by `postern dkim keygen`, their TXT records served by
// Postern's own DNS server, mail from the trusted network relayed to a sink, and the signatures
// checked there by an independent verifier (python3-dkim, its key lookups sent to our DNS server).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, runPostern, runPosternAsync, startPostern, tempDir, writeConfig, type RunningPostern } from '../helpers/postern-process.ts';
import { sendWithSmtplib } from '../helpers/smtp-send.ts';
import { startSink, type ReceivedMessage, type TestSink } from '../helpers/smtp-sink.ts';

const VERIFY = resolve(import.meta.dirname, '../helpers/dkim_verify.py');

let dir: { path: string; remove: () => void };
let postern: RunningPostern;
let sink: TestSink;
let smtpPort: number;
let dnsPort: number;
let config: string;

function zone(origin: string, keyLine: string): string {
  return `$ORIGIN ${origin}.\n$TTL 60\n@ SOA ns hostmaster 1 3600 600 86400 60\n  NS ns\nns A 127.0.0.53\n${keyLine}\n`;
}

before(async () => {
  dir = tempDir();
  smtpPort = await freePort();
  dnsPort = await freePort();
  const sinkPort = await freePort();
  sink = await startSink('127.0.0.44', sinkPort);
  config = writeConfig(
    dir.path,
    `hostname: mx.example.test
dataDir: var
log: { format: json }
smtp: { listeners: [ { address: 127.0.0.1, port: ${smtpPort} } ] }
relay: { networks: [ 127.0.0.1/32 ] }
routes: { remote.test: { type: smtp, host: 127.0.0.44, port: ${sinkPort} } }
dns: { listen: [ "127.0.0.1:${dnsPort}" ], workers: 1, zones: [ { name: rsa.test, file: rsa.test.zone }, { name: ed.test, file: ed.test.zone } ] }
resolver: { servers: [ "127.0.0.1:${dnsPort}" ], timeout: 500ms, attempts: 1 }
policy:
  dkim:
    sign:
      - { domain: rsa.test, selector: s1, key: keys/s1.rsa.test.pem }
      - { domain: ed.test, selector: s2, key: keys/s2.ed.test.pem }
content: { rules: [ { name: mark, match: { header: "^X-Mark-Me:" }, action: tag, subjectPrefix: "[MARKED] " } ] }
`,
  );
  const [rsa, ed] = await Promise.all([runPosternAsync(['dkim', 'keygen', 'rsa.test', 's1', '--config', config]), runPosternAsync(['dkim', 'keygen', 'ed.test', 's2', '--type', 'ed25519', '--config', config])]);
  assert.equal(rsa.status, 0, rsa.stderr);
  assert.equal(ed.status, 0, ed.stderr);
  writeFileSync(join(dir.path, 'rsa.test.zone'), zone('rsa.test', rsa.stdout.trim()));
  writeFileSync(join(dir.path, 'ed.test.zone'), zone('ed.test', ed.stdout.trim()));
  postern = await startPostern(config);
});

after(async () => {
  await postern?.stop();
  await sink?.close();
  dir.remove();
});

async function relayed(from: string, marker: string, body: string, mailOptions: string[] = []): Promise<ReceivedMessage> {
  const [r] = await sendWithSmtplib(smtpPort, [{ from, to: ['bob@remote.test'], body: `From: Alice <${from}>\r\nTo: bob@remote.test\r\nSubject: ${marker}\r\n${body}`, mail_options: mailOptions }]);
  assert.equal(r!.code, 250, r!.reply);
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((d) => setTimeout(d, 50))) {
    const hit = (await sink.received()).find((m) => new RegExp(`^Subject: (\\[MARKED\\] )?${marker}\r$`, 'm').test(m.body));
    if (hit) return hit;
  }
  throw new Error(`${marker} did not reach the sink`);
}

interface Verified {
  signatures: Array<{ domain: string; selector: string; algorithm: string; ok: boolean; error: string | null }>;
}

function verifyWithDkimpy(message: string): Verified {
  const r = spawnSync('/usr/bin/python3', [VERIFY, '127.0.0.1', String(dnsPort)], { input: Buffer.from(message, 'latin1'), encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Verified;
}

test('keygen prints the record to publish and writes the key with mode 0600', () => {
  const out = runPostern(['dkim', 'keygen', 'other.test', 'k9', '--config', config]);
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stdout, /^k9\._domainkey\.other\.test\. IN TXT "v=DKIM1; k=rsa; p=[A-Za-z0-9+/]+" "[A-Za-z0-9+/=]+"\n$/);
  const mode = spawnSync('stat', ['-c', '%a', join(dir.path, 'keys', 'k9.other.test.pem')], { encoding: 'utf8' }).stdout.trim();
  assert.equal(mode, '600');
  const again = runPostern(['dkim', 'keygen', 'other.test', 'k9', '--config', config]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /exists already/);
});

test('mail from the trusted network is signed with RSA-SHA256, and python3-dkim verifies it against our DNS', async () => {
  const message = await relayed('alice@rsa.test', 'dkim-rsa', '\r\nHello from rsa.test\r\n');
  const { signatures } = verifyWithDkimpy(message.body);
  assert.deepEqual(signatures, [{ domain: 'rsa.test', selector: 's1', algorithm: 'rsa-sha256', ok: true, error: null }]);
});

test('a domain with an Ed25519 key is signed with Ed25519-SHA256 (RFC 8463), verified by python3-dkim', async () => {
  const message = await relayed('carol@ed.test', 'dkim-ed', '\r\nHello from ed.test\r\n');
  const { signatures } = verifyWithDkimpy(message.body);
  assert.deepEqual(signatures, [{ domain: 'ed.test', selector: 's2', algorithm: 'ed25519-sha256', ok: true, error: null }]);
});

test('an 8-bit body is made quoted-printable before signing, so the signature holds for 7-bit peers', async () => {
  const body = 'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Köln\r\n';
  const message = await relayed('alice@rsa.test', 'dkim-8bit', body, ['BODY=8BITMIME']);
  assert.doesNotMatch(message.body, /[\x80-\xff]/, 'no 8-bit byte left');
  assert.match(message.body, /Content-Transfer-Encoding: quoted-printable/);
  assert.match(message.body, /Gr=C3=BC=C3=9Fe aus K=C3=B6ln/);
  assert.equal(verifyWithDkimpy(message.body).signatures[0]?.ok, true);
});

test('signing comes after every other change: a subject tagged by a content rule is what the signature covers', async () => {
  const message = await relayed('alice@rsa.test', 'dkim-tagged', 'X-Mark-Me: yes\r\n\r\ntag me\r\n');
  assert.match(message.body, /^Subject: \[MARKED\] dkim-tagged\r$/m);
  assert.equal(verifyWithDkimpy(message.body).signatures[0]?.ok, true);
});

test('mail whose From domain has no key is not signed', async () => {
  const message = await relayed('dave@unsigned.test', 'dkim-none', '\r\nno key for this one\r\n');
  assert.doesNotMatch(message.body, /^DKIM-Signature:/im);
});

test('a missing key and a file that holds no key stop check-config with the key path and the command that makes one', () => {
  const broken = tempDir();
  try {
    writeFileSync(join(broken.path, 'garbled.pem'), 'not a key\n');
    const file = writeConfig(broken.path, `hostname: mx.example.test\npolicy: { dkim: { sign: [ { domain: rsa.test, selector: s7, key: keys/missing.pem }, { domain: ed.test, selector: s8, key: garbled.pem } ] } }\n`);
    const out = runPostern(['check-config', '--config', file]);
    assert.equal(out.status, 2, out.stdout + out.stderr);
    assert.match(out.stderr, /policy\.dkim\.sign\[0\]\.key: cannot read .*missing\.pem: ENOENT; make a key with "postern dkim keygen rsa\.test s7"/);
    assert.match(out.stderr, /policy\.dkim\.sign\[1\]\.key: not a private key in PEM form .*; make a key with "postern dkim keygen ed\.test s8"/);
  } finally {
    broken.remove();
  }
});
