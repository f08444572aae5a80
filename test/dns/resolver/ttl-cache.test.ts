import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TtlLruCache } from '../../../src/dns/resolver/ttl-cache.ts';

test('entries expire with their TTL and report the seconds left', () => {
  let now = 0;
  const cache = new TtlLruCache<string>(10, () => now);
  cache.set('a', 'A', 60);
  assert.deepEqual(cache.get('a'), { value: 'A', storedTtl: 60, remainingTtl: 60 });
  now = 20_500;
  assert.equal(cache.get('a')?.remainingTtl, 40);
  now = 60_000;
  assert.equal(cache.get('a'), undefined);
  assert.equal(cache.size, 0, 'an expired entry is dropped when seen');
});

test('a TTL of 0 is not stored; a new value replaces the old', () => {
  const cache = new TtlLruCache<string>(10, () => 0);
  cache.set('a', 'A', 0);
  assert.equal(cache.get('a'), undefined);
  cache.set('b', 'B1', 10);
  cache.set('b', 'B2', 20);
  assert.deepEqual(cache.get('b'), { value: 'B2', storedTtl: 20, remainingTtl: 20 });
});

test('the least recently used entry goes when the cache is full', () => {
  const cache = new TtlLruCache<number>(3, () => 0);
  for (const k of ['a', 'b', 'c']) cache.set(k, 1, 10);
  cache.get('a');
  cache.set('d', 1, 10);
  assert.equal(cache.size, 3);
  assert.equal(cache.get('b'), undefined);
  assert.ok(cache.get('a') && cache.get('c') && cache.get('d'));
  assert.throws(() => new TtlLruCache(0), RangeError);
});
