// `postern start` relaying mail: MX records from its own DNS server point at receiving MTAs on
// 127.0.0.x (delivery.port); a destination that is down shows in `postern mailq` with its reason,
// can be held, released and flushed with `postern queue`, and is delivered once it is back;
// bounces reach the sender's Maildir and parse as RFC 3464 reports with Python's email package.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, runPosternAsync, startPostern, tempDir, writeConfig, type RunningPostern } from '../helpers/postern-process.ts';
import { sendWithSmtplib } from '../helpers/smtp-send.ts';
import { startSink, type TestSink } from '../helpers/smtp-sink.ts';

const ZONE = `$ORIGIN relay.test.
$TTL 60
@       SOA ns hostmaster 1 3600 600 86400 60
        NS  ns
ns      A   127.0.0.53
up      MX  10 mx-up
mx-up   A   127.0.0.41
later   MX  10 mx-later
mx-later A  127.0.0.42
gone    MX  0 .
`;

let dir: { path: string; remove: () => void };
let postern: RunningPostern;
let config: string;
let smtpPort: number;
const sinks: TestSink[] = [];
let sinkPort: number;

before(async () => {
  dir = tempDir();
  smtpPort = await freePort();
  const dnsPort = await freePort();
  sinkPort = await freePort();
  sinks.push(await startSink('127.0.0.41', sinkPort));
  writeFileSync(join(dir.path, 'relay.test.zone'), ZONE);
  config = writeConfig(
    dir.path,
    `hostname: mx.example.test
dataDir: var
log: { format: json }
smtp: { listeners: [ { address: 127.0.0.1, port: ${smtpPort} } ] }
domains: [ example.test ]
relay: { networks: [ 127.0.0.1/32 ] }
routes: { example.test: { type: maildir, path: mail } }
dns: { listen: [ "127.0.0.1:${dnsPort}" ], workers: 1, zones: [ { name: relay.test, file: relay.test.zone } ] }
resolver: { servers: [ "127.0.0.1:${dnsPort}" ], timeout: 500ms, attempts: 1 }
delivery: { port: ${sinkPort}, connectTimeout: 1s }
queue: { retry: { min: 1h } }   # nothing is retried by itself during the test: only flush and release do
`,
  );
  postern = await startPostern(config);
});

after(async () => {
  await postern.stop();
  for (const sink of sinks) await sink.close();
  dir.remove();
});

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, ms = 10_000): Promise<T> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    const value = await probe();
    if (value !== undefined) return value;
  }
  throw new Error(`timed out waiting for ${what}`);
}

const postern_ = (...args: string[]) => runPosternAsync([...args, '--config', config]);

test('relayed mail goes to the MX host, and the delivery is logged as Postfix logs it', async () => {
  const [r] = await sendWithSmtplib(smtpPort, [{ from: 'alice@example.test', to: ['bob@up.relay.test'], body: 'Subject: e2e-up\r\n\r\n.leading dot\r\n' }]);
  assert.equal(r!.code, 250, r!.reply);
  const message = await until(async () => (await sinks[0]!.received()).find((m) => m.body.includes('e2e-up')), 'the message at the MX host');
  assert.deepEqual(message.envelope.recipients.map((x) => x.address), ['bob@up.relay.test']);
  assert.match(message.body, /\r\n\r\n\.leading dot\r\n$/, 'dot-stuffing undone at each hop');
  const line = await postern.waitForLog((l) => l.msg === 'delivery' && l.to === 'bob@up.relay.test');
  assert.equal(line.status, 'sent');
  assert.equal(line.relay, `mx-up.relay.test[127.0.0.41]:${sinkPort}`);
  assert.match(String(line.reply), /^250 2\.0\.0 Ok: queued as/);
  assert.equal(line.dsn, '2.0.0');
  const delays = line.delays as { queue: number; connect: number; transfer: number };
  assert.ok(delays.queue >= 0 && delays.connect >= 0 && delays.transfer > 0 && (line.delay as number) >= delays.transfer, JSON.stringify(line));
});

test('a destination that is down: mailq shows the reason; hold, release and flush; delivered once it is back', async () => {
  const [r] = await sendWithSmtplib(smtpPort, [{ from: 'alice@example.test', to: ['carol@later.relay.test'], body: 'Subject: e2e-later\r\n\r\nx\r\n' }]);
  const id = /queued as (\w+)/.exec(r!.reply)![1]!;
  await postern.waitForLog((l) => l.msg === 'delivery' && l.queueId === id && l.status === 'deferred');
  const mailq = await postern_('mailq');
  assert.equal(mailq.status, 0, mailq.stderr);
  assert.match(mailq.stdout, /^-Queue ID-/);
  assert.match(mailq.stdout, new RegExp(`^${id} +\\d+ \\w{3} \\w{3} +\\d+ [\\d:]{8}  alice@example\\.test$`, 'm'));
  assert.match(mailq.stdout, /\(.*127\.0\.0\.42.*\)\n +carol@later\.relay\.test/);
  const json = JSON.parse((await postern_('queue', 'list', '--json')).stdout) as Array<{ id: string; recipients: Array<{ state: string; lastError: string }> }>;
  assert.equal(json.find((m) => m.id === id)?.recipients[0]?.state, 'deferred');

  assert.equal((await postern_('queue', 'hold', id)).status, 0);
  assert.match((await postern_('mailq')).stdout, new RegExp(`^${id}!`, 'm'));
  sinks.push(await startSink('127.0.0.42', sinkPort));
  assert.equal((await postern_('queue', 'flush')).status, 0);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await sinks[1]!.received()).length, 0, 'held: not delivered by a flush');
  assert.equal((await postern_('queue', 'release', id)).status, 0);
  await until(async () => ((await sinks[1]!.received()).some((m) => m.body.includes('e2e-later')) ? true : undefined), 'delivery after release');
  await until(async () => (!(await postern_('mailq')).stdout.includes(id) ? true : undefined), 'the message leaving the queue');
  const missing = await postern_('queue', 'hold', id);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, new RegExp(`no message ${id} in the queue`));
});

test('a bounce reaches the sender and parses as an RFC 3464 report with Python\'s email package', async () => {
  const [r] = await sendWithSmtplib(smtpPort, [{ from: 'dave@example.test', to: ['x@gone.relay.test'], body: 'Subject: e2e-bounce\r\n\r\nreturn me\r\n', mail_options: ['RET=FULL', 'ENVID=e2e-1'] }]);
  assert.equal(r!.code, 250);
  const folder = join(dir.path, 'mail', 'dave', 'new');
  const file = await until(() => (existsSync(folder) ? readdirSync(folder)[0] : undefined), 'the DSN in the sender\'s Maildir');
  const parsed = spawnSync('python3', [join(import.meta.dirname, '../helpers/parse_dsn.py')], { input: `${readFileSync(join(folder, file)).toString('base64')}\n`, encoding: 'utf8' });
  assert.equal(parsed.status, 0, parsed.stderr);
  const dsn = JSON.parse(parsed.stdout) as { content_type: string; report_type: string; per_message: Record<string, string>; recipients: Array<Record<string, string>>; original: { attached: boolean; body: string | null }; defects: string[] };
  assert.equal(dsn.content_type, 'multipart/report');
  assert.equal(dsn.report_type, 'delivery-status');
  assert.equal(dsn.per_message['original-envelope-id'], 'e2e-1');
  assert.match(dsn.per_message['reporting-mta']!, /mx\.example\.test/);
  assert.equal(dsn.recipients[0]!.action, 'failed');
  assert.equal(dsn.recipients[0]!.status, '5.1.10');
  assert.match(dsn.recipients[0]!['final-recipient']!, /x@gone\.relay\.test/);
  assert.equal(dsn.original.attached, true);
  assert.match(dsn.original.body ?? '', /return me/);
  assert.deepEqual(dsn.defects, []);
});
