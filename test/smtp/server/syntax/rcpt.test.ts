import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRcptCommand } from '../../../../src/smtp/server/syntax/rcpt.ts';
import { decodeXtext, encodeXtext } from '../../../../src/smtp/server/syntax/xtext.ts';

const ascii = { smtputf8: false };

function refused(arg: string, ctx = ascii): string {
  const r = parseRcptCommand(arg, ctx);
  assert.equal(r.ok, false, `expected a refusal of ${JSON.stringify(arg)}`);
  return r.ok ? '' : `${r.reply.code} ${r.reply.enhanced}`;
}

test('forward paths: <Postmaster> alone, the null path never', () => {
  assert.deepEqual(parseRcptCommand(' TO:<Postmaster>', ascii), { ok: true, recipient: { address: 'Postmaster' } });
  assert.deepEqual(parseRcptCommand(' to:<POSTMASTER>', ascii), { ok: true, recipient: { address: 'Postmaster' } });
  assert.deepEqual(parseRcptCommand(' TO:<bob@Example.Test>', ascii), { ok: true, recipient: { address: 'bob@example.test' } });
  assert.deepEqual(parseRcptCommand(' TO:<@a.example:bob@example.test>', ascii), { ok: true, recipient: { address: 'bob@example.test' } });
  for (const arg of [' TO:<>', ' TO:<bob>', ' TO:bob@example.test', ' TO:<bob@example.test.>', ' TO:<bob@@example.test>', ' TO:<bob@example.test> <x>']) {
    assert.equal(refused(arg), arg === ' TO:<bob@example.test> <x>' ? '501 5.5.4' : '501 5.1.3', arg);
  }
  assert.equal(refused(' FROM:<bob@example.test>'), '501 5.5.4');
});

test('NOTIFY and ORCPT (RFC 3461), unknown parameters 555', () => {
  const r = parseRcptCommand(' TO:<bob@example.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;Bob+40example.test', ascii);
  assert.deepEqual(r, { ok: true, recipient: { address: 'bob@example.test', notify: ['success', 'delay'], orcpt: { type: 'rfc822', address: 'Bob@example.test' } } });
  assert.deepEqual(parseRcptCommand(' TO:<b@example.test> notify=never', ascii), { ok: true, recipient: { address: 'b@example.test', notify: 'never' } });
  const utf8 = parseRcptCommand(' TO:<b@example.test> ORCPT=utf-8;j\\x{00F6}rg@example.test', ascii);
  assert.ok(utf8.ok);
  assert.deepEqual(utf8.recipient.orcpt, { type: 'utf-8', address: 'jörg@example.test' });
  for (const arg of [' TO:<b@example.test> NOTIFY=NEVER,SUCCESS', ' TO:<b@example.test> NOTIFY=SOMETIMES', ' TO:<b@example.test> NOTIFY', ' TO:<b@example.test> NOTIFY=DELAY,DELAY',
    ' TO:<b@example.test> ORCPT=rfc822', ' TO:<b@example.test> ORCPT=;x', ' TO:<b@example.test> ORCPT=rfc822;+4']) {
    assert.equal(refused(arg), '501 5.5.4', arg);
  }
  assert.equal(refused(' TO:<b@example.test> SIZE=10'), '555 5.5.4');
});

test('UTF-8 recipients only when MAIL said SMTPUTF8', () => {
  assert.equal(refused(' TO:<jörg@example.test>'), '553 5.6.7');
  assert.deepEqual(parseRcptCommand(' TO:<jörg@example.test>', { smtputf8: true }), { ok: true, recipient: { address: 'jörg@example.test' } });
});

test('xtext round trip', () => {
  for (const text of ['plain', 'a+b=c', 'space here', 'ünïcode', '\u0001']) assert.equal(decodeXtext(encodeXtext(text)), text);
  assert.equal(decodeXtext('+FF'), undefined, 'not UTF-8');
  assert.equal(decodeXtext('a+2Bb'), 'a+b');
  assert.equal(decodeXtext('a+2bb'), undefined);
  assert.equal(decodeXtext('a=b'), undefined);
});
