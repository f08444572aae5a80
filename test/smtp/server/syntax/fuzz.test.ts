// 100,000+ random and mutated MAIL and RCPT arguments: the parsers never throw, every refusal is
// a 5xx with an enhanced code, nothing accepted carries a line break or NUL, and relay control
// never lets an untrusted client reach a domain that is not ours.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RcptContext } from '../../../../src/policy/check.ts';
import { relayCheck } from '../../../../src/policy/relay.ts';
import { parseMailCommand } from '../../../../src/smtp/server/syntax/mail.ts';
import { parseRcptCommand } from '../../../../src/smtp/server/syntax/rcpt.ts';

const SEEDS = [
  ' FROM:<alice@example.test> SIZE=100 BODY=8BITMIME',
  ' FROM:<> RET=HDRS ENVID=abc+2B',
  ' FROM:<"q u@o"@example.test> SMTPUTF8',
  ' TO:<bob@example.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;bob@example.test',
  ' TO:<@a.example,@b.example:c@example.test>',
  ' TO:<user%other.example@example.test>',
  ' TO:<user@[IPv6:2001:db8::1]>',
  ' TO:<jörg@bücher.example>',
  ' TO:<Postmaster>',
];
const ALPHABET = ['<', '>', '@', '"', '\\', '%', '!', ':', ',', '.', ' ', '=', ';', '+', '[', ']', '\r', '\n', '\0', '\t', 'a', 'Z', '0', '-', 'ö', '\u00ad', 'TO:', 'FROM:', 'SIZE=', 'NOTIFY=', 'example.test', 'xn--'];

/** xorshift32: the same cases on every run, so a failure can be replayed. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

function mutate(text: string, rnd: () => number): string {
  let out = text;
  const edits = 1 + Math.floor(rnd() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rnd() * (out.length + 1));
    const piece = ALPHABET[Math.floor(rnd() * ALPHABET.length)]!;
    const op = rnd();
    if (op < 0.4) out = out.slice(0, at) + piece + out.slice(at);
    else if (op < 0.7) out = out.slice(0, at) + out.slice(at + 1 + Math.floor(rnd() * 3));
    else out = out.slice(0, at) + piece + out.slice(at + piece.length);
  }
  return out;
}

function randomText(rnd: () => number): string {
  let out = rnd() < 0.5 ? ' TO:' : ' FROM:';
  const n = Math.floor(rnd() * 40);
  for (let i = 0; i < n; i++) out += rnd() < 0.8 ? ALPHABET[Math.floor(rnd() * ALPHABET.length)] : String.fromCharCode(Math.floor(rnd() * 256));
  return out;
}

test('fuzz: 120,000 MAIL and RCPT arguments', () => {
  const rnd = random(0x5eed);
  const relay = relayCheck({ domains: ['example.test'] });
  let accepted = 0;
  for (let i = 0; i < 120_000; i++) {
    const arg = i % 3 === 0 ? randomText(rnd) : mutate(SEEDS[i % SEEDS.length]!, rnd);
    for (const result of [parseMailCommand(arg, { maxMessageSize: 1_000_000, tls: i % 2 === 0 }), parseRcptCommand(arg, { smtputf8: i % 2 === 0 })]) {
      if (!result.ok) {
        assert.ok(result.reply.code >= 500 && result.reply.code < 600, `${JSON.stringify(arg)} → ${result.reply.code}`);
        assert.match(result.reply.enhanced, /^5\.\d\.\d+$/);
        assert.doesNotMatch(result.reply.text, /[\r\n\0]/, 'reply texts never carry client line breaks');
        continue;
      }
      accepted++;
      const address = 'sender' in result ? result.sender : result.recipient.address;
      assert.doesNotMatch(address, /[\r\n\0]/, `accepted ${JSON.stringify(address)} from ${JSON.stringify(arg)}`);
      // angle brackets are legal only inside a quoted local part
      assert.doesNotMatch(address.replace(/^"(?:[^"\\]|\\.)*"/, ''), /[<> ]/, `accepted ${JSON.stringify(address)} from ${JSON.stringify(arg)}`);
      if ('recipient' in result && address !== 'Postmaster') {
        const ctx = { client: { address: '192.0.2.1', port: 1, listener: 'mta' }, trusted: false, results: new Map(), sender: '', params: { body: '7bit', smtputf8: true, requireTls: false }, recipient: result.recipient, accepted: [] } as RcptContext;
        const verdict = relay.rcpt!(ctx);
        const domain = address.slice(address.lastIndexOf('@') + 1);
        if (domain !== 'example.test') assert.equal((verdict as { kind: string }).kind, 'reject', `relayed to ${JSON.stringify(address)}`);
      }
    }
  }
  assert.ok(accepted > 1000, `the mutations should leave many valid commands, got ${accepted}`);
});
