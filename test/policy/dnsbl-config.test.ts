// policy.dnsbl, policy.rhsbl, policy.greylist and policy.allowlist: defaults, and refusals that name the key and the fix.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { CONFIG_FILE, problemsOf } from '../helpers/config-problems.ts';

test('defaults: no zones, threshold 1, greylisting off with 5m / 4h / 36d and /24, /64; empty allowlist', () => {
  const { policy } = parseConfig('{}', CONFIG_FILE);
  assert.deepEqual(policy.dnsbl, { zones: [], threshold: 1 });
  assert.deepEqual(policy.rhsbl, { zones: [], threshold: 1 });
  assert.deepEqual(policy.greylist, { enabled: false, delay: 300_000, window: 14_400_000, remember: 36 * 86_400_000, ipv4Prefix: 24, ipv6Prefix: 64 });
  assert.deepEqual(policy.allowlist, { networks: [], domains: [] });
});

test('the contract\'s form: a zone with codes and a weight; zone names in ASCII lower case', () => {
  const { policy } = parseConfig('policy: { dnsbl: { zones: [ { zone: BL.Example., codes: [ "127.0.0.2-127.0.0.11" ], weight: 1 } ], threshold: 1 }, rhsbl: { zones: [ { zone: dbl.example } ] } }', CONFIG_FILE);
  assert.deepEqual(policy.dnsbl.zones, [{ zone: 'bl.example', codes: ['127.0.0.2-127.0.0.11'], weight: 1 }]);
  assert.deepEqual(policy.rhsbl.zones, [{ zone: 'dbl.example', codes: [], weight: 1 }]);
});

test('bad values are refused naming the key and what would do', () => {
  assert.deepEqual(problemsOf('policy: { dnsbl: { zones: [ { zone: bl.example, codes: [ "10.0.0.2" ] } ] } }'), [
    'policy.dnsbl.zones[0].codes[0]: expected an address in 127.0.0.0/8 or a range of them like "127.0.0.2-127.0.0.11", got "10.0.0.2"',
  ]);
  assert.match(problemsOf('policy: { rhsbl: { zones: [ { zone: dbl.example, codes: [ "127.0.0.11-127.0.0.2" ] } ] } }')[0]!, /^policy\.rhsbl\.zones\[0\]\.codes\[0\]: expected an address in 127\.0\.0\.0\/8 or a range/);
  assert.match(problemsOf('policy: { dnsbl: { zones: [ { zone: bl.example, weight: 0 } ] } }')[0]!, /^policy\.dnsbl\.zones\[0\]\.weight: expected a whole number of at least 1, got 0/);
  assert.deepEqual(problemsOf('policy: { greylist: { enabled: true, delay: 5m, window: 1m } }'), [
    'policy.greylist.window: the window must be longer than the delay (300s), or no retry could ever pass; e.g. window: 4h',
  ]);
  assert.match(problemsOf('policy: { greylist: { ipv4Prefix: 33 } }')[0]!, /^policy\.greylist\.ipv4Prefix: expected a prefix length from 1 to 32, got 33/);
  assert.match(problemsOf('policy: { allowlist: { networks: [ 192.0.2.0/33 ] } }')[0]!, /^policy\.allowlist\.networks\[0\]: expected a network like/);
});
