// Start-up recovery of a large queue says in the log how far it has got, so a long start is
// seen to move rather than hang.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../src/log/logger.ts';
import type { Envelope } from '../../src/queue/envelope.ts';
import { Spool } from '../../src/queue/spool.ts';
import { scratchDir } from '../helpers/scratch-dirs.ts';

const MESSAGES = 2500;

function envelope(i: number): Envelope {
  return { sender: 'a@example.org', recipients: [{ address: `r${i}@example.net` }], body: '7bit', smtputf8: false, requireTls: false, client: { address: '127.0.0.1', port: 1, helo: 'client.test', listener: 'mta' }, receivedAt: Date.now() };
}

test('recovering a queue of 2500 messages logs its progress, then the total', async () => {
  const dir = join(await scratchDir(), 'queue');
  const quiet = createLogger({ level: 'silent', format: 'json' });
  const spool = await Spool.open({ dir, minFreeBytes: 0, logger: quiet });
  await Promise.all(
    Array.from({ length: MESSAGES }, (_, i) => {
      const writer = spool.open();
      writer.write(Buffer.from(`Subject: ${i}\r\n\r\nbody\r\n`));
      return writer.commit(envelope(i));
    }),
  );
  spool.close();

  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const reopened = await Spool.open({ dir, minFreeBytes: 0, logger: createLogger({ level: 'info', format: 'json' }, sink), recoveryProgressMs: 0 });
  reopened.close();
  const progress = lines.filter((l) => l.msg === 'spool recovery in progress');
  assert.deepEqual(progress.map((l) => [l.checked, l.of, l.percent]), [[1000, MESSAGES, 40], [2000, MESSAGES, 80]]);
  const done = lines.find((l) => l.msg === 'spool recovered');
  assert.equal(done?.queued, MESSAGES);
});
