// What the queue manager and `postern queue` need of the spool besides storing mail: holding,
// making due, paging, deleting, the delay-notice mark, and opening a spool of an older schema.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { silentLogger } from '../../src/log/logger.ts';
import type { Envelope } from '../../src/queue/envelope.ts';
import { Spool } from '../../src/queue/spool.ts';
import { scratchDir } from '../helpers/scratch-dirs.ts';

const envelope: Envelope = {
  sender: 'alice@example.org',
  recipients: [{ address: 'bob@example.net' }, { address: 'carol@example.net' }],
  body: '7bit',
  smtputf8: false,
  requireTls: false,
  client: { address: '192.0.2.1', port: 40000, helo: 'client.example.org', listener: 'mta' },
  receivedAt: 1_000,
};

async function stored(spool: Spool): Promise<string> {
  const writer = spool.open();
  writer.write(Buffer.from('Subject: x\r\n\r\nbody\r\n'));
  return writer.commit(envelope);
}

test('hold, release, make due, delay mark, page and delete', async () => {
  const dir = await scratchDir();
  const spool = await Spool.open({ dir, minFreeBytes: 0, logger: silentLogger() });
  const a = await stored(spool);
  const b = await stored(spool);
  assert.deepEqual(spool.page(10), [a, b]);
  assert.deepEqual(spool.page(1, a), [b]);

  assert.equal(spool.message(a)!.held, false);
  assert.equal(spool.setHeld(a, true), true);
  assert.equal(spool.message(a)!.held, true);
  assert.equal(spool.setHeld('NOSUCHID', true), false);
  spool.setHeld(a, false);
  assert.equal(spool.message(a)!.held, false);

  spool.setRecipientState(a, 0, 'deferred', { nextAttempt: 1_000_000, error: '451 4.7.1 later' });
  spool.setRecipientState(a, 1, 'delivered');
  assert.deepEqual(spool.due(500_000), [b]);
  assert.equal(spool.makeDue(500_000, a), 1, 'only the pending recipient');
  assert.deepEqual(spool.due(500_000), [a, b]);
  spool.setRecipientState(b, 0, 'deferred', { nextAttempt: 9_000_000 });
  spool.setRecipientState(b, 1, 'deferred', { nextAttempt: 9_000_000 });
  assert.equal(spool.makeDue(600_000), 3, 'every pending recipient of every message');

  assert.equal(spool.message(a)!.recipients[0]!.delayWarned, false);
  spool.markDelayWarned(a, 0);
  assert.equal(spool.message(a)!.recipients[0]!.delayWarned, true);

  assert.equal(spool.delete(b), true);
  assert.equal(spool.delete(b), false);
  assert.deepEqual(spool.page(10), [a]);
  spool.close();
});

test('a spool from before the held and delay_warned columns opens and gets them', async () => {
  const dir = await scratchDir();
  const db = new Database(join(dir, 'queue.db'));
  db.exec(`CREATE TABLE messages (id TEXT PRIMARY KEY, sender TEXT NOT NULL, body_type TEXT NOT NULL, smtputf8 INTEGER NOT NULL,
    require_tls INTEGER NOT NULL, ret TEXT, envid TEXT, declared_size INTEGER, size INTEGER NOT NULL, client TEXT NOT NULL, received_at INTEGER NOT NULL) STRICT;
  CREATE TABLE recipients (message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE, idx INTEGER NOT NULL, address TEXT NOT NULL, notify TEXT,
    orcpt_type TEXT, orcpt_address TEXT, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt INTEGER NOT NULL, last_error TEXT, PRIMARY KEY (message_id, idx)) STRICT;
  CREATE TABLE bodies (message_id TEXT PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE, data BLOB NOT NULL) STRICT;
  INSERT INTO messages VALUES ('OLD1', 'a@example.org', '7bit', 0, 0, NULL, NULL, NULL, 5, '{"address":"192.0.2.1","port":1,"helo":"h","listener":"mta"}', 1000);
  INSERT INTO recipients (message_id, idx, address, state, next_attempt) VALUES ('OLD1', 0, 'b@example.net', 'queued', 1000);
  INSERT INTO bodies VALUES ('OLD1', x'68656c6c6f');`);
  db.close();
  const spool = await Spool.open({ dir, minFreeBytes: 0, logger: silentLogger() });
  const message = spool.message('OLD1')!;
  assert.equal(message.held, false);
  assert.equal(message.recipients[0]!.delayWarned, false);
  spool.close();
});

test('a finished message whose removal lost its row delete to a power cut (body file gone, row back) is not delivered again', async () => {
  const dir = await scratchDir();
  let spool = await Spool.open({ dir, minFreeBytes: 0, logger: silentLogger() });
  const writer = spool.open();
  writer.write(Buffer.alloc(200 * 1024, 'x'));
  const id = await writer.commit(envelope);
  const small = await stored(spool);
  spool.close();
  rmSync(join(dir, 'messages', id));
  spool = await Spool.open({ dir, minFreeBytes: 0, logger: silentLogger() });
  assert.equal(spool.message(id), undefined);
  assert.ok(spool.message(small), 'a small message lives in SQLite and stays');
  spool.close();
});
