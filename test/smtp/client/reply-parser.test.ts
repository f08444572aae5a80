import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MalformedReplyError, ReplyParser, peerReply } from '../../../src/smtp/client/reply-parser.ts';

function parse(...pieces: string[]) {
  const p = new ReplyParser();
  for (const piece of pieces) p.push(Buffer.from(piece, 'latin1'));
  const replies = [];
  for (let r = p.next(); r; r = p.next()) replies.push(peerReply(r));
  return replies;
}

test('multi-line replies, split anywhere; enhanced codes taken off each line', () => {
  assert.deepEqual(parse('250-mx.example\r\n250-PIPE', 'LINING\r\n250 SIZE 10\r\n354 go\r', '\n'), [
    { code: 250, text: 'mx.example\nPIPELINING\nSIZE 10' },
    { code: 354, text: 'go' },
  ]);
  assert.deepEqual(parse('550-5.1.1 no such\r\n550 5.1.1 user\r\n'), [{ code: 550, enhanced: '5.1.1', text: 'no such\nuser' }]);
  assert.deepEqual(parse('250\r\n'), [{ code: 250, text: '' }]);
  // Only an enhanced code of the reply's own class counts.
  assert.deepEqual(parse('250 5.1.1 odd\r\n'), [{ code: 250, text: '5.1.1 odd' }]);
  // A bare LF ends a reply line too.
  assert.deepEqual(parse('221 bye\n'), [{ code: 221, text: 'bye' }]);
});

test('garbage, mixed codes and endless lines are refused', () => {
  for (const bad of ['hello\r\n', '25 x\r\n', '250x\r\n', '650 x\r\n', '250-a\r\n251 b\r\n', `250 ${'x'.repeat(5000)}\r\n`, 'x'.repeat(4097)]) {
    assert.throws(() => parse(bad), MalformedReplyError, JSON.stringify(bad.slice(0, 20)));
  }
  assert.throws(() => parse('250-x\r\n'.repeat(201)), /longer than 200 lines/);
});
