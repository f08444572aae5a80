// DANE (RFC 7672) with `postern start`: the zone dane.test signed with dnssec-signzone and served
// by Knot, a validating Unbound in front of it holding the zone's key as trust anchor, and
// Postern asking that Unbound (resolver.servers and delivery.tls.dane.resolver). The receiving
// MTA's certificate comes from the test CA, which Postern does not otherwise trust: only the
// authenticated TLSA records vouch for it.
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { after, before, test } from 'node:test';
import { freePort, startPostern, tempDir, writeConfig, type RunningPostern } from '../helpers/postern-process.ts';
import { serveSignedZone } from '../helpers/signed-zone.ts';
import { startSink, type TestSink } from '../helpers/smtp-sink.ts';
import { testCa } from '../helpers/test-ca.ts';
import { relayOverTls, tlsRelayConfig } from '../helpers/tls-relay.ts';
import { startUnbound } from '../helpers/unbound.ts';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const spkiOf = (pem: string) => new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });

const cleanups: Array<() => unknown> = [];
const scope = { after: (fn: () => unknown) => cleanups.push(fn) };
let dir: { path: string; remove: () => void };
let postern: RunningPostern;
let smtpPort: number;
let sinkPort: number;
let tlsSink: TestSink;
let plainSink: TestSink;

before(async () => {
  const ca = testCa();
  dir = tempDir();
  smtpPort = await freePort();
  sinkPort = await freePort('127.0.0.24');
  const mx = ca.leaf('dane-mx', 'DNS:mx.ee.dane.test,DNS:mx.bad.dane.test,DNS:mx.ta.dane.test,DNS:mx.requiretls.dane.test');
  tlsSink = await startSink('127.0.0.24', sinkPort, { tls: { chain: mx.chain, key: mx.key } });
  plainSink = await startSink('127.0.0.25', sinkPort);
  const tlsa = (host: string, rdata: string) => `_${sinkPort}._tcp.${host} TLSA ${rdata}`;
  const zone = await serveSignedZone(
    scope,
    'dane.test',
    [
      '$ORIGIN dane.test.',
      '$TTL 300',
      '@ SOA ns1 hostmaster 1 7200 1800 1209600 60',
      '@ NS ns1',
      'ns1 A 127.0.0.2',
      'ee MX 10 mx.ee',
      'mx.ee A 127.0.0.24',
      tlsa('mx.ee', `3 1 1 ${sha256(spkiOf(mx.cert))}`),
      'bad MX 10 mx.bad',
      'mx.bad A 127.0.0.24',
      // The key of another certificate: the MTA's own does not match.
      tlsa('mx.bad', `3 1 1 ${sha256(spkiOf(ca.server.cert))}`),
      'ta MX 10 mx.ta',
      'mx.ta A 127.0.0.24',
      tlsa('mx.ta', `2 0 1 ${sha256(new X509Certificate(ca.ca).raw)}`),
      'requiretls MX 10 mx.requiretls',
      'mx.requiretls A 127.0.0.24',
      tlsa('mx.requiretls', `3 1 1 ${sha256(spkiOf(mx.cert))}`),
      'none MX 10 mx.none',
      'mx.none A 127.0.0.25',
      '',
    ].join('\n'),
  );
  const unbound = await startUnbound(scope, {
    serverLines: ['module-config: "validator iterator"', 'do-not-query-localhost: no', 'local-zone: "test." nodefault', `trust-anchor: "${zone.trustAnchor}"`],
    clauses: ['stub-zone:', '  name: "dane.test"', `  stub-addr: ${zone.address}@${zone.port}`],
  });
  const config = writeConfig(
    dir.path,
    `${tlsRelayConfig(smtpPort)}resolver: { servers: [ "127.0.0.1:${unbound.port}" ], timeout: 2s, attempts: 1 }
delivery:
  port: ${sinkPort}
  connectTimeout: 2s
  tls:
    domains: { none.dane.test: dane }
    dane: { resolver: [ "127.0.0.1:${unbound.port}" ] }
    mtaSts: { enabled: false }
queue: { retry: { min: 1h } }
`,
  );
  postern = await startPostern(config);
});

after(async () => {
  await postern?.stop();
  await tlsSink?.close();
  await plainSink?.close();
  for (const cleanup of cleanups.reverse()) await cleanup();
  dir?.remove();
});

async function send(to: string, subject: string, mailOptions: string[] = []): Promise<Record<string, unknown>> {
  await relayOverTls(smtpPort, to, subject, mailOptions);
  return postern.waitForLog((l) => l.msg === 'delivery' && l.to === to);
}

async function arrived(sink: TestSink, subject: string) {
  return (await sink.received()).find((m) => m.body.includes(`Subject: ${subject}\r\n`));
}

test('DANE-EE (3 1 1) matching the MTA\'s key: delivered over TLS verified by DANE', async () => {
  const line = await send('bob@ee.dane.test', 'dane-ee');
  assert.equal(line.status, 'sent', JSON.stringify(line));
  assert.match(String(line.tls), /^TLSv1\.[23] \S+, verified by DANE$/);
  assert.ok((await arrived(tlsSink, 'dane-ee'))?.envelope.client.tls, 'received over TLS');
});

test('a TLSA record that does not match: deferred with the reason, nothing sent (not even in plaintext)', async () => {
  const line = await send('bob@bad.dane.test', 'dane-bad');
  assert.equal(line.status, 'deferred');
  assert.equal(line.dsn, '4.7.5');
  assert.equal(line.reply, `4.7.5 TLS is required (DANE) but the certificate of mx.bad.dane.test is not valid: it matches none of the 1 TLSA record of _${sinkPort}._tcp.mx.bad.dane.test`);
  assert.equal(await arrived(tlsSink, 'dane-bad'), undefined);
});

test('DANE-TA (2 0 1) naming the issuing CA: delivered, the chain and the MX name checked', async () => {
  const line = await send('bob@ta.dane.test', 'dane-ta');
  assert.equal(line.status, 'sent', JSON.stringify(line));
  assert.match(String(line.tls), /verified by DANE$/);
  assert.ok(await arrived(tlsSink, 'dane-ta'));
});

test('level dane for a domain without TLSA records falls back to may: delivered in plaintext', async () => {
  const line = await send('bob@none.dane.test', 'dane-none');
  assert.equal(line.status, 'sent', JSON.stringify(line));
  assert.equal(line.tls, undefined);
  assert.equal((await arrived(plainSink, 'dane-none'))?.envelope.client.tls, undefined);
});

test('REQUIRETLS to a DANE-verified MX host: delivered, with REQUIRETLS passed on', async () => {
  const line = await send('bob@requiretls.dane.test', 'dane-requiretls', ['REQUIRETLS']);
  assert.equal(line.status, 'sent', JSON.stringify(line));
  assert.equal((await arrived(tlsSink, 'dane-requiretls'))?.envelope.requireTls, true);
});
