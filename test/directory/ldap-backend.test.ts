// The LDAP backend against a real slapd: what it finds for users, aliases, forwards and nested
// groups; AUTH by binding as the user; addresses built to inject filter syntax finding nothing;
// and a server that stops, hangs and comes back.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.ts';
import { openDirectory, type Directory } from '../../src/directory/directory.ts';
import { expandAddress } from '../../src/directory/expansion.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { LDAP_SUFFIX, startSlapd, type Slapd } from '../helpers/slapd.ts';
import { tempDir } from '../helpers/postern-process.ts';
import { testCa } from '../helpers/test-ca.ts';
import { DIRECTORY_LDIF, MAILSTORE_A, MAILSTORE_B, PEOPLE } from './ldap-fixture.ts';

const cleanups: Array<() => unknown> = [];
const scope = { after: (fn: () => unknown) => cleanups.push(fn) };
let slapd: Slapd;
let directory: Directory;

const ca = testCa();

function open(backend = `url: "${slapd.url}"`, more = ''): Directory {
  const config = parseConfig(
    `directory:
  backends: [ { type: ldap, ${backend}, base: "${LDAP_SUFFIX}", timeout: 1s }${more} ]
  timeout: 2s
`,
    '/tmp/postern-test.yaml',
  );
  const opened = openDirectory(config.directory, { configFile: config.configFile, logger: silentLogger(), cache: false })!;
  cleanups.push(() => opened.close());
  return opened;
}

before(async () => {
  slapd = await startSlapd(scope, DIRECTORY_LDIF, { host: '127.0.0.21', tls: { certFile: ca.server.certFile, keyFile: ca.server.keyFile } });
  directory = open();
});

after(async () => {
  for (const fn of cleanups.reverse()) await fn();
});

const expand = (address: string) => expandAddress(address, { lookup: (a) => directory.lookup(a), isOurs: (a) => a.endsWith('@example.test'), maxDepth: 8, maxRecipients: 100 });

test('users, an alias answered with its user, and the routing host', async () => {
  const alice = await directory.lookup('alice@example.test');
  assert.equal(alice.kind, 'found');
  assert.deepEqual(alice.kind === 'found' && { ...alice.entry, source: alice.entry.source.replace(slapd.url, 'URL') }, {
    address: 'alice@example.test', kind: 'user', forwards: [], members: [], mailHost: MAILSTORE_A, source: `ldap URL uid=alice,${PEOPLE}`,
  });
  const alias = await directory.lookup('A.Smith@example.test');
  assert.ok(alias.kind === 'found' && alias.entry.address === 'alice@example.test');
  assert.deepEqual(await directory.lookup('nobody@example.test'), { kind: 'unknown', source: `ldap ${slapd.url}` });
});

test('expansion: forwards (keeping a copy), nested groups with a loop and a missing member, an alias loop', async () => {
  const dave = await expand('dave@example.test');
  assert.deepEqual(dave.kind === 'ok' && dave.recipients, [{ address: 'bob@example.test', mailHost: MAILSTORE_B }, { address: 'dave@example.test', mailHost: MAILSTORE_A }]);
  const team = await expand('team@example.test');
  assert.equal(team.kind, 'ok');
  assert.deepEqual(team.kind === 'ok' && team.recipients, [{ address: 'alice@example.test', mailHost: MAILSTORE_A }, { address: 'carol@example.test' }]);
  const loop = await expand('loop1@example.test');
  assert.equal(loop.kind, 'empty');
  assert.deepEqual(loop.steps.map((s) => `${s.address} ${s.what}`), ['loop1@example.test forward', 'loop2@example.test forward', 'loop1@example.test seen before']);
  assert.equal((await expand('nobody@example.test')).kind, 'unknown');
});

test('fan-out and depth are bounded', async () => {
  const small = await expandAddress('team@example.test', { lookup: (a) => directory.lookup(a), isOurs: () => true, maxDepth: 8, maxRecipients: 1 });
  assert.deepEqual(small.kind === 'too many' && small.limit, 1);
  const shallow = await expandAddress('dave@example.test', { lookup: (a) => directory.lookup(a), isOurs: () => true, maxDepth: 0, maxRecipients: 10 });
  assert.deepEqual(shallow.steps.map((s) => s.what), ['forward', 'too deep']);
});

test('LDAP injection in addresses finds nothing; NUL is refused before any search', async () => {
  for (const address of ['*', '*)(uid=*', '*)(uid=*@example.test', '"*)(uid=*"@example.test', '*@example.test', 'alice@example.test)(mail=*', 'alice\\00@example.test', 'alice\0@example.test', '(|(mail=*))']) {
    assert.equal((await directory.lookup(address)).kind, 'unknown', address);
    assert.equal(await directory.verify(address, 'alice-pw'), 'fail', address);
  }
});

test('AUTH binds as the user: right password ok, wrong or empty password fail, unknown user fail', async () => {
  assert.equal(await directory.verify('alice@example.test', 'alice-pw'), 'ok');
  assert.equal(await directory.verify('a.smith@example.test', 'alice-pw'), 'ok', 'an alias names the same entry');
  assert.equal(await directory.verify('alice@example.test', 'bob-pw'), 'fail');
  assert.equal(await directory.verify('alice@example.test', ''), 'fail', 'an empty password is an unauthenticated bind, never a login');
  assert.equal(await directory.verify('nobody@example.test', 'x'), 'fail');
  assert.equal(await directory.verify('dave@example.test', 'x'), 'fail', 'an entry without a password');
});

test('slapd stopped: unavailable (never unknown), for lookups and AUTH, even with a later backend that does not know the address; back again: answers', async () => {
  const dir = tempDir();
  cleanups.push(dir.remove);
  writeFileSync(join(dir.path, 'users.yaml'), 'users:\n  local@example.test: { forward: [ bob@example.test ] }\n');
  const withFile = open(`url: "${slapd.url}"`, `, { type: file, path: ${join(dir.path, 'users.yaml')} }`);
  assert.equal((await withFile.lookup('nobody@example.test')).kind, 'unknown', 'asked both');
  await slapd.stop();
  assert.equal((await withFile.lookup('nobody@example.test')).kind, 'unavailable', 'the file backend does not answer for the LDAP server');
  assert.equal((await withFile.lookup('local@example.test')).kind, 'unavailable', 'nor before it');
  const down = await directory.lookup('bob@example.test');
  assert.equal(down.kind, 'unavailable');
  assert.equal((await expand('team@example.test')).kind, 'unavailable');
  assert.equal(await directory.verify('bob@example.test', 'bob-pw'), 'unavailable');
  await slapd.start();
  assert.equal((await directory.lookup('bob@example.test')).kind, 'found');
  assert.equal(await directory.verify('bob@example.test', 'bob-pw'), 'ok');
});

test('slapd hanging: unavailable within directory.timeout', async () => {
  slapd.pause();
  try {
    // Let the stop reach every slapd thread before asking.
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    const hung = await directory.lookup('carol@example.test');
    assert.equal(hung.kind, 'unavailable', JSON.stringify(hung));
    assert.ok(Date.now() - started < 2500, `answered after ${Date.now() - started} ms`);
  } finally {
    slapd.resume();
  }
  assert.equal((await directory.lookup('carol@example.test')).kind, 'found');
});

test('ldaps:// and StartTLS: the server certificate verified against ca; one that cannot be verified makes the backend unavailable', async () => {
  for (const backend of [`url: "${slapd.ldapsUrl}", ca: ${ca.caFile}`, `url: "${slapd.url}", startTls: true, ca: ${ca.caFile}`]) {
    const tls = open(backend);
    assert.equal((await tls.lookup('bob@example.test')).kind, 'found', backend);
    assert.equal(await tls.verify('bob@example.test', 'bob-pw'), 'ok', backend);
  }
  for (const backend of [`url: "${slapd.ldapsUrl}"`, `url: "${slapd.url}", startTls: true`]) {
    const unverified = await open(backend).lookup('bob@example.test');
    assert.ok(unverified.kind === 'unavailable' && /certificate/.test(unverified.reason), `${backend}: ${JSON.stringify(unverified)}`);
  }
});

test('configuration: the keys are checked and name the fix', () => {
  const problems = (yaml: string) => {
    try {
      parseConfig(yaml, '/tmp/postern-test.yaml');
      return '';
    } catch (err) {
      return (err as Error).message;
    }
  };
  assert.match(problems('directory: { backends: [ { type: ldap, url: "http://x", base: "dc=x" } ] }'), /directory\.backends\[0\]\.url: expected an LDAP URL/);
  assert.match(problems('directory: { backends: [ { type: ldap, url: "ldap://127.0.0.1", base: "dc=x", filter: "(mail=*)" } ] }'), /directory\.backends\[0\]\.filter: expected an LDAP filter in parentheses with %s/);
  assert.match(problems('directory: { backends: [ { type: ldap, url: "ldap://127.0.0.1", base: "dc=x", bindDn: "cn=x" } ] }'), /directory\.backends\[0\]\.password: bindDn cn=x needs password or passwordFile/);
  assert.match(problems('directory: { backends: [ { type: ldap, url: "ldaps://127.0.0.1", base: "dc=x", startTls: true } ] }'), /directory\.backends\[0\]\.startTls: ldaps:\/\/ is TLS from the first byte/);
});
