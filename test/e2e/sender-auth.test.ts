// Sender authentication end to end: SPF, DKIM and DMARC records in a zone served by Postern's own
// DNS server, mail from an untrusted client, and what a user sees: the reply, the message at the
// sink with one Authentication-Results field of ours, or the message held in quarantine.
// Messages signed by an independent signer (python3-dkim's dkimsign) are verified by Postern; ARC
// chains are sealed and verified by Perl's Mail::DKIM on one side and Postern on the other.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { generateSigningKey, publicKeyRecord } from '../../src/policy/dkim-key.ts';
import { freePort, startPostern, tempDir, writeConfig, type RunningPostern } from '../helpers/postern-process.ts';
import { sendWithSmtplib, type SendResult } from '../helpers/smtp-send.ts';
import { startSink, type TestSink } from '../helpers/smtp-sink.ts';

const ARC_TOOL = resolve(import.meta.dirname, '../helpers/arc_tool.pl');
const signingKey = generateSigningKey('rsa');
const sealKey = generateSigningKey('rsa');
const upstreamSealKey = generateSigningKey('rsa');
const txt = (text: string) => text.match(/.{1,255}/g)!.map((s) => `"${s}"`).join(' ');
const includes = Array.from({ length: 11 }, (_, i) => `include:i${i}.sender.test`).join(' ');

const ZONE = `$ORIGIN sender.test.
$TTL 60
@       SOA ns hostmaster 1 3600 600 86400 60
        NS  ns
ns      A   127.0.0.53
_dmarc  TXT "v=DMARC1; p=reject; sp=none"
pass    TXT "v=spf1 ip4:127.0.0.1 -all"
_dmarc.pass TXT "v=DMARC1; p=reject"
s1._domainkey.pass TXT ${txt(publicKeyRecord(signingKey))}
arc1._domainkey TXT ${txt(publicKeyRecord(sealKey))}
relay._domainkey TXT ${txt(publicKeyRecord(upstreamSealKey))}
fail    TXT "v=spf1 ip4:192.0.2.1 -all"
_dmarc.fail TXT "v=DMARC1; p=reject"
spfonly TXT "v=spf1 -all"
neutral TXT "v=spf1 ?all"
quar    TXT "v=spf1 ?all"
_dmarc.quar TXT "v=DMARC1; p=quarantine"
sampled TXT "v=spf1 ?all"
_dmarc.sampled TXT "v=DMARC1; p=reject; pct=0"
loop    TXT "v=spf1 include:loop.sender.test -all"
many    TXT ${txt(`v=spf1 ${includes} -all`)}
${Array.from({ length: 11 }, (_, i) => `i${i} TXT "v=spf1 ip4:192.0.2.${i + 1} -all"`).join('\n')}
`;

let dir: { path: string; remove: () => void };
let postern: RunningPostern;
let sink: TestSink;
let smtpPort: number;
let dnsPort: number;

before(async () => {
  dir = tempDir();
  smtpPort = await freePort();
  dnsPort = await freePort();
  const sinkPort = await freePort();
  sink = await startSink('127.0.0.45', sinkPort);
  writeFileSync(join(dir.path, 'sender.test.zone'), ZONE);
  writeFileSync(join(dir.path, 'signer.pem'), signingKey.pem);
  writeFileSync(join(dir.path, 'seal.pem'), sealKey.pem);
  // Mail::DKIM reads the traditional RSA form.
  writeFileSync(join(dir.path, 'upstream-seal.pem'), createPrivateKey(upstreamSealKey.pem).export({ type: 'pkcs1', format: 'pem' }));
  const config = writeConfig(
    dir.path,
    `hostname: mx.example.test
dataDir: var
log: { format: json }
smtp: { listeners: [ { address: 127.0.0.1, port: ${smtpPort} } ] }
domains: [ example.test ]
relay: { networks: [ 127.0.0.9/32 ] }   # not 127.0.0.1, the test client: it is the Internet here
routes: { example.test: { type: smtp, host: 127.0.0.45, port: ${sinkPort} } }
dns: { listen: [ "127.0.0.1:${dnsPort}" ], workers: 1, zones: [ { name: sender.test, file: sender.test.zone } ] }
resolver: { servers: [ "127.0.0.1:${dnsPort}" ], timeout: 500ms, attempts: 1 }
policy:
  auth:
    enabled: true
    actions: { spfFail: reject, dkimFail: tag }
    seal: { domain: sender.test, selector: arc1, key: seal.pem }
content: { scanning: false }   # sender authentication alone (content's own limits refuse a header of 10,000 lines)
`,
  );
  postern = await startPostern(config);
});

after(async () => {
  await postern?.stop();
  await sink?.close();
  dir.remove();
});

async function send(from: string, marker: string, rest = '\r\nhello\r\n'): Promise<SendResult> {
  const [r] = await sendWithSmtplib(smtpPort, [{ from, to: ['bob@example.test'], body: `From: <${from}>\r\nTo: bob@example.test\r\nSubject: ${marker}\r\n${rest}` }]);
  return r!;
}

async function atSink(marker: string): Promise<string> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((d) => setTimeout(d, 50))) {
    const hit = (await sink.received()).find((m) => m.body.includes(`Subject: ${marker}\r\n`));
    if (hit) return hit.body;
  }
  throw new Error(`${marker} did not reach the sink`);
}

/** Our Authentication-Results fields (those naming mx.example.test), unfolded. */
function ourResults(message: string): string[] {
  const head = message.slice(0, message.indexOf('\r\n\r\n'));
  return head
    .replace(/\r\n[ \t]+/g, ' ')
    .split('\r\n')
    .filter((f) => /^Authentication-Results:\s*mx\.example\.test\b/i.test(f));
}

test('SPF, DKIM (signed by python3-dkim) and DMARC pass: one Authentication-Results field says so', async () => {
  const unsigned = 'From: <alice@pass.sender.test>\nTo: bob@example.test\nSubject: auth-pass\nDate: Sun, 29 Nov 2026 09:00:00 +0000\n\nsigned elsewhere\n';
  const signed = spawnSync('/usr/bin/dkimsign', ['s1', 'pass.sender.test', join(dir.path, 'signer.pem')], { input: unsigned, encoding: 'utf8' });
  assert.equal(signed.status, 0, signed.stderr);
  const [r] = await sendWithSmtplib(smtpPort, [{ from: 'alice@pass.sender.test', to: ['bob@example.test'], body: signed.stdout.replace(/\r?\n/g, '\r\n') }]);
  assert.equal(r!.code, 250, r!.reply);
  const results = ourResults(await atSink('auth-pass'));
  assert.equal(results.length, 1, results.join('\n'));
  assert.match(results[0]!, /dkim=pass header\.i=@pass\.sender\.test header\.s=s1 header\.a=rsa-sha256/);
  assert.match(results[0]!, /spf=pass .*smtp\.mailfrom=alice@pass\.sender\.test/);
  assert.match(results[0]!, /dmarc=pass \(p=REJECT arc=none\) header\.from=sender\.test header\.d=pass\.sender\.test/);
});

test('mail from the trusted network is not verified: it passes without an Authentication-Results field of ours', async () => {
  const [r] = await sendWithSmtplib(smtpPort, [{ from: 'mallory@fail.sender.test', to: ['bob@example.test'], body: 'From: <mallory@fail.sender.test>\r\nSubject: auth-trusted\r\n\r\ninside\r\n' }], 1, { source: '127.0.0.9' });
  assert.equal(r!.code, 250, r!.reply);
  assert.deepEqual(ourResults(await atSink('auth-trusted')), []);
});

test('SPF fail with DMARC p=reject: refused 550 5.7.26 (two checks failed); nothing reaches the sink', async () => {
  const r = await send('mallory@fail.sender.test', 'auth-fail');
  assert.equal(r.code, 550);
  assert.match(r.reply, /^5\.7\.26 Multiple authentication checks failed: spf=fail .*dmarc=fail \(p=reject\)/);
  await new Promise((d) => setTimeout(d, 300));
  assert.ok(!(await sink.received()).some((m) => m.body.includes('Subject: auth-fail')));
});

test('SPF fail alone (the domain\'s DMARC says sp=none): refused 550 5.7.23', async () => {
  const r = await send('mallory@spfonly.sender.test', 'auth-spfonly');
  assert.equal(r.code, 550);
  assert.match(r.reply, /^5\.7\.23 SPF validation failed/);
});

test('DMARC p=quarantine: answered 250, held in quarantine, never delivered', async () => {
  const r = await send('mallory@quar.sender.test', 'auth-quar');
  assert.equal(r.code, 250, r.reply);
  const line = await postern.waitForLog((l) => l.msg === 'message quarantined' && l.from === 'mallory@quar.sender.test');
  assert.equal(line.check, 'sender-auth');
  assert.match(String(line.reason), /dmarc=fail \(p=quarantine\) header\.from=quar\.sender\.test/);
  assert.equal(line.rule, 'policy.auth.actions.dmarcQuarantine');
  await new Promise((d) => setTimeout(d, 300));
  assert.ok(!(await sink.received()).some((m) => m.body.includes('Subject: auth-quar')));
});

test('DMARC p=reject with pct=0: the message is not sampled and gets the next policy, quarantine', async () => {
  const r = await send('mallory@sampled.sender.test', 'auth-pct');
  assert.equal(r.code, 250, r.reply);
  const line = await postern.waitForLog((l) => l.msg === 'message quarantined' && l.from === 'mallory@sampled.sender.test');
  assert.match(String(line.reason), /dmarc=fail \(p=reject pct=0 not sampled\)/);
});

test('sp= of the organisational domain applies to a subdomain without a record of its own', async () => {
  const r = await send('someone@neutral.sender.test', 'auth-sp');
  assert.equal(r.code, 250, r.reply);
  const [result] = ourResults(await atSink('auth-sp'));
  assert.match(result!, /spf=neutral/);
  assert.match(result!, /dmarc=fail \(p=REJECT sp=NONE arc=none\) header\.from=sender\.test header\.d=neutral\.sender\.test/);
});

test('an SPF record that includes itself, and one over 10 lookups, are permerror', async () => {
  for (const [domain, marker] of [['loop', 'auth-loop'], ['many', 'auth-many']] as const) {
    const r = await send(`x@${domain}.sender.test`, marker);
    assert.equal(r.code, 250, r.reply);
    const [result] = ourResults(await atSink(marker));
    assert.match(result!, /spf=permerror/, `${domain}: ${result}`);
  }
});

test('incoming Authentication-Results claiming our authserv-id are removed; others are kept', async () => {
  const forged = 'Authentication-Results: MX.Example.Test (trust me); dkim=pass header.d=bank.test\r\nAuthentication-Results: other.example; spf=pass\r\n\r\nforged\r\n';
  const r = await send('x@neutral.sender.test', 'auth-forged', forged);
  assert.equal(r.code, 250, r.reply);
  const message = await atSink('auth-forged');
  const results = ourResults(message);
  assert.equal(results.length, 1, results.join('\n'));
  assert.doesNotMatch(message, /bank\.test/);
  assert.match(message, /^Authentication-Results: other\.example; spf=pass\r\n/m);
});

test('DKIM-Signature fields with broken and duplicate tags give a DKIM result, tagged as the table says', async () => {
  const broken = 'DKIM-Signature: v=1; v=1; a=rsa-sha256; d=pass.sender.test; s=s1; h=from; bh=; b=\r\nDKIM-Signature: ;;==;garbage\r\n\r\nbody\r\n';
  const r = await send('x@neutral.sender.test', 'auth-broken', broken);
  assert.equal(r.code, 250, r.reply);
  const message = await atSink('auth-broken');
  const [result] = ourResults(message);
  assert.match(result!, /dkim=(neutral|permerror|fail|policy)/);
  assert.match(message, /^X-Postern-Auth-Failure: dkim=/m);
});

test('10,000 header lines: verified and delivered with its result', async () => {
  const filler = Array.from({ length: 10_000 }, (_, i) => `X-Filler-${i}: ${i}\r\n`).join('');
  const r = await send('x@neutral.sender.test', 'auth-long', `${filler}\r\nbody\r\n`);
  assert.equal(r.code, 250, r.reply);
  const [result] = ourResults(await atSink('auth-long'));
  assert.match(result!, /spf=neutral/);
});

function arcTool(args: string[], input: string): string {
  const r = spawnSync('perl', [ARC_TOOL, args[0]!, '127.0.0.1', String(dnsPort), ...args.slice(1)], { input: Buffer.from(input, 'latin1'), encoding: 'latin1', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('ARC: a chain sealed by Mail::DKIM verifies (arc=pass); Postern seals on, and Mail::DKIM verifies the longer chain', async () => {
  const upstream = 'Authentication-Results: relay.sender.test; spf=pass smtp.mailfrom=list@neutral.sender.test\r\nFrom: <x@neutral.sender.test>\r\nTo: bob@example.test\r\nSubject: auth-arc\r\nDate: Sun, 29 Nov 2026 09:00:00 +0000\r\n\r\nforwarded by a list\r\n';
  const sealed = arcTool(['seal', 'sender.test', 'relay', join(dir.path, 'upstream-seal.pem'), 'relay.sender.test'], upstream);
  assert.match(sealed, /^ARC-Seal: i=1;/m);
  const [r] = await sendWithSmtplib(smtpPort, [{ from: 'list@neutral.sender.test', to: ['bob@example.test'], body: sealed }]);
  assert.equal(r!.code, 250, r!.reply);
  const message = await atSink('auth-arc');
  const [result] = ourResults(message);
  assert.match(result!, /arc=pass/);
  assert.match(message, /^ARC-Seal: i=2; .*cv=pass/m);
  assert.equal(arcTool(['verify'], message).trim(), 'pass');
});

test('ARC: a chain whose message was changed after sealing is arc=fail', async () => {
  const upstream = 'Authentication-Results: relay.sender.test; spf=pass smtp.mailfrom=list@neutral.sender.test\r\nFrom: <x@neutral.sender.test>\r\nTo: bob@example.test\r\nSubject: auth-arc-broken\r\n\r\noriginal text\r\n';
  const tampered = arcTool(['seal', 'sender.test', 'relay', join(dir.path, 'upstream-seal.pem'), 'relay.sender.test'], upstream).replace('original text', 'changed text');
  const [r] = await sendWithSmtplib(smtpPort, [{ from: 'list@neutral.sender.test', to: ['bob@example.test'], body: tampered }]);
  assert.equal(r!.code, 250, r!.reply);
  const [result] = ourResults(await atSink('auth-arc-broken'));
  assert.match(result!, /arc=fail/);
});
