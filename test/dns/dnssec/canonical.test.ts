// NSEC3 hashing against RFC 5155 Appendix A, and the canonical name order of RFC 4034 §6.1.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalSortKey } from '../../../src/dns/dnssec/canonical-name.ts';
import { nsec3Hash } from '../../../src/dns/dnssec/nsec3-hash.ts';
import { base32hexEncode } from '../../../src/dns/wire/base32hex.ts';

test('NSEC3 hashes match RFC 5155 Appendix A (salt aabbccdd, 12 iterations), whatever the case', () => {
  const hash = (name: string): string => base32hexEncode(nsec3Hash(name, 12, Buffer.from('aabbccdd', 'hex')));
  assert.equal(hash('example'), '0p9mhaveqvm6t7vbl5lop2u3t2rp3tom');
  assert.equal(hash('A.Example'), '35mthgpgcu1qg68fab165klnsnk3dpvl');
  assert.equal(hash('*.w.example'), 'r53bq7cc2uvmubfu5ocmm6pers9tk9en');
  assert.equal(hash('x.y.w.example'), '2vptu5timamqttgl4luu9kg21e0aor3s');
});

test('sort keys put names in the canonical order of RFC 4034 §6.1', () => {
  const ordered = ['example', 'a.example', 'yljkjljk.a.example', 'Z.a.example', 'zABC.a.EXAMPLE', 'z.example', '\\001.z.example', '*.z.example', '\\200.z.example'];
  const shuffled = [...ordered].reverse();
  shuffled.push(shuffled.shift()!);
  const sorted = shuffled.map((name) => ({ name, key: canonicalSortKey(name) })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  assert.deepEqual(sorted.map((s) => s.name), ordered);
  assert.equal(canonicalSortKey('WWW.Example'), canonicalSortKey('www.example'));
});
