import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { test } from 'node:test';
import { silentLogger } from '../../src/log/logger.ts';
import type { Envelope } from '../../src/queue/envelope.ts';
import { INLINE_MAX, Spool } from '../../src/queue/spool.ts';
import { scratchDir } from '../helpers/scratch-dirs.ts';

const envelope = (over: Partial<Envelope> = {}): Envelope => ({
  sender: 'alice@example.org',
  recipients: [{ address: 'bob@example.test', notify: ['success', 'delay'], orcpt: { type: 'rfc822', address: 'Bob@example.test' } }, { address: 'carol@example.test' }],
  body: '8bitmime',
  smtputf8: false,
  requireTls: false,
  ret: 'hdrs',
  envid: 'env-1',
  declaredSize: 20,
  client: { address: '192.0.2.1', port: 40000, helo: 'client.example.org', listener: 'mta' },
  receivedAt: 1_700_000_000_000,
  ...over,
});

async function openSpool(dir: string, minFreeBytes = 0): Promise<Spool> {
  return Spool.open({ dir, minFreeBytes, logger: silentLogger() });
}

async function store(spool: Spool, body: string, env = envelope()): Promise<string> {
  const writer = spool.open();
  for (const part of body.match(/[\s\S]{1,7}/g) ?? []) writer.write(Buffer.from(part));
  return writer.commit(env);
}

test('a committed message comes back whole: body, envelope with DSN parameters, recipients queued', async () => {
  const dir = await scratchDir();
  const spool = await openSpool(dir);
  const body = 'Subject: hi\r\n\r\nhello\r\n';
  const id = await store(spool, body);
  assert.match(id, /^[0-9A-Z]{15}$/);
  const stored = spool.message(id)!;
  assert.deepEqual(stored.envelope, envelope());
  assert.equal(stored.size, Buffer.byteLength(body));
  assert.deepEqual(stored.recipients.map((r) => [r.address, r.state]), [['bob@example.test', 'queued'], ['carol@example.test', 'queued']]);
  assert.equal(await text(spool.readBody(id)), body);
  assert.deepEqual(spool.due(Date.now()), [id]);
  spool.close();
});

test('group commit: 300 concurrent commits, every one stored once under its own id', async () => {
  const dir = await scratchDir();
  const spool = await openSpool(dir);
  const ids = await Promise.all(Array.from({ length: 300 }, (_, i) => store(spool, `message ${i}\r\n`)));
  assert.equal(new Set(ids).size, 300);
  for (const [i, id] of ids.entries()) assert.equal(await text(spool.readBody(id)), `message ${i}\r\n`);
  assert.equal(readdirSync(join(dir, 'incoming')).length, 0);
  spool.close();
});

test('a small body is stored with its envelope in SQLite, a larger one as a file; both come back whole', async () => {
  const dir = await scratchDir();
  const spool = await openSpool(dir);
  const small = 'Subject: small\r\n\r\n' + 'x'.repeat(INLINE_MAX - 40) + '\r\n';
  const large = 'Subject: large\r\n\r\n' + 'y'.repeat(INLINE_MAX) + '\r\n';
  const [smallId, largeId] = await Promise.all([store(spool, small), store(spool, large)]);
  assert.deepEqual(readdirSync(join(dir, 'messages')), [largeId]);
  assert.equal(await text(spool.readBody(smallId)), small);
  assert.equal(await text(spool.readBody(largeId)), large);
  assert.equal(spool.message(largeId)!.size, Buffer.byteLength(large));
  spool.close();
});

test('recovery after a crash: partial and uncommitted bodies removed, committed messages kept', async () => {
  const dir = await scratchDir();
  const first = await openSpool(dir);
  const kept = await store(first, 'kept\r\n');
  const keptLarge = await store(first, 'z'.repeat(INLINE_MAX + 1));
  const partial = first.open();
  partial.write(Buffer.alloc(INLINE_MAX + 1, 'h'));
  assert.equal((await text(await partial.read())).length, INLINE_MAX + 1); // on disk, as a crash leaves it
  assert.equal(readdirSync(join(dir, 'incoming')).length, 1);
  first.close();
  // what a crash leaves behind: a body written but not yet indexed
  writeFileSync(join(dir, 'messages', 'ORPHAN000000000'), 'never acknowledged');
  const second = await openSpool(dir);
  assert.deepEqual(readdirSync(join(dir, 'incoming')), []);
  assert.deepEqual(readdirSync(join(dir, 'messages')), [keptLarge]);
  assert.equal(await text(second.readBody(kept)), 'kept\r\n');
  assert.equal((await text(second.readBody(keptLarge))).length, INLINE_MAX + 1);
  second.close();
});

test('recipient states; a finished message is removed, now or at the next start', async () => {
  const dir = await scratchDir();
  const spool = await openSpool(dir);
  const id = await store(spool, 'x\r\n');
  spool.setRecipientState(id, 0, 'delivered');
  assert.equal(spool.removeIfDone(id), false);
  spool.setRecipientState(id, 1, 'deferred', { nextAttempt: Date.now() + 60_000, error: '451 4.4.1 try later' });
  assert.deepEqual(spool.due(Date.now()), []);
  assert.deepEqual(spool.due(Date.now() + 120_000), [id]);
  const carol = spool.message(id)!.recipients[1]!;
  assert.equal(carol.state, 'deferred');
  assert.equal(carol.attempts, 1);
  assert.equal(carol.lastError, '451 4.4.1 try later');
  spool.setRecipientState(id, 1, 'bounced', { error: '550 5.1.1 no such user' });
  assert.equal(spool.removeIfDone(id), true);
  assert.equal(spool.message(id), undefined);
  assert.equal(existsSync(join(dir, 'messages', id)), false);
  spool.close();
});

test('an aborted message leaves nothing; read() gives back what was written before the commit', async () => {
  const dir = await scratchDir();
  const spool = await openSpool(dir);
  for (const body of ['Subject: check me\r\n', `Subject: check me\r\n${'x'.repeat(INLINE_MAX)}`]) {
    const writer = spool.open();
    writer.write(Buffer.from(body.slice(0, 10)));
    writer.write(Buffer.from(body.slice(10)));
    assert.equal(await text(await writer.read()), body);
    writer.abort();
  }
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(readdirSync(join(dir, 'incoming')), []);
  assert.deepEqual(spool.due(Date.now()), []);
  spool.close();
});

test('hasRoomFor: false when the free space would fall under minFree', async () => {
  const dir = await scratchDir();
  const roomy = await openSpool(dir, 0);
  assert.equal(roomy.hasRoomFor(1024), true);
  roomy.close();
  const full = await openSpool(dir, Number.MAX_SAFE_INTEGER);
  assert.equal(full.hasRoomFor(1024), false);
  full.close();
});
