import assert from 'node:assert/strict';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import { silentLogger } from '../../src/log/logger.ts';
import type { Envelope } from '../../src/queue/envelope.ts';
import { QuarantineAdmin } from '../../src/queue/quarantine-admin.ts';
import { QuarantineStore } from '../../src/queue/quarantine.ts';
import { Spool, INLINE_MAX } from '../../src/queue/spool.ts';
import { scratchDir } from '../helpers/scratch-dirs.ts';

const DAY = 24 * 60 * 60 * 1000;

function envelope(sender: string, recipients: string[]): Envelope {
  return {
    sender,
    recipients: recipients.map((address) => ({ address })),
    body: '8bitmime',
    smtputf8: false,
    requireTls: false,
    client: { address: '127.0.0.9', port: 40000, helo: 'client.example', listener: 'mta' },
    receivedAt: Date.now(),
  };
}

async function store(spool: Spool, message: string, env: Envelope, quarantine?: { reason: string; rule?: string }): Promise<string> {
  const writer = spool.open();
  writer.write(Buffer.from(message));
  return writer.commit(env, quarantine ? { quarantine } : {});
}

describe('the quarantine store', () => {
  let spool: Spool;
  let quarantine: QuarantineStore;
  before(async () => {
    spool = await Spool.open({ dir: join(await scratchDir(), 'queue'), minFreeBytes: 0, logger: silentLogger() });
    quarantine = new QuarantineStore(spool, 30 * DAY);
  });
  after(() => spool.close());

  test('lists quarantined messages with time, envelope, decoded subject and rule; normal mail is not there', async () => {
    const normal = await store(spool, 'Subject: fine\r\n\r\nhello\r\n', envelope('a@example.net', ['b@example.com']));
    const held = await store(
      spool,
      'From: x@example.net\r\nSubject: =?utf-8?q?Rechnung_f=C3=BCr?=\r\n Sie\r\n\r\nbody\r\n',
      envelope('x@example.net', ['b@example.com', 'c@example.com']),
      { reason: 'virus Test.EICAR found', rule: 'virus' },
    );
    const entries = await quarantine.list();
    assert.deepEqual(entries.map((e) => e.id), [held]);
    const [entry] = entries;
    assert.equal(entry!.sender, 'x@example.net');
    assert.deepEqual(entry!.recipients, ['b@example.com', 'c@example.com']);
    assert.equal(entry!.subject, 'Rechnung für Sie');
    assert.equal(entry!.rule, 'virus');
    assert.equal(entry!.reason, 'virus Test.EICAR found');
    assert.ok(Math.abs(Date.parse(entry!.time) - Date.now()) < 60_000);
    assert.equal(await quarantine.show(normal), undefined, 'a queued message is not in quarantine');
    assert.equal(quarantine.preview(normal), undefined);
  });

  test('show gives the envelope and the header section; preview the raw message; a large (file) body too', async () => {
    const big = `Subject: big one\r\nX-Tag: 1\r\n\r\n${'x'.repeat(INLINE_MAX + 10)}\r\n`;
    const id = await store(spool, big, envelope('x@example.net', ['b@example.com']), { reason: 'too big', rule: 'size' });
    const detail = await quarantine.show(id);
    assert.equal(detail!.subject, 'big one');
    assert.equal(detail!.header, 'Subject: big one\r\nX-Tag: 1\r\n\r\n');
    assert.equal(detail!.envelope.client.address, '127.0.0.9');
    assert.equal(await text(quarantine.preview(id)!), big);
  });

  test('release makes it an ordinary queued message, due now; a second release finds nothing', async () => {
    const id = await store(spool, 'Subject: r\r\n\r\nx\r\n', envelope('x@example.net', ['b@example.com']), { reason: 'r', rule: 'r' });
    assert.ok(!spool.due(Date.now() + DAY).includes(id), 'quarantined: never due');
    assert.equal(quarantine.release(id), true);
    assert.ok(spool.due().includes(id));
    assert.equal(spool.message(id)!.quarantine, undefined);
    assert.equal(quarantine.release(id), false);
    assert.equal(quarantine.delete(id), false, 'delete touches only quarantined messages');
  });

  test('delete removes it; expiry removes only entries older than the retention', async () => {
    const gone = await store(spool, 'Subject: d\r\n\r\nx\r\n', envelope('x@example.net', ['b@example.com']), { reason: 'd' });
    assert.equal(quarantine.delete(gone), true);
    assert.equal(spool.message(gone), undefined);
    const before = (await quarantine.list()).map((e) => e.id);
    const fresh = await store(spool, 'Subject: f\r\n\r\nx\r\n', envelope('x@example.net', ['b@example.com']), { reason: 'f' });
    assert.deepEqual(quarantine.expire(Date.now() + 29 * DAY), []);
    const expired = quarantine.expire(Date.now() + 31 * DAY).map((e) => e.id);
    assert.deepEqual(expired.sort(), [...before, fresh].sort());
    assert.deepEqual(await quarantine.list(), []);
  });
});

describe('quarantine commands', () => {
  test('list, list --json, show, release (delivery started), delete and the errors', async () => {
    const spool = await Spool.open({ dir: join(await scratchDir(), 'queue'), minFreeBytes: 0, logger: silentLogger() });
    try {
      const delivered: string[] = [];
      const admin = new QuarantineAdmin(new QuarantineStore(spool, DAY), (id) => delivered.push(id), silentLogger());
      assert.deepEqual(await admin.handle(['list']), { ok: true, message: 'Quarantine is empty' });
      const id = await store(spool, 'Subject: invoice\r\n\r\nx\r\n', envelope('x@example.net', ['b@example.com']), { reason: 'a program behind a pdf name', rule: 'disguised' });
      const list = await admin.handle(['list']);
      assert.equal(list.message, '1 message in quarantine:');
      assert.match(list.details!.join('\n'), new RegExp(`^${id} .* disguised\\n.*From: x@example.net\\n.*To: b@example.com\\n.*Subject: invoice\\n.*Why: a program behind a pdf name`));
      const json = JSON.parse((await admin.handle(['list', '--json'])).details![0]!) as Array<{ id: string; subject: string; rule: string }>;
      assert.deepEqual(json.map((e) => [e.id, e.subject, e.rule]), [[id, 'invoice', 'disguised']]);
      assert.equal(JSON.parse((await admin.handle(['show', id])).details![0]!).id, id);
      assert.deepEqual(await admin.handle(['show']), { ok: false, message: 'quarantine show needs an id (see "postern quarantine list")' });
      assert.deepEqual(await admin.handle(['release', 'NOPE']), { ok: false, message: 'no message NOPE in quarantine' });
      assert.equal((await admin.handle(['frob'])).ok, false);
      assert.equal((await admin.handle(['release', id])).ok, true);
      assert.deepEqual(delivered, [id]);
      const other = await store(spool, 'Subject: y\r\n\r\nx\r\n', envelope('x@example.net', ['b@example.com']), { reason: 'y' });
      assert.deepEqual(await admin.handle(['delete', other]), { ok: true, message: `${other}: deleted from quarantine` });
      assert.equal(spool.message(other), undefined);
    } finally {
      spool.close();
    }
  });
});
