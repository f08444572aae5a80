// The configuration of TSIG keys, allowTransfer and notify: what is accepted, and errors that
// name the key and the fix.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../../src/config/load.ts';
import { problemsOf } from '../../helpers/config-problems.ts';

const FILE = '/etc/postern/postern.yaml';
const SECRET = Buffer.from('thirty-two octets of secret data').toString('base64');


test('keys, allowTransfer and notify as the contract writes them', () => {
  const config = parseConfig(
    `dns:
  keys: [ { name: Xfr-Key., algorithm: HMAC-SHA256, secret: "${SECRET}" } ]
  zones:
    - { name: example.test, file: zones/example.test.zone, allowTransfer: [ "key:xfr-key", 192.0.2.0/24, { address: 10.0.0.0/8, key: xfr-key } ],
        notify: [ "192.0.2.2:53", { address: "192.0.2.3", key: xfr-key } ] }
    - { name: plain.test, file: zones/plain.test.zone }
`,
    FILE,
  );
  assert.deepEqual(config.dns.keys, [{ name: 'xfr-key', algorithm: 'hmac-sha256', secret: SECRET }]);
  const [zone, plain] = config.dns.zones;
  assert.deepEqual(zone!.allowTransfer, ['key:xfr-key', '192.0.2.0/24', { address: '10.0.0.0/8', key: 'xfr-key' }]);
  assert.deepEqual(zone!.notify, [{ address: { address: '192.0.2.2', port: 53 } }, { address: { address: '192.0.2.3', port: 53 }, key: 'xfr-key' }]);
  assert.deepEqual(plain!.allowTransfer, []);
  assert.deepEqual(plain!.notify, []);
});

test('a bad secret, an unknown algorithm, a key listed twice and an unknown key are errors naming the key', () => {
  const problems = problemsOf(`dns:
  keys:
    - { name: a, algorithm: hmac-md5, secret: "${SECRET}" }
    - { name: b, algorithm: hmac-sha1, secret: "not base64!" }
    - { name: b, algorithm: hmac-sha1, secret: "${SECRET}" }
  zones:
    - { name: example.test, file: z, allowTransfer: [ "key:nope", 300.1.1.1/8, { address: 10.0.0.0/8 } ], notify: [ "192.0.2.3:99999" ] }
`);
  const has = (re: RegExp) => assert.ok(problems.some((p) => re.test(p)), `${re}\n${problems.join('\n')}`);
  has(/^dns\.keys\[0\]\.algorithm: expected one of hmac-sha1, .*got "hmac-md5"/);
  has(/^dns\.keys\[1\]\.secret: expected the secret in base64/);
  has(/^dns\.keys\[2\]\.name: key b is listed twice/);
  has(/^dns\.zones\[0\]\.allowTransfer\[2\]\.key: expected the name of a key in dns\.keys, got nothing/);
  has(/^dns\.zones\[0\]\.notify\[0\]: expected "address:port" .*got "192\.0\.2\.3:99999"/);
  has(/^dns\.zones\[0\]\.allowTransfer\[1\]: expected a network like 192\.0\.2\.0\/24, "key:NAME" or \{ address, key \}, got "300\.1\.1\.1\/8"/);
});

test('a key named in allowTransfer or notify must be in dns.keys', () => {
  const problems = problemsOf(`dns:
  keys: [ { name: xfr-key, algorithm: hmac-sha256, secret: "${SECRET}" } ]
  zones:
    - { name: example.test, file: z, allowTransfer: [ "key:nope" ], notify: [ { address: "192.0.2.3", key: other } ] }
`);
  assert.ok(problems.some((p) => p.startsWith('dns.zones[0].allowTransfer: no key nope in dns.keys')), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('dns.zones[0].notify: no key other in dns.keys')), problems.join('\n'));
});
