// The directory's answer cache: TTLs per kind, never keeping "unavailable", one question for many askers, LRU bound.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LookupCache } from '../../src/directory/lookup-cache.ts';
import type { Lookup } from '../../src/directory/lookup.ts';

const found: Lookup = { kind: 'found', entry: { address: 'a@example.test', kind: 'user', forwards: [], members: [], source: 'test' } };
const unknown: Lookup = { kind: 'unknown', source: 'test' };
const unavailable: Lookup = { kind: 'unavailable', reason: 'down', source: 'test' };

function counting(answer: () => Lookup) {
  let asked = 0;
  return { ask: async () => (asked++, answer()), asked: () => asked };
}

test('found is kept for positiveTtl, unknown for negativeTtl, unavailable not at all', async () => {
  let now = 0;
  const cache = new LookupCache({ positiveTtlMs: 1000, negativeTtlMs: 100, maxEntries: 10, now: () => now });
  const f = counting(() => found);
  const u = counting(() => unknown);
  const down = counting(() => unavailable);
  for (const at of [0, 50, 999]) {
    now = at;
    assert.deepEqual(await cache.get('a', f.ask), found);
    assert.deepEqual(await cache.get('u', u.ask), unknown);
    assert.deepEqual(await cache.get('d', down.ask), unavailable);
  }
  assert.deepEqual([f.asked(), u.asked(), down.asked()], [1, 2, 3]);
  now = 1000;
  await cache.get('a', f.ask);
  assert.equal(f.asked(), 2, 'asked again once the TTL is over');
});

test('concurrent askers of one address share one question; the least recently used entry goes first', async () => {
  const cache = new LookupCache({ positiveTtlMs: 1000, negativeTtlMs: 1000, maxEntries: 2 });
  const f = counting(() => found);
  await Promise.all([cache.get('a', f.ask), cache.get('a', f.ask), cache.get('a', f.ask)]);
  assert.equal(f.asked(), 1);
  await cache.get('b', f.ask);
  await cache.get('a', f.ask); // a is now the most recent
  await cache.get('c', f.ask); // evicts b
  await cache.get('a', f.ask);
  assert.equal(f.asked(), 3);
  await cache.get('b', f.ask);
  assert.equal(f.asked(), 4);
});
