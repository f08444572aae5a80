import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTtl } from '../../../src/dns/zone/ttl.ts';

test('plain seconds', () => {
  assert.equal(parseTtl('0'), 0);
  assert.equal(parseTtl('3600'), 3600);
  assert.equal(parseTtl('4294967295'), 4294967295);
});

test('units w d h m s in any case, combined, with a bare last group in seconds', () => {
  assert.equal(parseTtl('1h30m'), 5400);
  assert.equal(parseTtl('2w'), 1_209_600);
  assert.equal(parseTtl('1D'), 86_400);
  assert.equal(parseTtl('1W2d3H4m5S'), 604_800 + 2 * 86_400 + 3 * 3600 + 4 * 60 + 5);
  assert.equal(parseTtl('1h30'), 3630);
});

test('not a TTL', () => {
  for (const bad of ['', 'h', '1x', '-1', '1.5h', 'IN', '4294967296', '1h m']) assert.equal(parseTtl(bad), undefined, bad);
});
