// `postern start` with DNS blocklists: the zones are served by the same Postern's DNS server on
// loopback (one of them a secondary whose primary is down: SERVFAIL), clients connect from
// 127.0.0.x addresses listed or not, with Python's smtplib. What a sender sees is the SMTP reply;
// what the administrator sees is the log.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { dig } from '../helpers/dns.ts';
import { freePort, startPostern, tempDir, writeConfig, type RunningPostern } from '../helpers/postern-process.ts';
import { sendWithSmtplib, type SendResult, type SessionSecurity } from '../helpers/smtp-send.ts';

const HEAD = (zone: string) => `$ORIGIN ${zone}.\n$TTL 60\n@ SOA ns hostmaster 1 3600 600 86400 60\n  NS ns\nns A 127.0.0.53\n`;
const ZONES: Record<string, string> = {
  'bl.test': `2.0.0.127 A 127.0.0.2
          TXT "Listed in bl.test; see https://bl.test/lookup?ip=127.0.0.2"
3.0.0.127 A 127.255.255.254
4.0.0.127 A 10.1.2.3
8.0.0.127 A 127.0.0.2
9.0.0.127 A 127.0.0.2
`,
  'bl2.test': `7.0.0.127 A 127.0.0.2
`,
  'dbl.test': `spammer.example A 127.0.1.2
                TXT "Spam source"
bad-helo.example A 127.0.1.2
`,
};

let dir: { path: string; remove: () => void };
let postern: RunningPostern;
let smtpPort: number;
let dnsPort: number;

before(async () => {
  dir = tempDir();
  smtpPort = await freePort();
  dnsPort = await freePort();
  const deadPrimary = await freePort();
  for (const [zone, records] of Object.entries(ZONES)) writeFileSync(join(dir.path, `${zone}.zone`), HEAD(zone) + records);
  const config = writeConfig(
    dir.path,
    `hostname: mx.example.test
dataDir: var
log: { format: json }
smtp: { listeners: [ { address: 127.0.0.1, port: ${smtpPort} } ] }
domains: [ example.test ]
relay: { networks: [ 127.0.0.9/32 ] }
routes: { example.test: { type: maildir, path: mail } }
dns:
  listen: [ "127.0.0.1:${dnsPort}" ]
  workers: 1
  zones:
    - { name: bl.test, file: bl.test.zone }
    - { name: bl2.test, file: bl2.test.zone }
    - { name: dbl.test, file: dbl.test.zone }
    - { name: broken.test, type: secondary, primaries: [ { address: "127.0.0.1:${deadPrimary}" } ] }
resolver: { servers: [ "127.0.0.1:${dnsPort}" ], timeout: 500ms, attempts: 1 }
policy:
  dnsbl:
    zones:
      - { zone: bl.test, codes: [ "127.0.0.2-127.0.0.11" ], weight: 2 }
      - { zone: bl2.test, weight: 1 }
      - { zone: broken.test }
    threshold: 2
  rhsbl: { zones: [ { zone: dbl.test, codes: [ "127.0.1.2-127.0.1.99" ] } ] }
  allowlist: { networks: [ 127.0.0.8/32 ], domains: [ friend.example ] }
`,
  );
  postern = await startPostern(config);
});

after(async () => {
  await postern.stop();
  dir.remove();
});

async function send(source: string, to: string, opts: { from?: string; helo?: string } = {}): Promise<SendResult> {
  const session: SessionSecurity = { source, ...(opts.helo ? { helo: opts.helo } : {}) };
  const [result] = await sendWithSmtplib(smtpPort, [{ from: opts.from ?? 'sender@outside.example', to: [to], body: `Subject: from ${source}\r\n\r\nhello\r\n` }], 1, session);
  return result!;
}

const delivered = (user: string) => {
  const folder = join(dir.path, 'mail', user, 'new');
  return existsSync(folder) ? readdirSync(folder).length : 0;
};

test('the setup is real: the listing and its reason, the refusal code, and SERVFAIL from the zone without a primary', async () => {
  const listed = await dig({ address: '127.0.0.1', port: dnsPort }, ['2.0.0.127.bl.test', 'A']);
  assert.deepEqual(listed.answer.map((r) => r.data), ['127.0.0.2']);
  const refused = await dig({ address: '127.0.0.1', port: dnsPort }, ['3.0.0.127.bl.test', 'A']);
  assert.deepEqual(refused.answer.map((r) => r.data), ['127.255.255.254']);
  assert.equal((await dig({ address: '127.0.0.1', port: dnsPort }, ['6.0.0.127.broken.test', 'A'])).status, 'SERVFAIL');
});

test('a listed client is refused at RCPT with 554 5.7.1 and the zone\'s reason; nothing is delivered; the refusal is logged', async () => {
  const r = await send('127.0.0.2', 'user@example.test');
  assert.equal(r.code, 554);
  assert.equal(r.reply, '5.7.1 Service unavailable; client [127.0.0.2] blocked using bl.test: Listed in bl.test; see https://bl.test/lookup?ip=127.0.0.2');
  assert.equal(delivered('user'), 0);
  const line = await postern.waitForLog((l) => l.msg === 'refused' && l.check === 'dnsbl');
  assert.equal(line.client, '127.0.0.2');
});

test('the same listed client reaches the postmaster (RFC 5321 §4.5.1)', async () => {
  const r = await send('127.0.0.2', 'postmaster@example.test');
  assert.equal(r.code, 250, r.reply);
  for (const deadline = Date.now() + 10_000; delivered('postmaster') === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
  assert.equal(delivered('postmaster'), 1, 'in the postmaster\'s Maildir');
});

test('127.255.255.x, an answer outside 127/8 and a SERVFAIL zone refuse nobody; each zone\'s problem is logged', async () => {
  const sources = ['127.0.0.3', '127.0.0.4', '127.0.0.6'];
  const results = await Promise.all(sources.map((source) => send(source, 'user@example.test')));
  assert.deepEqual(results.map((r) => r.code), [250, 250, 250], JSON.stringify(results));
  const problems = postern.logs.filter((l) => l.msg === 'blocklist zone unusable; its answers count as not listed');
  const seen = new Set(problems.map((l) => `${l.zone as string} ${l.problem as string}`));
  for (const expected of ['bl.test refused', 'bl.test garbage', 'broken.test failed']) assert.ok(seen.has(expected), `${expected} in ${[...seen].join(', ')}`);
});

test('weights: a listing in bl2.test alone (weight 1) stays under the threshold of 2', async () => {
  assert.equal((await send('127.0.0.7', 'user@example.test')).code, 250);
});

test('allowlisted network, allowlisted sender domain and trusted client pass although listed', async () => {
  const [network, domain, trusted] = await Promise.all([send('127.0.0.8', 'user@example.test'), send('127.0.0.2', 'user@example.test', { from: 'news@friend.example' }), send('127.0.0.9', 'user@example.test')]);
  assert.equal(network.code, 250, 'policy.allowlist.networks');
  assert.equal(domain.code, 250, 'policy.allowlist.domains');
  assert.equal(trusted.code, 250, 'relay.networks');
});

test('RHSBL: a listed sender domain and a listed HELO name are refused, each named', async () => {
  const [sender, helo] = await Promise.all([send('127.0.0.6', 'user@example.test', { from: 'x@spammer.example' }), send('127.0.0.6', 'user@example.test', { helo: 'bad-helo.example' })]);
  assert.equal(sender.code, 554);
  assert.equal(sender.reply, '5.7.1 Service unavailable; sender domain spammer.example blocked using dbl.test: Spam source');
  assert.equal(helo.code, 554);
  assert.equal(helo.reply, '5.7.1 Service unavailable; HELO name bad-helo.example blocked using dbl.test');
  const line = await postern.waitForLog((l) => l.msg === 'refused' && l.check === 'rhsbl');
  assert.equal(line.client, '127.0.0.6');
});
