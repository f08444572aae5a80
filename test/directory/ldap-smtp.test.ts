// `postern start` with an LDAP directory (a real slapd, StartTLS verified against the test CA,
// a service bind): recipients of example.test validated at RCPT, expanded and routed by mailHost
// to two internal mail hosts, submission AUTH by binding as the user, a harvesting client slowed
// then disconnected, and slapd stopped mid-test (451 4.4.3) and back (250).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, startPostern, tempDir, writeConfig, type RunningPostern } from '../helpers/postern-process.ts';
import { sendWithSmtplib } from '../helpers/smtp-send.ts';
import { startSink, type ReceivedMessage, type TestSink } from '../helpers/smtp-sink.ts';
import { wireClient, type WireClient } from '../helpers/smtp-wire.ts';
import { startSlapd, LDAP_SUFFIX, type Slapd } from '../helpers/slapd.ts';
import { testCa } from '../helpers/test-ca.ts';
import { DIRECTORY_LDIF, MAILSTORE_A, MAILSTORE_B, SERVICE_DN, SERVICE_PASSWORD } from './ldap-fixture.ts';

const ca = testCa();
const cleanups: Array<() => unknown> = [];
const scope = { after: (fn: () => unknown) => cleanups.push(fn) };
let slapd: Slapd;
let postern: RunningPostern;
let sinks: { a: TestSink; b: TestSink };
let ports: { mta: number; submission: number };

before(async () => {
  const dir = tempDir();
  cleanups.push(() => dir.remove());
  slapd = await startSlapd(scope, DIRECTORY_LDIF, { host: '127.0.0.22', tls: { certFile: ca.server.certFile, keyFile: ca.server.keyFile } });
  const sinkPort = await freePort(MAILSTORE_A);
  sinks = { a: await startSink(MAILSTORE_A, sinkPort), b: await startSink(MAILSTORE_B, sinkPort) };
  cleanups.push(() => sinks.a.close(), () => sinks.b.close());
  ports = { mta: await freePort(), submission: await freePort() };
  writeFileSync(join(dir.path, 'ldap-password'), `${SERVICE_PASSWORD}\n`);
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
  auth: { failureDelay: 100ms }
domains: [ example.test ]
relay: { networks: [ 192.0.2.0/24 ] }
resolver: { servers: [ "127.0.0.1:9" ], timeout: 200ms, attempts: 1 }
routes: { example.test: { type: smtp, host: ${MAILSTORE_A}, port: ${sinkPort} } }
directory:
  backends:
    - { type: ldap, url: "${slapd.url}", startTls: true, ca: ${ca.caFile}, bindDn: "${SERVICE_DN}", passwordFile: ldap-password, base: "${LDAP_SUFFIX}" }
  timeout: 2s
  cache: { positiveTtl: 1s, negativeTtl: 1s }
  harvest: { delayAfter: 2, delay: 150ms, maxDelay: 300ms, disconnectAfter: 5 }
`,
  );
  postern = await startPostern(config);
  cleanups.push(() => postern.stop());
});

after(async () => {
  for (const fn of cleanups.reverse()) await fn();
});

async function arrived(sink: TestSink, count: number): Promise<ReceivedMessage[]> {
  for (let i = 0; i < 200; i++) {
    const got = await sink.received();
    if (got.length >= count) return got;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${sink.address} received fewer than ${count} messages`);
}

async function session(): Promise<WireClient> {
  const client = await wireClient(ports.mta);
  assert.match(await client.reply(), /^220 /);
  client.send('EHLO client.example.org\r\n');
  await client.reply();
  client.send('MAIL FROM:<x@remote.example>\r\n');
  assert.equal(await client.code(), '250 2.1.0');
  return client;
}

async function rcpt(client: WireClient, address: string): Promise<string> {
  client.send(`RCPT TO:<${address}>\r\n`);
  return (await client.reply(10_000)).trim();
}

test('one domain split across two internal hosts by mailHost; a group and a forward expanded before queueing, the original kept as ORCPT', async () => {
  const [sent] = await sendWithSmtplib(ports.mta, [{ from: 'x@remote.example', to: ['alice@example.test', 'bob@example.test', 'team@example.test', 'dave@example.test'], body: 'Subject: split\r\n\r\nrouted by the directory\r\n' }]);
  assert.equal(sent!.code, 250, sent!.reply);
  const [atA] = await arrived(sinks.a, 1);
  const [atB] = await arrived(sinks.b, 1);
  const recipients = (m: ReceivedMessage) => m.envelope.recipients.map((r) => `${r.address}${r.orcpt ? ` orcpt=${r.orcpt.address}` : ''}`).sort();
  // alice (mailHost A), carol (team's member, no mailHost: the domain's route, also A), dave's own copy (mailHost A)
  assert.deepEqual(recipients(atA!), ['alice@example.test', 'carol@example.test orcpt=team@example.test', 'dave@example.test orcpt=dave@example.test']);
  // bob (mailHost B), named directly and through dave's forward: once
  assert.deepEqual(recipients(atB!), ['bob@example.test']);
  assert.match(atB!.body, /routed by the directory/);
});

test('RCPT: unknown user 550 5.1.1, postmaster accepted without the directory, an alias loop 550 5.4.6, injection finds nobody', async () => {
  const client = await session();
  assert.match(await rcpt(client, 'nobody@example.test'), /^550 5\.1\.1 <nobody@example\.test>: Recipient address rejected: User unknown$/);
  assert.match(await rcpt(client, 'postmaster@example.test'), /^250 /);
  assert.match(await rcpt(client, 'loop1@example.test'), /^550 5\.4\.6 /);
  client.send('RSET\r\n');
  await client.reply();
  client.close();
  const injected = await session();
  assert.match(await rcpt(injected, '"*)(uid=*"@example.test'), /^550 5\.1\.1 /);
  assert.match(await rcpt(injected, '"*"@example.test'), /^550 5\.1\.1 /);
  injected.close();
});

test('directory harvest: unknown recipients answered slower and slower, then 421 and the connection closed', async () => {
  const client = await session();
  const timings: number[] = [];
  for (let i = 1; i <= 4; i++) {
    const started = Date.now();
    assert.match(await rcpt(client, `probe${i}@example.test`), /^550 5\.1\.1 /);
    timings.push(Date.now() - started);
  }
  assert.ok(timings[0]! < 150 && timings[1]! < 150, `the first two are not slowed: ${timings}`);
  assert.ok(timings[2]! >= 150 && timings[3]! >= 300, `then each waits longer: ${timings}`);
  assert.match(await rcpt(client, 'probe5@example.test'), /^421 4\.7\.0 /);
  await client.closed;
});

test('submission AUTH by LDAP bind (smtplib, STARTTLS): the right password relays, a wrong one is 535', async () => {
  const message = { from: 'alice@example.test', to: ['friend@remote.example'], body: 'Subject: auth\r\n\r\nsent after an LDAP bind\r\n' };
  const [ok] = await sendWithSmtplib(ports.submission, [message], 1, { tls: 'starttls', cafile: ca.caFile, login: ['alice@example.test', 'alice-pw'] });
  assert.equal(ok!.code, 250, ok!.reply);
  const [wrong] = await sendWithSmtplib(ports.submission, [message], 1, { tls: 'starttls', cafile: ca.caFile, login: ['alice@example.test', 'bob-pw'] });
  assert.equal(wrong!.code, 535, wrong!.reply);
});

test('slapd stopped mid-session: 451 4.4.3 for a recipient not in the cache; slapd back: accepted', async () => {
  await slapd.stop();
  const client = await session();
  assert.match(await rcpt(client, 'a.smith@example.test'), /^451 4\.4\.3 Directory temporarily unavailable/);
  const [auth] = await sendWithSmtplib(ports.submission, [{ from: 'bob@example.test', to: ['x@remote.example'], body: '\r\n' }], 1, { tls: 'starttls', cafile: ca.caFile, login: ['bob@example.test', 'bob-pw'] });
  assert.equal(auth!.code, 454, `AUTH with the directory down is a temporary failure: ${auth!.reply}`);
  await slapd.start();
  assert.match(await rcpt(client, 'a.smith@example.test'), /^250 /);
  client.close();
});
