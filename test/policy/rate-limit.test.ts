import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Verdict } from '../../src/policy/check.ts';
import { rateLimitCheck, type RateLimits } from '../../src/policy/rate-limit.ts';
import { RateWindow } from '../../src/policy/rate-window.ts';
import { mail, rcpt, session, type Client } from './contexts.ts';

const NONE: RateLimits = { connectionsPerMinute: 0, messagesPerHour: 0, recipientsPerHour: 0 };

function clock(start = Date.UTC(2026, 0, 1)) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

test('RateWindow: exact within a window, the previous one weighed by its overlap, quiet keys forgotten', () => {
  const window = new RateWindow(60_000, 3);
  const t = Date.UTC(2026, 0, 1);
  assert.deepEqual([1, 2, 3, 4].map(() => window.take('a', t)), [true, true, true, false]);
  assert.equal(window.take('b', t), true, 'keys apart');
  assert.equal(window.take('a', t + 60_000), false, 'at the start of the next window all of the last one still counts');
  assert.equal(window.take('a', t + 60_000 + 20_001), true, 'a third of the way in, two of the three are left');
  assert.equal(window.take('a', t + 10 * 60_000), true, 'long quiet: afresh');
});

test('connections per minute from one address: 421 4.7.0 over the limit, others unaffected, trusted exempt', () => {
  const time = clock();
  const check = rateLimitCheck({ client: { ...NONE, connectionsPerMinute: 2 }, user: NONE, exemptTrusted: true, now: time.now });
  const connect = (client: Client) => check.connect!(session(client)) as Verdict;
  assert.deepEqual([connect({}), connect({})], [{ kind: 'continue' }, { kind: 'continue' }]);
  assert.deepEqual(connect({}), { kind: 'defer', code: 421, enhanced: '4.7.0', text: 'Error: too many connections from 192.0.2.99; try again later' });
  assert.deepEqual(connect({ address: '192.0.2.100' }), { kind: 'continue' });
  for (let i = 0; i < 5; i++) assert.deepEqual(connect({ trusted: true }), { kind: 'continue' });
  time.advance(120_000);
  assert.deepEqual(connect({}), { kind: 'continue' }, 'two minutes later');
});

test('messages and recipients per hour: 451 4.7.1, per address for strangers and per user after AUTH', () => {
  const time = clock();
  const check = rateLimitCheck({ client: { ...NONE, messagesPerHour: 2, recipientsPerHour: 3 }, user: { ...NONE, messagesPerHour: 1 }, exemptTrusted: true, now: time.now });
  const s = session();
  const m = () => check.mail!(mail(s, 'a@elsewhere.example')) as Verdict;
  assert.deepEqual([m(), m()], [{ kind: 'continue' }, { kind: 'continue' }]);
  assert.deepEqual(m(), { kind: 'defer', code: 451, enhanced: '4.7.1', text: 'Error: too many messages from 192.0.2.99; try again later' });
  const r = () => check.rcpt!(rcpt(mail(s, 'a@elsewhere.example'), 'bob@example.test')) as Verdict;
  assert.deepEqual([r(), r(), r()].map((v) => v.kind), ['continue', 'continue', 'continue']);
  assert.deepEqual(r(), { kind: 'defer', code: 451, enhanced: '4.7.1', text: 'Error: too many recipients from 192.0.2.99; try again later' });
  const alice = session({ authUser: 'alice@example.test' });
  assert.deepEqual(check.mail!(mail(alice, 'alice@example.test')), { kind: 'continue' }, 'a user is not counted against its address');
  assert.deepEqual(check.mail!(mail(session({ authUser: 'alice@example.test', address: '198.51.100.1' }), 'alice@example.test')), { kind: 'defer', code: 451, enhanced: '4.7.1', text: 'Error: too many messages from user alice@example.test; try again later' }, 'nor escapes by changing address');
  time.advance(3_600_000 * 2);
  assert.deepEqual(m(), { kind: 'continue' }, 'two hours later');
});

test('a user\'s connections are counted once per session, at its first MAIL: 421 4.7.0', () => {
  const check = rateLimitCheck({ client: NONE, user: { ...NONE, connectionsPerMinute: 1 }, exemptTrusted: true, now: clock().now });
  const first = session({ authUser: 'alice@example.test' });
  assert.deepEqual([check.mail!(mail(first, 'a@x')), check.mail!(mail(first, 'a@x'))], [{ kind: 'continue' }, { kind: 'continue' }]);
  assert.deepEqual(check.mail!(mail(session({ authUser: 'alice@example.test' }), 'a@x')), { kind: 'defer', code: 421, enhanced: '4.7.0', text: 'Error: too many connections from user alice@example.test; try again later' });
});

test('exemptTrusted: false counts relay.networks too', () => {
  const check = rateLimitCheck({ client: { ...NONE, connectionsPerMinute: 1 }, user: NONE, exemptTrusted: false, now: clock().now });
  assert.deepEqual(check.connect!(session({ trusted: true })), { kind: 'continue' });
  assert.equal((check.connect!(session({ trusted: true })) as Verdict).kind, 'defer');
});
