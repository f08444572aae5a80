import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { readFromFields } from '../../src/policy/header-from.ts';

const pieces = (bytes: Buffer, size: number) => Readable.from(Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size)));

test('every From field of the header section, unfolded and in UTF-8, whatever the chunking; the body is not read', async () => {
  const message = Buffer.from('Received: x\r\n\tfrom: not a field\r\nFROM : A\r\n <a@b.example>\r\nSubject: s\r\nfrom:ü@bücher.example\r\n\r\nFrom: body@x.example\r\n');
  for (const size of [1, 2, 7, 1000]) assert.deepEqual(await readFromFields(pieces(message, size)), [' A <a@b.example>', 'ü@bücher.example'], `pieces of ${size}`);
  assert.deepEqual(await readFromFields(pieces(Buffer.from('Subject: no end of header\r\nFrom: x@y'), 5)), [' x@y']);
  assert.deepEqual(await readFromFields(pieces(Buffer.from('From: a@b\r\n\r\nFrom: body@x'), 100)), [' a@b'], 'a body line in the same piece, without a line end');
});

test('a header section over 4 MiB is read no further', async () => {
  const huge = Buffer.from(`X-Big: ${'x'.repeat(5 * 1024 * 1024)}\r\nFrom: late@x.example\r\n\r\n`);
  assert.deepEqual(await readFromFields(pieces(huge, 65536)), []);
});
