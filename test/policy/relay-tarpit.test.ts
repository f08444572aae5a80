import assert from 'node:assert/strict';
import { test } from 'node:test';
import { relayCheck } from '../../src/policy/relay.ts';
import { mail, rcpt, session } from './contexts.ts';

test('tarpit: each "Relaying denied" of a session waits twice as long as the last, up to the cap; our own mail does not wait', async () => {
  const check = relayCheck({ domains: ['example.test'], tarpit: { firstDelayMs: 200, maxDelayMs: 500 } });
  const m = mail(session(), 'a@elsewhere.example');
  const waits: number[] = [];
  for (let i = 0; i < 4; i++) {
    const started = performance.now();
    assert.deepEqual(await check.rcpt!(rcpt(m, `x${i}@elsewhere.example`)), { kind: 'reject', code: 550, enhanced: '5.7.1', text: 'Relaying denied' });
    waits.push(performance.now() - started);
  }
  const expected = [200, 400, 500, 500];
  waits.forEach((w, i) => assert.ok(w >= expected[i]! - 5 && w < expected[i]! + 190, `wait ${i}: ${w} ms, expected about ${expected[i]}`));
  const started = performance.now();
  assert.deepEqual(await check.rcpt!(rcpt(m, 'bob@example.test')), { kind: 'continue' });
  assert.ok(performance.now() - started < 150);
  const other = mail(session(), 'a@elsewhere.example');
  const fresh = performance.now();
  await check.rcpt!(rcpt(other, 'x@elsewhere.example'));
  assert.ok(performance.now() - fresh < 390, 'another session starts at the first delay');
});

test('without a tarpit the refusal is immediate', () => {
  const check = relayCheck({ domains: ['example.test'] });
  assert.deepEqual(check.rcpt!(rcpt(mail(session(), 'a@elsewhere.example'), 'x@elsewhere.example')), { kind: 'reject', code: 550, enhanced: '5.7.1', text: 'Relaying denied' });
});
