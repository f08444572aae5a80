import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ourDomains } from '../../src/policy/our-domains.ts';
import { heldRefusal, holdRefusal, isPostmaster } from '../../src/policy/postmaster.ts';
import { mail, rcpt, session } from './contexts.ts';

const ours = ourDomains(['example.test', 'xn--bcher-kva.example']);
const LISTED = { kind: 'reject', code: 554, enhanced: '5.7.1', text: 'listed' } as const;

test('isPostmaster: <Postmaster> and postmaster@ our domains, in any case and spelling; nobody else', () => {
  for (const a of ['Postmaster', 'postmaster', 'postmaster@example.test', 'PostMaster@EXAMPLE.TEST', 'postmaster@bücher.example']) assert.equal(isPostmaster(a, ours), true, a);
  for (const a of ['postmaster@elsewhere.example', 'postmaster@example.test.', 'postmaster@sub.example.test', 'postmaster@[127.0.0.1]', 'post.master@example.test', '"postmaster@example.test"@elsewhere.example', 'bob@example.test']) {
    assert.equal(isPostmaster(a, ours), false, a);
  }
});

test('a held refusal is given at RCPT to all but the postmaster, and only while its subject is unchanged', () => {
  const s = session();
  holdRefusal(s, 'dnsbl', s.client.address, LISTED);
  const m = mail(s, 'a@elsewhere.example');
  assert.deepEqual(heldRefusal(rcpt(m, 'bob@example.test'), 'dnsbl', s.client.address, ours), LISTED);
  assert.deepEqual(heldRefusal(rcpt(m, 'postmaster@example.test'), 'dnsbl', s.client.address, ours), { kind: 'continue' });
  assert.deepEqual(heldRefusal(rcpt(m, 'bob@example.test'), 'dnsbl', '192.0.2.1', ours), { kind: 'continue' }, 'about something else');
  assert.deepEqual(heldRefusal(rcpt(m, 'bob@example.test'), 'other', s.client.address, ours), { kind: 'continue' }, 'another check');
  holdRefusal(s, 'dnsbl', s.client.address, undefined);
  assert.deepEqual(heldRefusal(rcpt(m, 'bob@example.test'), 'dnsbl', s.client.address, ours), { kind: 'continue' }, 'cleared');
});
