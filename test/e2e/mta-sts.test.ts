// Outbound TLS policy with `postern start`: MX and _mta-sts TXT records served by Postern's own
// DNS server, MTA-STS policies on a local HTTPS server (node:https on 127.0.0.30, certificate
// from the test CA), receiving MTAs on 127.0.0.21-23 with and without STARTTLS. What is
// required and cannot be had is deferred and never reaches a sink; what is only opportunistic
// goes out in plaintext.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, runPosternAsync, startPostern, tempDir, writeConfig, type RunningPostern } from '../helpers/postern-process.ts';
import { startSink, type TestSink } from '../helpers/smtp-sink.ts';
import { testCa } from '../helpers/test-ca.ts';
import { relayOverTls, tlsRelayConfig } from '../helpers/tls-relay.ts';

const ZONE = `$ORIGIN sts.test.
$TTL 60
@               SOA ns hostmaster 1 3600 600 86400 60
                NS  ns
ns              A   127.0.0.53
enforce         MX  10 mx.enforce
mx.enforce      A   127.0.0.21
_mta-sts.enforce TXT "v=STSv1; id=20261129"
mta-sts.enforce A   127.0.0.30
mismatch        MX  10 mx.mismatch
mx.mismatch     A   127.0.0.21
_mta-sts.mismatch TXT "v=STSv1; id=1"
mta-sts.mismatch A  127.0.0.30
testing         MX  10 mx.testing
mx.testing      A   127.0.0.21
_mta-sts.testing TXT "v=STSv1; id=1"
mta-sts.testing A   127.0.0.30
verify          MX  10 mx.verify
mx.verify       A   127.0.0.22
encrypt         MX  10 mx.encrypt
mx.encrypt      A   127.0.0.23
may             MX  10 mx.may
mx.may          A   127.0.0.23
`;

const POLICIES: Record<string, string> = {
  'mta-sts.enforce.sts.test': 'version: STSv1\r\nmode: enforce\r\nmx: mx.enforce.sts.test\r\nmax_age: 86400\r\n',
  'mta-sts.mismatch.sts.test': 'version: STSv1\r\nmode: enforce\r\nmx: mx.elsewhere.sts.test\r\nmax_age: 86400\r\n',
  'mta-sts.testing.sts.test': 'version: STSv1\r\nmode: testing\r\nmx: *.elsewhere.sts.test\r\nmax_age: 86400\r\n',
};

let dir: { path: string; remove: () => void };
let postern: RunningPostern;
let smtpPort: number;
let https: Server;
const fetched: string[] = [];
const sinks = new Map<string, TestSink>();

before(async () => {
  const ca = testCa();
  dir = tempDir();
  smtpPort = await freePort();
  const dnsPort = await freePort();
  const sinkPort = await freePort('127.0.0.21');
  const mx = ca.leaf('sts-mx', 'DNS:mx.enforce.sts.test,DNS:mx.mismatch.sts.test,DNS:mx.testing.sts.test');
  sinks.set('enforce', await startSink('127.0.0.21', sinkPort, { tls: { chain: mx.chain, key: mx.key } }));
  // A certificate of the test CA, but for other names than mx.verify.sts.test.
  sinks.set('verify', await startSink('127.0.0.22', sinkPort, { tls: { chain: ca.server.chain, key: ca.server.key } }));
  sinks.set('plain', await startSink('127.0.0.23', sinkPort));

  const web = ca.leaf('sts-web', Object.keys(POLICIES).map((name) => `DNS:${name}`).join(','));
  https = createServer({ cert: web.chain, key: web.key }, (req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    fetched.push(`${host}${req.url}`);
    const policy = req.url === '/.well-known/mta-sts.txt' ? POLICIES[host] : undefined;
    res.writeHead(policy ? 200 : 404, { 'content-type': 'text/plain' }).end(policy ?? 'not found');
  });
  await new Promise<void>((done) => https.listen(0, '127.0.0.30', done));
  const httpsPort = (https.address() as { port: number }).port;

  writeFileSync(join(dir.path, 'sts.test.zone'), ZONE);
  const config = writeConfig(
    dir.path,
    `${tlsRelayConfig(smtpPort)}dns: { listen: [ "127.0.0.1:${dnsPort}" ], workers: 1, zones: [ { name: sts.test, file: sts.test.zone } ] }
resolver: { servers: [ "127.0.0.1:${dnsPort}" ], timeout: 500ms, attempts: 1 }
delivery:
  port: ${sinkPort}
  connectTimeout: 2s
  tls:
    domains: { verify.sts.test: verify, encrypt.sts.test: encrypt }
    ca: [ ${ca.caFile} ]
    mtaSts: { port: ${httpsPort}, ca: [ ${ca.caFile} ] }
queue: { retry: { min: 1h } }
`,
  );
  postern = await startPostern(config);
});

after(async () => {
  await postern?.stop();
  for (const sink of sinks.values()) await sink.close();
  await new Promise((done) => https?.close(done));
  dir?.remove();
});

const deliveryOf = (to: string) => postern.waitForLog((l) => l.msg === 'delivery' && l.to === to);

async function arrived(sink: string, subject: string) {
  return (await sinks.get(sink)!.received()).find((m) => m.body.includes(`Subject: ${subject}\r\n`));
}

test('MTA-STS enforce: the policy is fetched over HTTPS and the MX host gets verified TLS', async () => {
  await relayOverTls(smtpPort, 'bob@enforce.sts.test', 'sts-enforce');
  const line = await deliveryOf('bob@enforce.sts.test');
  assert.equal(line.status, 'sent', JSON.stringify(line));
  assert.match(String(line.tls), /^TLSv1\.[23] \S+, verified by MTA-STS$/);
  assert.ok(fetched.includes('mta-sts.enforce.sts.test/.well-known/mta-sts.txt'), fetched.join(' '));
  const message = await arrived('enforce', 'sts-enforce');
  assert.ok(message?.envelope.client.tls, 'received over TLS');
});

test('MTA-STS enforce with an MX host the policy does not list: deferred, nothing sent', async () => {
  await relayOverTls(smtpPort, 'bob@mismatch.sts.test', 'sts-mismatch');
  const line = await deliveryOf('bob@mismatch.sts.test');
  assert.equal(line.status, 'deferred');
  assert.equal(line.dsn, '4.7.5');
  assert.match(String(line.reply), /^4\.7\.5 MTA-STS: the policy of mismatch\.sts\.test \(enforce\) does not list mx\.mismatch\.sts\.test as an MX host \(mx: mx\.elsewhere\.sts\.test\)$/);
  const mailq = await runPosternAsync(['mailq', '--config', join(dir.path, 'postern.yaml')]);
  assert.match(mailq.stdout, /\(4\.7\.5 MTA-STS: the policy of mismatch\.sts\.test/);
  assert.equal(await arrived('enforce', 'sts-mismatch'), undefined);
});

test('MTA-STS testing with an MX host the policy does not list: delivered, and the failure logged', async () => {
  await relayOverTls(smtpPort, 'bob@testing.sts.test', 'sts-testing');
  const warning = await postern.waitForLog((l) => String(l.msg).startsWith('MTA-STS testing') && l.domain === 'testing.sts.test');
  assert.match(String(warning.reason), /does not list mx\.testing\.sts\.test/);
  const line = await deliveryOf('bob@testing.sts.test');
  assert.equal(line.status, 'sent', JSON.stringify(line));
  assert.ok(await arrived('enforce', 'sts-testing'));
});

test('verify with a certificate for other names: deferred with the reason, nothing sent', async () => {
  await relayOverTls(smtpPort, 'bob@verify.sts.test', 'tls-verify');
  const line = await deliveryOf('bob@verify.sts.test');
  assert.equal(line.status, 'deferred');
  assert.match(String(line.reply), /^4\.7\.5 TLS is required \(verify\) but the certificate of mx\.verify\.sts\.test is not valid: Hostname\/IP does not match certificate's altnames/);
  assert.equal(await arrived('verify', 'tls-verify'), undefined);
});

test('encrypt to a host without STARTTLS: deferred, never sent in plaintext', async () => {
  await relayOverTls(smtpPort, 'bob@encrypt.sts.test', 'tls-encrypt');
  const line = await deliveryOf('bob@encrypt.sts.test');
  assert.equal(line.status, 'deferred');
  assert.match(String(line.reply), /^4\.7\.5 TLS is required \(encrypt\) but mx\.encrypt\.sts\.test\[127\.0\.0\.23\] did not offer STARTTLS$/);
  assert.equal(await arrived('plain', 'tls-encrypt'), undefined);
});

test('may (the default) to a host without STARTTLS: delivered in plaintext', async () => {
  await relayOverTls(smtpPort, 'bob@may.sts.test', 'tls-may');
  const line = await deliveryOf('bob@may.sts.test');
  assert.equal(line.status, 'sent', JSON.stringify(line));
  assert.equal(line.tls, undefined);
  const message = await arrived('plain', 'tls-may');
  assert.ok(message);
  assert.equal(message.envelope.client.tls, undefined);
});

test('REQUIRETLS: delivered where MTA-STS enforce verifies the host (REQUIRETLS passed on); returned with 5.7.30, headers only, where nothing verifies it', async () => {
  await relayOverTls(smtpPort, 'carol@enforce.sts.test', 'requiretls-enforce', ['REQUIRETLS']);
  const sent = await deliveryOf('carol@enforce.sts.test');
  assert.equal(sent.status, 'sent', JSON.stringify(sent));
  const message = await arrived('enforce', 'requiretls-enforce');
  assert.equal(message?.envelope.requireTls, true);

  await relayOverTls(smtpPort, 'carol@may.sts.test', 'requiretls-may', ['REQUIRETLS']);
  const bounced = await deliveryOf('carol@may.sts.test');
  assert.equal(bounced.status, 'bounced');
  assert.equal(bounced.dsn, '5.7.30');
  assert.match(String(bounced.reply), /REQUIRETLS: neither DANE nor an MTA-STS policy in enforce mode verifies TLS to may\.sts\.test/);
  assert.equal(await arrived('plain', 'requiretls-may'), undefined);
  // RFC 8689 §5: the bounce returns the headers only, whatever RET said.
  const folder = join(dir.path, 'mail', 'alice', 'new');
  await postern.waitForLog((l) => l.msg === 'delivery' && l.to === 'alice@example.test' && l.status === 'sent');
  const [dsn] = readdirSync(folder).map((f) => readFileSync(join(folder, f), 'utf8'));
  assert.ok(dsn?.includes('carol@may.sts.test'));
  assert.match(dsn, /Status: 5\.7\.30/);
  assert.match(dsn, /Content-Type: text\/rfc822-headers/i);
});
