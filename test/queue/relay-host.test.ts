// A recipient's relayHost (the directory's mailHost) is stored with it and comes back, in the
// envelope and in the recipient rows the queue manager routes by.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../src/log/logger.ts';
import type { Envelope } from '../../src/queue/envelope.ts';
import { Spool } from '../../src/queue/spool.ts';
import { scratchDir } from '../helpers/scratch-dirs.ts';

test('relayHost survives the spool, and a spool reopened keeps it', async () => {
  const dir = await scratchDir();
  const envelope: Envelope = {
    sender: 'x@remote.example',
    recipients: [{ address: 'alice@example.test', relayHost: '10.0.0.26', orcpt: { type: 'rfc822', address: 'team@example.test' } }, { address: 'carol@example.test' }],
    body: '7bit',
    smtputf8: false,
    requireTls: false,
    client: { address: '192.0.2.1', port: 40000, helo: 'client.example.org', listener: 'mta' },
    receivedAt: 1_000,
  };
  let spool = await Spool.open({ dir, minFreeBytes: 0, logger: silentLogger() });
  const writer = spool.open();
  writer.write(Buffer.from('Subject: x\r\n\r\nbody\r\n'));
  const id = await writer.commit(envelope);
  spool.close();
  spool = await Spool.open({ dir, minFreeBytes: 0, logger: silentLogger() });
  const stored = spool.message(id)!;
  assert.deepEqual(stored.envelope.recipients, envelope.recipients);
  assert.deepEqual(stored.recipients.map((r) => r.relayHost), ['10.0.0.26', undefined]);
  spool.close();
});
