// Virus scanning end to end: a real Postern asks a real clamd (the test's own, with offline test
// signatures) before it answers end of data. What the sender is answered, what
// `postern quarantine …` prints and what arrives at the sink is what a user sees.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EICAR, EICAR_SIGNATURE, MARKER_SIGNATURE, VIRUS_MARKER, startClamd, type TestClamd } from '../helpers/clamd.ts';
import { freePort, runPosternAsync, startPostern, tempDir, writeConfig, type RunningPostern } from '../helpers/postern-process.ts';
import { sendWithSmtplib, type SendResult } from '../helpers/smtp-send.ts';
import { startSink, type ReceivedMessage, type TestSink } from '../helpers/smtp-sink.ts';
import { attachment, message, multipart, textPart } from '../content/messages.ts';

const SINK = '127.0.0.48';
const cleanups: Array<() => unknown> = [];
let clamd: TestClamd;
let sink: TestSink;

async function posternWith(clamav: string): Promise<{ postern: RunningPostern; port: number; configFile: string }> {
  const dir = tempDir();
  cleanups.push(() => dir.remove());
  const port = await freePort();
  const configFile = writeConfig(
    dir.path,
    `hostname: mx.example.test
dataDir: var
log: { format: json }
smtp: { listeners: [ { address: 127.0.0.1, port: ${port} } ] }
domains: [ example.test ]
relay: { networks: [ 127.0.0.9/32 ] }
routes: { example.test: { type: smtp, host: ${SINK}, port: ${sink.port} } }
content:
  clamav: ${clamav}
`,
  );
  const postern = await startPostern(configFile);
  cleanups.push(() => postern.stop());
  return { postern, port, configFile };
}

before(async () => {
  clamd = await startClamd({ after: (fn) => cleanups.push(fn) });
  sink = await startSink(SINK, await freePort(SINK));
  cleanups.push(() => sink.close());
});

after(async () => {
  for (const fn of cleanups.reverse()) await fn();
});

async function send(port: number, subject: string, raw: string): Promise<SendResult> {
  const [result] = await sendWithSmtplib(port, [{ from: 'alice@sender.test', to: ['bob@example.test'], body: raw.replace('Subject: Test message', `Subject: ${subject}`) }]);
  return result!;
}

async function arrived(subject: string): Promise<ReceivedMessage> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((d) => setTimeout(d, 50))) {
    const hit = (await sink.received()).find((m) => m.body.includes(`Subject: ${subject}\r\n`));
    if (hit) return hit;
  }
  throw new Error(`"${subject}" did not reach the sink`);
}

async function cli(configFile: string, ...args: string[]): Promise<string> {
  const r = await runPosternAsync([...args, '--config', configFile]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

interface ListedEntry {
  id: string;
  subject: string;
  rule: string;
  reason: string;
  sender: string;
  recipients: string[];
}

const withAttachment = (name: string, bytes: Buffer) => message(multipart([textPart('please see the attachment'), attachment(bytes, 'application/octet-stream', `filename="${name}"`)]));

describe('virus scanning with clamd', () => {
  let port: number;
  let configFile: string;
  let postern: RunningPostern;
  before(async () => {
    ({ postern, port, configFile } = await posternWith(`{ address: "${clamd.address}", timeout: 10s }`));
  });

  it('delivers a clean message to the sink', async () => {
    const r = await send(port, 'clean report', withAttachment('report.txt', Buffer.from('quarterly figures, nothing else\n')));
    assert.equal(r.code, 250, r.reply);
    const { body } = await arrived('clean report');
    assert.match(body, /quarterly figures|cXVhcnRlcmx5/);
  });

  it('quarantines an infected attachment: answered 250, listed by postern quarantine list, not in the queue, not delivered', async () => {
    const r = await send(port, 'infected invoice', withAttachment('invoice.com', Buffer.from(EICAR)));
    assert.equal(r.code, 250, r.reply);
    // Each CLI run is a process of its own: run them side by side.
    const [listing, json, queue] = await Promise.all([cli(configFile, 'quarantine', 'list'), cli(configFile, 'quarantine', 'list', '--json'), cli(configFile, 'queue', 'list')]);
    assert.match(listing, /^1 message in quarantine:\n/);
    assert.match(listing, /  virus\n/);
    assert.match(listing, /From: alice@sender\.test\n/);
    assert.match(listing, /To: bob@example\.test\n/);
    assert.match(listing, /Subject: infected invoice\n/);
    assert.match(listing, new RegExp(`Why: .*virus ${EICAR_SIGNATURE.replace(/\./g, '\\.')}`));
    const [entry] = JSON.parse(json) as ListedEntry[];
    assert.deepEqual([entry!.subject, entry!.rule, entry!.sender, entry!.recipients], ['infected invoice', 'virus', 'alice@sender.test', ['bob@example.test']]);
    assert.match(queue, /^Mail queue is empty/);
    assert.equal((await sink.received()).some((m) => m.body.includes('Subject: infected invoice\r\n')), false);
  });

  it("finds the test's own custom signature too", async () => {
    const r = await send(port, 'marked file', withAttachment('data.bin', Buffer.from(`some bytes ${VIRUS_MARKER} more bytes`)));
    assert.equal(r.code, 250, r.reply);
    const logged = await postern.waitForLog((l) => l.msg === 'message quarantined' && String(l.reason).includes(MARKER_SIGNATURE));
    assert.equal(logged.rule, 'virus');
  });

  it('delivers a released message to the sink, and it leaves the quarantine', async () => {
    const [entry] = (JSON.parse(await cli(configFile, 'quarantine', 'list', '--json')) as ListedEntry[]).filter((e) => e.subject === 'infected invoice');
    assert.ok(entry);
    assert.match(await cli(configFile, 'quarantine', 'release', entry.id), /released from quarantine and queued for delivery/);
    const { body } = await arrived('infected invoice');
    assert.match(body, new RegExp(Buffer.from(EICAR).toString('base64').slice(0, 40).replace(/[+/]/g, '\\$&')));
    const left = JSON.parse(await cli(configFile, 'quarantine', 'list', '--json')) as ListedEntry[];
    assert.deepEqual(left.map((e) => e.subject), ['marked file']);
  });

  it('answers 451 4.7.0 at end of data while clamd is stopped, and accepts again once it is back', async () => {
    await clamd.stop();
    try {
      const r = await send(port, 'while down', withAttachment('notes.txt', Buffer.from('plain notes\n')));
      assert.equal(r.code, 451, r.reply);
      assert.match(r.reply, /^4\.7\.0 /);
    } finally {
      await clamd.start();
    }
    const r = await send(port, 'after restart', withAttachment('notes.txt', Buffer.from('plain notes\n')));
    assert.equal(r.code, 250, r.reply);
    await arrived('after restart');
  });
});

describe('virus scanning with failOpen: true', () => {
  it('accepts and delivers while the scanner is down, with a field saying the message was not scanned', async () => {
    const nothing = await freePort();
    const { port } = await posternWith(`{ address: "127.0.0.1:${nothing}", timeout: 2s, failOpen: true }`);
    const r = await send(port, 'unscanned', withAttachment('notes.txt', Buffer.from('plain notes\n')));
    assert.equal(r.code, 250, r.reply);
    const { body } = await arrived('unscanned');
    assert.match(body, /^X-Postern-[\w-]+: not scanned[^\r\n]*\r\n/m);
  });
});
