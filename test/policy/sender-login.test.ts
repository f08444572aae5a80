import assert from 'node:assert/strict';
import { test } from 'node:test';
import { senderLoginCheck } from '../../src/policy/sender-login.ts';
import { mail, session } from './contexts.ts';

/** The directory: alice has an alias; bob's directory backend is down. */
const check = senderLoginCheck(async (address) => {
  if (address.toLowerCase() === 'a.smith@xn--bcher-kva.example' || address === 'A.Smith@Bücher.example') return 'alice@example.test';
  if (address === 'bob@example.test') return 'unavailable';
  return undefined;
});
const verdict = (login: string | undefined, sender: string) => check.mail!(mail(session({ authUser: login }), sender));

test('an authenticated user sends as its own addresses, in any case and IDN spelling, and as <>', async () => {
  for (const sender of ['alice@example.test', 'Alice@EXAMPLE.test', 'a.smith@xn--bcher-kva.example', 'A.Smith@Bücher.example', '']) {
    assert.deepEqual(await verdict('alice@example.test', sender), { kind: 'continue' }, sender);
  }
});

test('any other address: 553 5.7.1 at MAIL; sessions without a login are not this check\'s business', async () => {
  assert.deepEqual(await verdict('alice@example.test', 'ceo@example.test'), { kind: 'reject', code: 553, enhanced: '5.7.1', text: 'Sender address rejected: <ceo@example.test> is not owned by user alice@example.test' });
  assert.deepEqual(await verdict('mallory@example.test', 'mallory@example.test'), { kind: 'continue' }, 'a login is always its own address');
  assert.deepEqual(await verdict('alice@example.test', 'bob@example.test'), { kind: 'defer', code: 451, enhanced: '4.4.3', text: 'Directory unavailable: cannot tell whose address this is; try again later' });
  assert.deepEqual(await verdict(undefined, 'ceo@example.test'), { kind: 'continue' });
});
