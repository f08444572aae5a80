// What callers hand the resolver: resolv.conf files, names (trailing dot, IDN, bad ones),
// types, IP addresses for PTR and TLSA names; and how its errors classify.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { NameError } from '../../../src/dns/wire/errors.ts';
import { queryName, queryType } from '../../../src/dns/resolver/query-input.ts';
import { DnsLookupError, Resolver, serversFromResolvConf } from '../../../src/dns/resolver/resolver.ts';
import { reverseName, tlsaName } from '../../../src/dns/resolver/reverse-name.ts';
import { tempDir } from '../../helpers/postern-process.ts';

test('resolv.conf: nameserver lines on port 53, IPv6 too; none or no file → 127.0.0.1', (t) => {
  const dir = tempDir();
  t.after(() => dir.remove());
  const file = join(dir.path, 'resolv.conf');
  writeFileSync(file, '# comment\nsearch example.test\nnameserver 127.0.0.53\n  nameserver   ::1  \nnameserver fe80::1%eth0\nnameserver not-an-ip\noptions edns0\n');
  assert.deepEqual(serversFromResolvConf(file), [
    { address: '127.0.0.53', port: 53 },
    { address: '::1', port: 53 },
    { address: 'fe80::1%eth0', port: 53 },
  ]);
  writeFileSync(file, 'search example.test\n');
  assert.deepEqual(serversFromResolvConf(file), [{ address: '127.0.0.1', port: 53 }]);
  assert.deepEqual(serversFromResolvConf(join(dir.path, 'missing')), [{ address: '127.0.0.1', port: 53 }]);
});

test('names: trailing dot optional, lower-cased, IDN to A-labels, bad names refused clearly', () => {
  assert.equal(queryName('Mail.Example.TEST.'), 'mail.example.test');
  assert.equal(queryName('mail.example.test'), 'mail.example.test');
  assert.equal(queryName('_25._tcp.mx.example.test'), '_25._tcp.mx.example.test');
  assert.equal(queryName('2.0.0.127.zen.example'), '2.0.0.127.zen.example');
  assert.equal(queryName('Bücher.example.'), 'xn--bcher-kva.example');
  assert.equal(queryName('.'), '');
  assert.throws(() => queryName('a..example'), NameError);
  assert.throws(() => queryName(`${'x'.repeat(64)}.example`), NameError);
  assert.throws(() => queryName('bü\u0000cher.example'), /not a valid internationalised domain name/);
});

test('types: numbers and mnemonics; transfers, OPT and TSIG cannot be asked', () => {
  assert.equal(queryType('mx'), 15);
  assert.equal(queryType('TYPE65'), 65);
  assert.equal(queryType(52), 52);
  assert.throws(() => queryType('AXFR'), TypeError);
  assert.throws(() => queryType('OPT'), TypeError);
  assert.throws(() => queryType('NOPE'), TypeError);
  assert.throws(() => queryType(70000), TypeError);
});

test('reverse names for PTR and TLSA owner names', () => {
  assert.equal(reverseName('192.0.2.1'), '1.2.0.192.in-addr.arpa');
  assert.equal(reverseName('2001:db8::1'), '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa');
  assert.throws(() => reverseName('mail.example'), TypeError);
  assert.equal(tlsaName(25, 'tcp', 'mx1.example.test'), '_25._tcp.mx1.example.test');
  assert.throws(() => tlsaName(0, 'tcp', 'mx1.example.test'), RangeError);
  assert.throws(() => tlsaName(25, 'smtp', 'mx1.example.test'), TypeError);
});

test('errors: NXDOMAIN and NODATA are permanent (5xx), server failures temporary (4xx)', () => {
  const permanent = ['NXDOMAIN', 'NODATA'] as const;
  const temporary = ['SERVFAIL', 'TIMEOUT', 'REFUSED', 'FORMERR', 'BADRESPONSE'] as const;
  for (const code of permanent) assert.equal(new DnsLookupError(code, 'x.example', 1).temporary, false, code);
  for (const code of temporary) assert.equal(new DnsLookupError(code, 'x.example', 1).temporary, true, code);
  const err = new DnsLookupError('NODATA', 'www.example.test', 15);
  assert.equal(err.message, 'NODATA for www.example.test/MX');
  assert.equal(err.name, 'www.example.test');
});

test('servers must be given as IP addresses and ports', () => {
  assert.throws(() => new Resolver({ servers: [] }), /at least one server/);
  assert.throws(() => new Resolver({ servers: [{ address: 'localhost', port: 53 }] }), /not an IP address/);
  assert.throws(() => new Resolver({ servers: [{ address: '127.0.0.1', port: 0 }] }), /port 0/);
  new Resolver({ servers: [{ address: '::1', port: 53 }, { address: '127.0.0.1', port: 5353 }] }).close();
});
