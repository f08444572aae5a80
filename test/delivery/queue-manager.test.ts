// The queue manager against Postern's DNS server (MX records pointing at 127.0.0.x) and receiving
// MTAs on those addresses, with an injected clock so that hours and days pass in a moment.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, test } from 'node:test';
import { Resolver } from '../../src/dns/resolver/resolver.ts';
import { ConnectionPool } from '../../src/delivery/connection-pool.ts';
import { QueueAdmin } from '../../src/delivery/queue-admin.ts';
import { QueueManager } from '../../src/delivery/queue-manager.ts';
import { silentLogger } from '../../src/log/logger.ts';
import type { Envelope, Recipient } from '../../src/queue/envelope.ts';
import { Spool } from '../../src/queue/spool.ts';
import { connectSmtp } from '../../src/smtp/client/connect.ts';
import { startTestDnsServer } from '../helpers/dns.ts';
import { freePort } from '../helpers/postern-process.ts';
import { scratchDir } from '../helpers/scratch-dirs.ts';
import { startSink, type TestSink } from '../helpers/smtp-sink.ts';

const HOUR = 3_600_000;
const ZONE = `$ORIGIN relay.test.
$TTL 300
@          SOA ns hostmaster 1 3600 600 86400 300
           NS  ns
ns         A   127.0.0.53
mx1        A   127.0.0.31
mx2        A   127.0.0.32
down       A   127.0.0.33
soft       A   127.0.0.34
silent     A   127.0.0.38
flakyhost  A   127.0.0.35
deadhost   A   127.0.0.36
pref       MX  20 mx2
           MX  10 mx1
failover   MX  10 down
           MX  20 mx2
softfail   MX  10 soft
           MX  20 mx2
slowfirst  MX  10 silent
           MX  20 mx2
amx        A   127.0.0.31
nullmx     MX  0 .
flaky      MX  10 flakyhost
dead       MX  10 deadhost
mixed      MX  10 mx1
`;

const dir = await scratchDir();
writeFileSync(join(dir, 'relay.test.zone'), ZONE);
const { endpoint } = await startTestDnsServer({ after }, [{ name: 'relay.test', file: join(dir, 'relay.test.zone') }]);
const resolver = new Resolver({ servers: [endpoint], timeoutMs: 500, attempts: 1 });
const port = await freePort();
const lmtpPort = await freePort('127.0.0.37');
// Postfix's smtp-sink speaking LMTP (-L), as a mailbox server would; -d keeps each message in a file.
// (in a folder of its own under /tmp: the sink runs as nobody, who cannot enter the test's scratch folder)
const lmtpDumps = mkdtempSync(join(tmpdir(), 'postern-lmtp-'));
chmodSync(lmtpDumps, 0o777);
after(() => rmSync(lmtpDumps, { recursive: true, force: true }));
const lmtpSink = spawn('smtp-sink', ['-L', '-u', 'nobody', '-d', `${lmtpDumps}/%M.`, `127.0.0.37:${lmtpPort}`, '10'], { stdio: 'ignore' });
after(() => lmtpSink.kill());
// And an SMTP server that does not offer DSN (-N): NOTIFY cannot be passed on.
const noDsnPort = await freePort('127.0.0.39');
const noDsnSink = spawn('smtp-sink', ['-N', '-u', 'nobody', `127.0.0.39:${noDsnPort}`, '10'], { stdio: 'ignore' });
after(() => noDsnSink.kill());
const sinks: Record<string, TestSink> = {};
for (const [name, address] of [['mx1', '127.0.0.31'], ['mx2', '127.0.0.32'], ['soft', '127.0.0.34']] as const) sinks[name] = await startSink(address, port);
sinks.soft!.answerRcpt(() => ({ kind: 'defer', code: 451, enhanced: '4.7.1', text: 'greylisted, try again later' }));
sinks.mx1!.answerRcpt((address) =>
  address.startsWith('nosuchuser@') ? { kind: 'reject', code: 550, enhanced: '5.1.1', text: 'no such user' }
  : address.startsWith('later@') ? { kind: 'defer', code: 452, enhanced: '4.2.2', text: 'mailbox full' }
  : undefined,
);

let now = Date.UTC(2026, 10, 29, 8, 0, 0);
const clock = { now: () => now };
const spool = await Spool.open({ dir: join(dir, 'queue'), minFreeBytes: 0, logger: silentLogger() });
const manager = new QueueManager({
  spool,
  routes: {
    'local.test': { type: 'maildir', path: join(dir, 'mail') },
    'inside.test': { type: 'smtp', host: 'mx2.relay.test', port },
    'lmtp.test': { type: 'lmtp', host: '127.0.0.37', port: lmtpPort },
    'void.test': { type: 'discard' },
    'nodsn.test': { type: 'smtp', host: '127.0.0.39', port: noDsnPort },
    'closed.test': { type: 'reject', message: 'closed for good' },
  },
  hostname: 'mx.example.test',
  timing: { retryMinMs: 5 * 60_000, retryMaxMs: HOUR, delayWarningMs: 4 * HOUR, lifetimeMs: 5 * 24 * HOUR },
  pool: new ConnectionPool({ maxConnections: 20, perDestination: { initial: 5, max: 20 }, messagesPerConnection: 10, idleMs: 200 }),
  smtp: { resolver, self: { names: new Set(['mx.example.test']), addresses: new Set(['127.0.0.1']) }, connect: connectSmtp, heloName: 'mx.example.test', mxPort: port, timeouts: { connectMs: 1000, greetingMs: 1000 } },
  logger: silentLogger(),
  clock,
});
const admin = new QueueAdmin(spool, manager, clock);

after(async () => {
  await manager.stop();
  for (const sink of Object.values(sinks)) await sink.close();
  resolver.close();
  spool.close();
});

let serial = 0;
async function enqueue(to: Array<string | Recipient>, over: Partial<Envelope> = {}): Promise<{ id: string; marker: string }> {
  const marker = `marker-${++serial}`;
  const writer = spool.open();
  writer.write(Buffer.from(`From: alice@example.org\r\nSubject: ${marker}\r\n\r\n${marker}\r\n`));
  const id = await writer.commit({
    sender: 'alice@example.org',
    recipients: to.map((r) => (typeof r === 'string' ? { address: r } : r)),
    body: '7bit',
    smtputf8: false,
    requireTls: false,
    client: { address: '192.0.2.1', port: 1, helo: 'client.example.org', listener: 'mta' },
    receivedAt: now,
    ...over,
  });
  return { id, marker };
}

async function arrivedAt(sink: TestSink, marker: string): Promise<number> {
  return (await sink.received()).filter((m) => m.body.includes(marker)).length;
}

/** The DSNs queued for alice about the message with this id. */
async function dsnsAbout(id: string): Promise<string[]> {
  const out: string[] = [];
  for (const dsn of spool.page(10_000)) {
    const m = spool.message(dsn)!;
    if (m.envelope.sender !== '') continue;
    const body = await text(spool.readBody(dsn));
    if (body.includes(id)) out.push(body);
  }
  return out;
}

test('MX preference: the best MX gets the message, and it leaves the queue', async () => {
  const { id, marker } = await enqueue(['user@pref.relay.test']);
  await manager.runDue();
  assert.equal(await arrivedAt(sinks.mx1!, marker), 1);
  assert.equal(await arrivedAt(sinks.mx2!, marker), 0);
  assert.equal(spool.message(id), undefined);
});

test('next MX when the first refuses the connection, never greets (timeout) or answers 4xx; the domain itself when it has no MX', async (t) => {
  // A host that takes the connection and says nothing: the greeting times out.
  const silent = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(port, '127.0.0.38', resolve));
  t.after(() => new Promise<void>((resolve) => silent.close(() => resolve())));
  silent.on('connection', (socket) => t.after(() => socket.destroy()));
  const timedOut = await enqueue(['user@slowfirst.relay.test']);
  const refused = await enqueue(['user@failover.relay.test']);
  const soft = await enqueue(['user@softfail.relay.test']);
  const implicit = await enqueue(['user@amx.relay.test']);
  await manager.runDue();
  assert.equal(await arrivedAt(sinks.mx2!, refused.marker), 1);
  assert.equal(await arrivedAt(sinks.mx2!, timedOut.marker), 1, 'the next MX after the greeting timed out');
  assert.equal(await arrivedAt(sinks.mx2!, soft.marker), 1);
  assert.equal(await arrivedAt(sinks.soft!, soft.marker), 0);
  assert.equal(await arrivedAt(sinks.mx1!, implicit.marker), 1);
});

test('null MX and a domain that does not exist bounce at once, with a DSN to the sender', async () => {
  const nullMx = await enqueue(['user@nullmx.relay.test']);
  const missing = await enqueue(['user@nowhere.relay.test']);
  await manager.runDue();
  assert.equal(spool.message(nullMx.id), undefined);
  const [dsn] = await dsnsAbout(nullMx.id);
  assert.ok(dsn, 'a failure DSN was queued');
  assert.match(dsn, /Content-Type: multipart\/report; report-type=delivery-status/i);
  assert.match(dsn, /Action: failed\r\nStatus: 5\.1\.10/);
  const [nx] = await dsnsAbout(missing.id);
  assert.match(nx!, /Status: 5\.1\.2/);
});

test('mixed results across the recipients of one message: sent, bounced (DSN for that one only), deferred', async () => {
  const { id, marker } = await enqueue(['ok@mixed.relay.test', 'nosuchuser@mixed.relay.test', 'later@mixed.relay.test']);
  await manager.runDue();
  assert.equal(await arrivedAt(sinks.mx1!, marker), 1);
  assert.deepEqual(spool.message(id)!.recipients.map((r) => r.state), ['delivered', 'bounced', 'deferred']);
  const [dsn] = await dsnsAbout(id);
  assert.match(dsn!, /Final-Recipient: rfc822; ?nosuchuser@mixed\.relay\.test/);
  assert.doesNotMatch(dsn!, /Final-Recipient: rfc822; ?(ok|later)@/);
  assert.match(dsn!, /Diagnostic-Code: smtp; ?550 5\.1\.1 no such user/);
  assert.match(spool.message(id)!.recipients[2]!.lastError ?? '', /452 4\.2\.2 mailbox full/);
});

test('a destination down for a while: deferred with its reason in the queue listing, delivered when it is back', async () => {
  const { id, marker } = await enqueue(['user@flaky.relay.test']);
  await manager.runDue();
  assert.equal(spool.message(id)!.recipients[0]!.state, 'deferred');
  const listing = await admin.handle(['list']);
  assert.match(listing.details!.join('\n'), new RegExp(`${id} .*alice@example\\.org`));
  assert.match(listing.details!.join('\n'), /\(.*127\.0\.0\.35.*(refused|ECONNREFUSED).*\)/i);
  now += 60_000;
  await manager.runDue();
  assert.equal(spool.message(id)!.recipients[0]!.attempts, 1, 'not retried before its time');
  sinks.flaky = await startSink('127.0.0.35', port);
  now += 5 * 60_000;
  await manager.runDue();
  assert.equal(await arrivedAt(sinks.flaky, marker), 1);
  assert.equal(spool.message(id), undefined);
});

test('a destination that stays down: one delay DSN after 4 hours, the bounce at 5 days; NOTIFY=NEVER gets neither', async () => {
  const start = now;
  const warned = await enqueue(['user@dead.relay.test'], { ret: 'hdrs', envid: 'env-77' });
  const silent = await enqueue([{ address: 'other@dead.relay.test', notify: 'never' }]);
  for (let t = 0; t <= 5 * 24 * HOUR; t += HOUR) {
    now = start + t;
    await manager.runDue();
  }
  const dsns = await dsnsAbout(warned.id);
  const delays = dsns.filter((d) => /Action: delayed/.test(d));
  const failures = dsns.filter((d) => /Action: failed/.test(d));
  assert.equal(delays.length, 1, 'exactly one delay warning');
  assert.match(delays[0]!, /Will-Retry-Until:/);
  assert.equal(failures.length, 1);
  assert.match(failures[0]!, /Status: 4\.4\.7/);
  assert.match(failures[0]!, /Original-Envelope-Id: env-77/);
  assert.match(failures[0]!, /text\/rfc822-headers/i, 'RET=HDRS: headers only');
  assert.equal(spool.message(warned.id), undefined, 'returned and removed at the lifetime');
  assert.deepEqual(await dsnsAbout(silent.id), []);
  assert.equal(spool.message(silent.id), undefined);
});

test('local routes: maildir delivery with a success DSN when NOTIFY=SUCCESS asks, RET=FULL returning the message', async () => {
  const { id } = await enqueue([{ address: 'bob@local.test', notify: ['success'] }], { ret: 'full' });
  await manager.runDue();
  assert.equal(readdirSync(join(dir, 'mail', 'bob', 'new')).length, 1);
  const [dsn] = await dsnsAbout(id);
  assert.match(dsn!, /Action: delivered/);
  assert.match(dsn!, /message\/rfc822/i);
});

test('held messages are not delivered until released; delete removes one', async () => {
  const { id, marker } = await enqueue(['user@pref.relay.test']);
  assert.equal((await admin.handle(['hold', id])).ok, true);
  await manager.runDue();
  assert.equal(await arrivedAt(sinks.mx1!, marker), 0);
  assert.match((await admin.handle(['list'])).details!.join('\n'), new RegExp(`^${id}!`, 'm'));
  await admin.handle(['release', id]);
  await manager.idle(id);
  assert.equal(await arrivedAt(sinks.mx1!, marker), 1);
  const doomed = await enqueue(['user@dead.relay.test']);
  await admin.handle(['delete', doomed.id]);
  assert.equal(spool.message(doomed.id), undefined);
  assert.equal((await admin.handle(['show', 'NOSUCH'])).ok, false);
});

test('fixed next hops: smtp to a named host (its A record, never its MX), LMTP with a success DSN for the final delivery; discard and reject routes', async () => {
  const inside = await enqueue(['user@inside.test']);
  const lmtp = await enqueue([{ address: 'user@lmtp.test', notify: ['success'] }]);
  const discarded = await enqueue(['user@void.test']);
  const rejected = await enqueue(['user@closed.test']);
  await manager.runDue();
  assert.equal(await arrivedAt(sinks.mx2!, inside.marker), 1);
  const dumped = readdirSync(lmtpDumps).map((f) => readFileSync(join(lmtpDumps, f), 'utf8'));
  assert.ok(dumped.some((m) => m.includes(lmtp.marker)), 'the LMTP server got the message');
  const [success] = await dsnsAbout(lmtp.id);
  assert.match(success!, /Action: delivered/);
  for (const id of [inside.id, lmtp.id, discarded.id, rejected.id]) assert.equal(spool.message(id), undefined);
  const [refusal] = await dsnsAbout(rejected.id);
  assert.match(refusal!, /Status: 5\.7\.1/);
  assert.match(refusal!, /closed for good/);
  assert.deepEqual(await dsnsAbout(discarded.id), []);
});

test('NOTIFY=SUCCESS to a next hop without DSN: a "relayed" DSN (RFC 3461 §5.2.2); to one with DSN: none from us', async () => {
  const relayed = await enqueue([{ address: 'user@nodsn.test', notify: ['success'] }]);
  const passedOn = await enqueue([{ address: 'user@pref.relay.test', notify: ['success', 'failure'] }]);
  await manager.runDue();
  const [dsn] = await dsnsAbout(relayed.id);
  assert.match(dsn!, /Action: relayed/);
  assert.deepEqual(await dsnsAbout(passedOn.id), [], 'the MX host offers DSN: NOTIFY went on with the message');
  const received = (await sinks.mx1!.received()).find((m) => m.body.includes(passedOn.marker))!;
  assert.deepEqual(received.envelope.recipients[0]!.notify, ['success', 'failure']);
});
