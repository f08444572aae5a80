import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { CommitThread } from '../../src/queue/commit-thread.ts';
import { insertRows, SpoolDb } from '../../src/queue/spool-db.ts';
import { scratchDir } from '../helpers/scratch-dirs.ts';

const message = (id: string) => ({
  id,
  envelope: { sender: 'a@example.org', recipients: [{ address: 'b@example.test' }], body: '7bit' as const, smtputf8: false, requireTls: false, client: { address: '192.0.2.1', port: 1, helo: 'x', listener: 'mta' as const }, receivedAt: 1 },
  size: 3,
  body: Buffer.from('x\r\n'),
});

test('the commit thread inserts a batch in one transaction: a failing row takes the whole batch back, and the next batch still commits', async () => {
  const file = join(await scratchDir(), 'queue.db');
  const db = new SpoolDb(file);
  const thread = await CommitThread.start(file);
  try {
    await thread.insert(insertRows([message('FIRST')]));
    await assert.rejects(thread.insert(insertRows([message('SECOND'), message('FIRST')])), /spool commit: UNIQUE constraint failed/);
    assert.equal(db.message('SECOND'), undefined);
    await thread.insert(insertRows([message('THIRD')]));
    assert.deepEqual([...db.ids()].sort(), ['FIRST', 'THIRD']);
    assert.equal(db.body('THIRD')?.toString(), 'x\r\n');
  } finally {
    thread.close();
    db.close();
  }
});
