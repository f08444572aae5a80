import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RcptContext, Verdict } from '../../src/policy/check.ts';
import { networkMatcher } from '../../src/policy/networks.ts';
import { rejectRouteCheck } from '../../src/policy/reject-route.ts';
import { relayCheck } from '../../src/policy/relay.ts';
import { parseRcptCommand } from '../../src/smtp/server/syntax/rcpt.ts';

const check = relayCheck({ domains: ['example.test', 'xn--bcher-kva.example'] });

/** The verdict for a RCPT line as a client sends it: parsed first, as the engine does. */
function verdictFor(rcptArg: string, client: { trusted?: boolean; authUser?: string } = {}): Verdict | 'syntax error' {
  const parsed = parseRcptCommand(rcptArg, { smtputf8: true });
  if (!parsed.ok) return 'syntax error';
  const ctx: RcptContext = {
    client: { address: '192.0.2.99', port: 40000, listener: 'mta', authUser: client.authUser },
    trusted: client.trusted ?? false,
    results: new Map(),
    sender: 'someone@elsewhere.example',
    params: { body: '7bit', smtputf8: true, requireTls: false },
    recipient: parsed.recipient,
    accepted: [],
  };
  return check.rcpt!(ctx) as Verdict;
}

const denied = (v: Verdict | 'syntax error') => v === 'syntax error' || (v.kind === 'reject' && v.code === 550 && v.enhanced === '5.7.1' && v.text === 'Relaying denied');

test('our domains from anyone; every spelling of them is ours', () => {
  for (const to of ['user@example.test', 'User@EXAMPLE.TEST', 'user@bücher.example', 'user@XN--BCHER-KVA.example']) {
    assert.deepEqual(verdictFor(` TO:<${to}>`), { kind: 'continue' }, to);
  }
});

test('postmaster is always accepted (RFC 5321 §4.5.1), and the accept ends the chain', () => {
  for (const to of ['<Postmaster>', '<postmaster@example.test>', '<PostMaster@Example.Test>']) assert.deepEqual(verdictFor(` TO:${to}`), { kind: 'accept' }, to);
  assert.ok(denied(verdictFor(' TO:<postmaster@elsewhere.example>')));
});

test('relay tricks from an untrusted client never relay', () => {
  const tricks = [
    'user@elsewhere.example',
    'user%elsewhere.example@example.test',
    'elsewhere.example!user@example.test',
    '@example.test:user@elsewhere.example',
    '@example.test,@example.test:user@elsewhere.example',
    '"user@elsewhere.example"@example.test',
    '"user%elsewhere.example"@example.test',
    'user@[127.0.0.1]',
    'user@[192.0.2.1]',
    'user@[IPv6:::1]',
    'user@elsewhere.example.',
    'user@example.test.',
    'user@example.test.elsewhere.example',
    'user@example.test@elsewhere.example',
    'user@elsewhere.example@example.test',
    'user@EXAMPLE.TEST.elsewhere.example',
    'user@bücher.example.elsewhere.example',
    'user@xn--bcher-kva.example.elsewhere.example',
    'user@bucher.example',
    'user@example.tes',
    'user@sub.example.test',
    '"user@elsewhere.example"',
    'user@elsewhere.example>',
    'user@elsewhere.example\r\nRCPT TO:<x@example.test',
  ];
  for (const to of tricks) assert.ok(denied(verdictFor(` TO:<${to}>`)), `not refused: ${to} → ${JSON.stringify(verdictFor(` TO:<${to}>`))}`);
});

test('trusted networks and authenticated sessions may relay', () => {
  assert.deepEqual(verdictFor(' TO:<user@elsewhere.example>', { trusted: true }), { kind: 'continue' });
  assert.deepEqual(verdictFor(' TO:<user@elsewhere.example>', { authUser: 'alice@example.test' }), { kind: 'continue' });
  assert.deepEqual(verdictFor(' TO:<user%elsewhere.example@example.test>', { trusted: true }), { kind: 'continue' });
});

test('networkMatcher: both families, IPv4-mapped IPv6 clients, bare hosts, bad entries named', () => {
  const inside = networkMatcher(['127.0.0.0/8', '10.1.0.0/16', '192.0.2.7/32', '2001:db8::/32', '::1/128']);
  for (const a of ['127.0.0.1', '127.255.0.3', '10.1.200.1', '192.0.2.7', '::ffff:10.1.2.3', '::FFFF:127.0.0.1', '2001:db8:ffff::1', '::1']) assert.equal(inside(a), true, a);
  for (const a of ['10.2.0.1', '192.0.2.8', '2001:db9::1', '::2', '::ffff:10.2.0.1', 'not an address', '']) assert.equal(inside(a), false, a);
  assert.throws(() => networkMatcher(['10.0.0.0/33']), /not a network: "10\.0\.0\.0\/33"/);
  assert.equal(networkMatcher([])('127.0.0.1'), false);
});

test('a reject route refuses its recipients at RCPT with its message; other routes pass', () => {
  const routeCheck = rejectRouteCheck({ 'old.test': { type: 'reject', message: 'We moved to new.test' }, '*': { type: 'mx' } });
  const rcpt = (address: string) =>
    routeCheck.rcpt!({ client: { address: '192.0.2.99', port: 1, listener: 'mta' }, trusted: false, results: new Map(), sender: '', params: { body: '7bit', smtputf8: false, requireTls: false }, recipient: { address }, accepted: [] });
  assert.deepEqual(rcpt('a@old.test'), { kind: 'reject', code: 550, enhanced: '5.7.1', text: 'We moved to new.test' });
  assert.deepEqual(rcpt('a@new.test'), { kind: 'continue' });
});
