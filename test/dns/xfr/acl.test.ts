import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accessList, keysNamedBy, ruleProblem } from '../../../src/dns/acl.ts';

test('an empty list allows nobody', () => {
  const allow = accessList([]);
  assert.equal(allow({ address: '127.0.0.1' }), false);
  assert.equal(allow({ address: '127.0.0.1', key: 'k' }), false);
});

test('a network allows its addresses, with or without a key; IPv4-mapped addresses match IPv4 networks', () => {
  const allow = accessList(['192.0.2.0/24', '2001:db8::/32', '198.51.100.7']);
  assert.equal(allow({ address: '192.0.2.9' }), true);
  assert.equal(allow({ address: '::ffff:192.0.2.9', key: 'any' }), true);
  assert.equal(allow({ address: '2001:db8::1' }), true);
  assert.equal(allow({ address: '198.51.100.7' }), true);
  assert.equal(allow({ address: '198.51.100.8' }), false);
  assert.equal(allow({ address: 'not an address' }), false);
});

test('key:NAME allows requests verified with that key from anywhere; names compare without case or trailing dot', () => {
  const allow = accessList(['key:Xfr-Key.']);
  assert.equal(allow({ address: '203.0.113.1', key: 'xfr-key' }), true);
  assert.equal(allow({ address: '203.0.113.1', key: 'other' }), false);
  assert.equal(allow({ address: '203.0.113.1' }), false);
});

test('{ address, key } needs both', () => {
  const allow = accessList([{ address: '127.0.0.0/8', key: 'k' }]);
  assert.equal(allow({ address: '127.0.0.2', key: 'k' }), true);
  assert.equal(allow({ address: '127.0.0.2' }), false);
  assert.equal(allow({ address: '10.0.0.1', key: 'k' }), false);
});

test('bad rules are named; the keys a list uses are listed', () => {
  assert.match(ruleProblem('10.0.0.0/33')!, /network/);
  assert.match(ruleProblem('key:')!, /key name/);
  assert.match(ruleProblem({ address: 'x', key: 'k' })!, /address/);
  assert.equal(ruleProblem('key:a'), undefined);
  assert.throws(() => accessList(['nonsense']));
  assert.deepEqual(keysNamedBy(['10.0.0.0/8', 'key:A.', { address: '::1', key: 'b' }]), ['a', 'b']);
});
