import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Verdict } from '../../src/policy/check.ts';
import { heloCheck } from '../../src/policy/helo.ts';
import { mail, rcpt, session, type Client } from './contexts.ts';

const check = heloCheck({ names: ['mx.example.test'], domains: ['example.test'], addresses: ['192.0.2.25', '2001:db8::25'] });

/** HELO name, then MAIL and RCPT to the recipient: what RCPT answers. */
function afterHelo(helo: string, client: Client = {}, to = 'bob@example.test'): Verdict {
  const s = session(client);
  assert.deepEqual(check.helo!({ ...s, helo }), { kind: 'continue' }, 'the HELO itself is answered 250');
  s.client.helo = helo;
  return check.rcpt!(rcpt(mail(s, 'a@elsewhere.example'), to)) as Verdict;
}

test('a HELO naming us from outside is refused at RCPT with 550 5.7.1', () => {
  for (const helo of ['mx.example.test', 'MX.Example.Test.', 'example.test', '[192.0.2.25]', '192.0.2.25', '[IPv6:2001:db8::25]', '[IPv6:2001:DB8:0:0::25]']) {
    assert.deepEqual(afterHelo(helo), { kind: 'reject', code: 550, enhanced: '5.7.1', text: 'Helo command rejected: you are not me' }, helo);
  }
});

test('other names, trusted and authenticated clients, and the postmaster pass', () => {
  for (const helo of ['client.elsewhere.example', 'mx.example.test.elsewhere.example', '[192.0.2.26]', '[IPv6:2001:db8::26]', 'localhost']) assert.deepEqual(afterHelo(helo), { kind: 'continue' }, helo);
  assert.deepEqual(afterHelo('mx.example.test', { trusted: true }), { kind: 'continue' });
  assert.deepEqual(afterHelo('mx.example.test', { authUser: 'alice@example.test' }), { kind: 'continue' });
  assert.deepEqual(afterHelo('mx.example.test', {}, 'postmaster@example.test'), { kind: 'continue' });
});

test('a second EHLO with an honest name clears the finding', () => {
  const s = session();
  check.helo!({ ...s, helo: 'mx.example.test' });
  check.helo!({ ...s, helo: 'client.elsewhere.example' });
  s.client.helo = 'client.elsewhere.example';
  assert.deepEqual(check.rcpt!(rcpt(mail(s, 'a@elsewhere.example'), 'bob@example.test')), { kind: 'continue' });
});
