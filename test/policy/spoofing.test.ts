import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Verdict } from '../../src/policy/check.ts';
import { domainsNamedIn, spoofingCheck } from '../../src/policy/spoofing.ts';
import { endOfData, mail, rcpt, session, type Client } from './contexts.ts';

const check = spoofingCheck({ domains: ['example.test', 'xn--bcher-kva.example'] });
const SPOOFED_SENDER = /^Sender address rejected: <.*> is in our domain; send it through authenticated submission$/;

/** What RCPT to each recipient answers after MAIL FROM sender. */
function rcptVerdicts(client: Client, sender: string, recipients: string[]) {
  const m = mail(session(client), sender);
  check.mail!(m);
  return recipients.map((to) => check.rcpt!(rcpt(m, to)) as Verdict);
}

test('an outsider with our domain as envelope sender is refused at RCPT, with 550 5.7.1; every spelling of our domain counts', () => {
  for (const sender of ['ceo@example.test', 'CEO@EXAMPLE.TEST', 'ceo@bücher.example', 'ceo@XN--BCHER-KVA.example']) {
    const [verdict] = rcptVerdicts({}, sender, ['bob@example.test']);
    assert.equal(verdict!.kind, 'reject', sender);
    assert.ok(verdict!.kind === 'reject' && verdict!.code === 550 && verdict!.enhanced === '5.7.1' && SPOOFED_SENDER.test(verdict!.text), JSON.stringify(verdict));
  }
});

test('the postmaster still gets it; trusted, authenticated and foreign senders pass', () => {
  assert.deepEqual(rcptVerdicts({}, 'ceo@example.test', ['postmaster@example.test', 'Postmaster', 'PostMaster@Bücher.example']), Array(3).fill({ kind: 'continue' }));
  assert.equal(rcptVerdicts({}, 'ceo@example.test', ['postmaster@elsewhere.example'])[0]!.kind, 'reject');
  for (const client of [{ trusted: true }, { authUser: 'ceo@example.test' }]) assert.deepEqual(rcptVerdicts(client, 'ceo@example.test', ['bob@example.test']), [{ kind: 'continue' }]);
  for (const sender of ['', 'someone@elsewhere.example', 'ceo@example.test.elsewhere.example', 'ceo@sub.example.test', 'ceo@[127.0.0.1]']) {
    assert.deepEqual(rcptVerdicts({}, sender, ['bob@example.test']), [{ kind: 'continue' }], sender);
  }
});

test('the finding holds for its own transaction only', () => {
  const s = session();
  const spoofed = mail(s, 'ceo@example.test');
  check.mail!(spoofed);
  const honest = mail(s, 'friend@elsewhere.example');
  check.mail!(honest);
  assert.deepEqual(check.rcpt!(rcpt(honest, 'bob@example.test')), { kind: 'continue' });
});

test('header From: every address and display name that names our domain, in any From field, is refused at end of data', async () => {
  const outsider = mail(session(), 'bounce@elsewhere.example');
  const verdictFor = (header: string, to = ['bob@example.test']) => check.endOfData!(endOfData(outsider, to, `${header}\r\nSubject: hi\r\n\r\nFrom: ceo@example.test\r\n`));
  const spoofs = [
    'From: ceo@example.test',
    'from:   "The CEO" <ceo@EXAMPLE.test>',
    'From: friend@elsewhere.example\r\nFrom: ceo@example.test',
    'From: "ceo@example.test" <friend@elsewhere.example>',
    'From: =?utf-8?q?ceo=40example.test?= <friend@elsewhere.example>',
    'From: ceo@example(comment).test',
    'From: ceo @ example . test',
    'From: group: a@elsewhere.example, ceo@example.test;',
    'From: The CEO\r\n <ceo@example.test>',
    'From: ceo@bücher.example',
    'From: ceo@example.test.',
  ];
  for (const header of spoofs) {
    const verdict = await verdictFor(header);
    assert.ok(verdict.kind === 'reject' && verdict.code === 550 && verdict.enhanced === '5.7.1', `${JSON.stringify(header)} → ${JSON.stringify(verdict)}`);
  }
  for (const header of ['From: friend@elsewhere.example', 'From: friend@example.test.elsewhere.example', 'Subject: From: ceo@example.test', 'X-From: ceo@example.test', 'Reply-To: ceo@example.test']) {
    assert.deepEqual(await verdictFor(header), { kind: 'continue' }, header);
  }
  assert.deepEqual(await verdictFor('From: ceo@example.test', ['postmaster@example.test']), { kind: 'continue' }, 'a message only to the postmaster');
  assert.equal((await verdictFor('From: ceo@example.test', ['postmaster@example.test', 'bob@example.test'])).kind, 'reject', 'the postmaster cannot exempt the other copies');
  const insider = mail(session({ authUser: 'ceo@example.test' }), 'ceo@example.test');
  assert.deepEqual(await check.endOfData!(endOfData(insider, ['x@elsewhere.example'], 'From: ceo@example.test\r\n\r\nhi\r\n')), { kind: 'continue' });
});

test('10,000 header lines: a defined answer, quickly; over 100 From fields refused unread', async () => {
  const outsider = mail(session(), 'bounce@elsewhere.example');
  const filler = Array.from({ length: 10_000 }, (_, i) => `X-Filler-${i}: ${'v'.repeat(40)}`).join('\r\n');
  const froms = Array.from({ length: 10_000 }, (_, i) => `From: "User ${i}" <u${i}@elsewhere.example>`).join('\r\n');
  const started = performance.now();
  assert.deepEqual(await check.endOfData!(endOfData(outsider, ['bob@example.test'], `${filler}\r\nFrom: a@elsewhere.example\r\n\r\nbody\r\n`)), { kind: 'continue' });
  assert.equal((await check.endOfData!(endOfData(outsider, ['bob@example.test'], `${filler}\r\nFrom: =?utf-8?q?x?= <ceo@example.test>\r\n\r\n`))).kind, 'reject');
  assert.deepEqual(await check.endOfData!(endOfData(outsider, ['bob@example.test'], `${froms}\r\n\r\nbody\r\n`)), { kind: 'reject', code: 550, enhanced: '5.7.1', text: 'Header From rejected: 10000 From fields (RFC 5322 allows one)' });
  const hundred = Array.from({ length: 100 }, (_, i) => `From: =?utf-8?q?U${i}?= <u${i}@elsewhere.example>`).join('\r\n');
  assert.deepEqual(await check.endOfData!(endOfData(outsider, ['bob@example.test'], `${hundred}\r\n\r\nbody\r\n`)), { kind: 'continue' }, 'a hundred are still read');
  assert.ok(performance.now() - started < 5000, `took ${performance.now() - started} ms`);
});

test('domainsNamedIn reads what a person would read as an address', () => {
  assert.deepEqual(domainsNamedIn(' "A, B" <a@x.example>, c@y.example (d@z.example)'), ['x.example', 'y.example', 'z.example']);
  assert.deepEqual(domainsNamedIn(' a @ x . example.'), ['x.example']);
  assert.deepEqual(domainsNamedIn(' "x (" <ceo@example.test>'), ['example.test'], 'an unclosed comment hides nothing');
});

test('domainsNamedIn: a megabyte of parentheses, spaces or dots takes one pass', () => {
  const mega = 1024 * 1024;
  const started = performance.now();
  assert.deepEqual(domainsNamedIn(`${'('.repeat(mega)}${')'.repeat(mega)}a@x.example`), ['x.example']);
  assert.deepEqual(domainsNamedIn(`a@${' '.repeat(mega)}x`), ['x']);
  assert.deepEqual(domainsNamedIn(`a@${'.'.repeat(mega)}x${'.'.repeat(mega)}`), [`${'.'.repeat(mega)}x`]);
  assert.ok(performance.now() - started < 3000, `took ${performance.now() - started} ms`);
});
