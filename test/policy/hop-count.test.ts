import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import type { EndOfDataContext } from '../../src/policy/check.ts';
import { countReceived, hopCountCheck } from '../../src/policy/hop-count.ts';

const stream = (text: string, piece = 7) => Readable.from((text.match(new RegExp(`[\\s\\S]{1,${piece}}`, 'g')) ?? []).map((s) => Buffer.from(s)));
const received = (n: number) => 'Received: from a by b;\r\n\tMon, 1 Jan 2024 00:00:00 +0000\r\n'.repeat(n);

test('Received fields are counted in the header section only, whatever the chunking', async () => {
  assert.equal(await countReceived(stream(`${received(3)}Subject: x\r\nreceived: y\r\n\r\nReceived: in the body\r\n`)), 4);
  assert.equal(await countReceived(stream(`${received(2)}\r\n${received(5)}`, 3)), 2);
  assert.equal(await countReceived(stream('X-Received: no\r\nReceivedX: no\r\n\r\n')), 0);
});

test('more than 100 hops: 554 5.4.6 at the end of data; 100 pass', async () => {
  const check = hopCountCheck();
  const ctx = (n: number) => ({ readMessage: async () => stream(`${received(n)}\r\nbody\r\n`, 4096) }) as unknown as EndOfDataContext;
  assert.deepEqual(await check.endOfData!(ctx(100)), { kind: 'continue' });
  assert.deepEqual(await check.endOfData!(ctx(101)), { kind: 'reject', code: 554, enhanced: '5.4.6', text: 'Too many hops: more than 100 Received headers; mail loop?' });
});
