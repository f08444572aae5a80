import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bdatChunks, crlfChunks, dotStuffed } from '../../../src/smtp/client/body-encoding.ts';

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of source) out.push(x);
  return out;
}

async function* pieces(...parts: string[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield Buffer.from(p, 'latin1');
}

const joined = async (source: AsyncIterable<Buffer>) => Buffer.concat(await collect(source)).toString('latin1');

test('CRLF stays; bare LF and bare CR become CRLF, also across piece boundaries; a last line gets its CRLF', async () => {
  assert.equal(await joined(crlfChunks(pieces('a\r\nb\r\n'))), 'a\r\nb\r\n');
  assert.equal(await joined(crlfChunks(pieces('a\nb\rc\r\r\nd'))), 'a\r\nb\r\nc\r\n\r\nd\r\n');
  assert.equal(await joined(crlfChunks(pieces('a\r', '\nb\r', 'c\r'))), 'a\r\nb\r\nc\r\n');
  assert.equal(await joined(crlfChunks(pieces('\n', '\n'))), '\r\n\r\n');
  assert.equal(await joined(crlfChunks(pieces())), '');
});

test('dot-stuffing: every line starting with "." gets another, wherever the pieces are cut; the end "." comes with the last piece', async () => {
  // The line "..c" is cut after its first dot: only that one is at the start of a line.
  const chunks = await collect(dotStuffed(pieces('.a\r\nb\r\n.', '.c\r\n', '.\r\n')));
  assert.deepEqual(chunks.map((c) => c.toString()), ['..a\r\nb\r\n..', '.c\r\n', '..\r\n.\r\n']);
  assert.equal(await joined(dotStuffed(pieces('x.\r\n', 'y\r\n'))), 'x.\r\ny\r\n.\r\n');
  assert.equal(await joined(dotStuffed(pieces())), '.\r\n');
});

test('BDAT chunks: at most the given size, the last one marked, an empty message as one empty last chunk', async () => {
  const chunks = await collect(bdatChunks(pieces('abcd', 'efghij'), 4));
  assert.deepEqual(chunks.map((c) => [c.data.toString(), c.last]), [['abcd', false], ['efgh', false], ['ij', true]]);
  const exact = await collect(bdatChunks(pieces('abcd', 'efgh'), 4));
  assert.deepEqual(exact.map((c) => [c.data.toString(), c.last]), [['abcd', false], ['efgh', true]]);
  assert.deepEqual((await collect(bdatChunks(pieces(), 4))).map((c) => [c.data.length, c.last]), [[0, true]]);
});

test('line endings and dot-stuffing agree with a plain reference on random input cut at random places', async () => {
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let round = 0; round < 200; round++) {
    const text = Array.from({ length: random(60) }, () => 'a.\r\n'[random(4)]).join('');
    const cuts: string[] = [];
    for (let at = 0; at < text.length; ) {
      const n = 1 + random(5);
      cuts.push(text.slice(at, at + n));
      at += n;
    }
    let expected = text.replace(/\r\n|\r|\n/g, '\r\n');
    if (expected !== '' && !expected.endsWith('\r\n')) expected += '\r\n';
    assert.equal(await joined(crlfChunks(pieces(...cuts))), expected, JSON.stringify(cuts));
    const stuffed = `${expected.replace(/^\./gm, '..')}.\r\n`;
    assert.equal(await joined(dotStuffed(crlfChunks(pieces(...cuts)))), stuffed, JSON.stringify(cuts));
  }
});
