// The adapter that feeds mailauth from Postern's resolver answers exactly as node:dns does for the
// same server (values and error codes), and mailauth's SPF turns those answers into the RFC 7208
// results: permerror for loops and for more than 10 lookups, temperror when DNS fails.
import assert from 'node:assert/strict';
import { Resolver as NodeResolver } from 'node:dns/promises';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { spf } from 'mailauth';
import { Resolver } from '../../src/dns/resolver/resolver.ts';
import { mailauthResolver } from '../../src/policy/mailauth-resolver.ts';
import { startTestDnsServer } from '../helpers/dns.ts';
import { freePort } from '../helpers/postern-process.ts';
import { scratchDir } from '../helpers/scratch-dirs.ts';

const ZONE = `$ORIGIN auth.test.
$TTL 300
@       SOA ns hostmaster 1 3600 600 86400 300
        NS  ns
ns      A   127.0.0.53
host    A   127.0.0.7
        A   127.0.0.8
        AAAA ::1
        MX  20 mx2
        MX  10 mx1
        TXT "v=spf1 " "ip4:127.0.0.7 -all"
        TXT "second record"
mx1     A   127.0.0.9
mx2     A   127.0.0.10
7.0.0.127.in-addr.arpa.auth.test. PTR host
loop    TXT "v=spf1 include:loop.auth.test -all"
many    TXT "v=spf1 a:n1.auth.test a:n2.auth.test a:n3.auth.test a:n4.auth.test a:n5.auth.test a:n6.auth.test a:n7.auth.test a:n8.auth.test a:n9.auth.test a:n10.auth.test a:n11.auth.test -all"
voids   TXT "v=spf1 a:v1.auth.test a:v2.auth.test a:v3.auth.test -all"
mxspf   TXT "v=spf1 mx -all"
mxspf   MX  10 mx1
${Array.from({ length: 11 }, (_, i) => `n${i + 1} A 192.0.2.${i + 1}`).join('\n')}
`;

const zoneFile = join(await scratchDir(), 'auth.test.zone');
writeFileSync(zoneFile, ZONE);
const { endpoint } = await startTestDnsServer({ after }, [{ name: 'auth.test', file: zoneFile }]);
const resolver = new Resolver({ servers: [endpoint], timeoutMs: 500, attempts: 1 });
const lookup = mailauthResolver(resolver);
const node = new NodeResolver({ timeout: 500, tries: 1 });
node.setServers([`${endpoint.address}:${endpoint.port}`]);
after(() => resolver.close());

const outcome = async <T>(promise: Promise<T>): Promise<{ value?: unknown; code?: string }> => {
  try {
    return { value: await promise };
  } catch (err) {
    return { code: (err as NodeJS.ErrnoException).code };
  }
};
const sorted = (value: unknown) => (Array.isArray(value) ? [...value].map((v) => JSON.stringify(v)).sort() : value);

test('A, AAAA, TXT (as chunk arrays), MX and PTR: the values node:dns gives for the same server', async () => {
  const cases: Array<[string, string]> = [
    ['host.auth.test', 'A'],
    ['host.auth.test', 'AAAA'],
    ['host.auth.test', 'TXT'],
    ['host.auth.test', 'MX'],
    ['7.0.0.127.in-addr.arpa.auth.test', 'PTR'],
  ];
  for (const [name, type] of cases) {
    const ours = await outcome(lookup(name, type));
    const theirs = await outcome(node.resolve(name, type as 'A'));
    assert.deepEqual(sorted(ours.value), sorted(theirs.value), `${type} ${name}`);
    assert.ok(ours.value !== undefined, `${type} ${name} answered`);
  }
  assert.deepEqual(sorted(await lookup('host.auth.test', 'TXT')), sorted([['v=spf1 ', 'ip4:127.0.0.7 -all'], ['second record']]));
});

test('no such name, no such data and a zone the server does not serve: node\'s error codes', async () => {
  const cases: Array<[string, string, string]> = [
    ['missing.auth.test', 'TXT', 'ENOTFOUND'],
    ['mx1.auth.test', 'TXT', 'ENODATA'],
    ['elsewhere.example', 'TXT', 'EREFUSED'],
  ];
  for (const [name, type, code] of cases) {
    assert.equal((await outcome(lookup(name, type))).code, code, `${type} ${name}`);
    assert.equal((await outcome(node.resolve(name, type as 'TXT'))).code, code, `node:dns, ${type} ${name}`);
  }
});

test('a server that never answers is ETIMEOUT, which SPF reads as temperror', async () => {
  const silent = new Resolver({ servers: [{ address: '127.0.0.1', port: await freePort() }], timeoutMs: 200, attempts: 1 });
  try {
    const code = (await outcome(mailauthResolver(silent)('host.auth.test', 'TXT'))).code;
    assert.ok(code === 'ETIMEOUT' || code === 'ESERVFAIL', code);
    const result = await spf({ sender: 'a@host.auth.test', ip: '127.0.0.7', helo: 'client.example', mta: 'mx.example.test', resolver: mailauthResolver(silent) });
    assert.equal(result.status.result, 'temperror');
  } finally {
    silent.close();
  }
});

test('SPF through the adapter: pass, fail, the MX mechanism, and permerror for a loop, over 10 lookups and too many void lookups', async () => {
  const check = async (domain: string, ip = '127.0.0.7') => (await spf({ sender: `a@${domain}`, ip, helo: 'client.example', mta: 'mx.example.test', resolver: lookup })).status;
  assert.equal((await check('host.auth.test')).result, 'pass');
  assert.equal((await check('host.auth.test', '127.0.0.99')).result, 'fail');
  assert.equal((await check('mxspf.auth.test', '127.0.0.9')).result, 'pass');
  assert.equal((await check('loop.auth.test')).result, 'permerror');
  const many = await check('many.auth.test');
  assert.equal(many.result, 'permerror');
  assert.match(String(many.comment), /Too many DNS requests/);
  const voids = await check('voids.auth.test');
  assert.equal(voids.result, 'permerror');
  assert.match(String(voids.comment), /void/i);
  assert.equal((await check('missing.auth.test')).result, 'none');
});
