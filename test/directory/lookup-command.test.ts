// `postern directory lookup` against the configuration alone (no running Postern): the RCPT
// answer, the expansion with the backend and entry behind each step, and each destination.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runPosternAsync, tempDir, writeConfig } from '../helpers/postern-process.ts';
import { LDAP_SUFFIX, startSlapd, type Slapd } from '../helpers/slapd.ts';
import { DIRECTORY_LDIF, MAILSTORE_A, MAILSTORE_B, PEOPLE } from './ldap-fixture.ts';

const cleanups: Array<() => unknown> = [];
let slapd: Slapd;
let config: string;

before(async () => {
  slapd = await startSlapd({ after: (fn) => cleanups.push(fn) }, DIRECTORY_LDIF, { host: '127.0.0.23' });
  const dir = tempDir();
  cleanups.push(() => dir.remove());
  config = writeConfig(
    dir.path,
    `domains: [ example.test ]
routes: { example.test: { type: smtp, host: 10.0.0.25, port: 2525 } }
directory: { backends: [ { type: ldap, url: "${slapd.url}", base: "${LDAP_SUFFIX}", timeout: 1s } ], timeout: 2s }
`,
  );
});

after(async () => {
  for (const fn of cleanups.reverse()) await fn();
});

test('a group: accepted, its members and where each goes, with the entries that said so', async () => {
  const r = await runPosternAsync(['directory', 'lookup', 'team@example.test', '--config', config]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.replaceAll(slapd.url, 'URL').split('\n');
  assert.equal(lines[0], 'team@example.test: 250 accepted: 2 recipients');
  assert.ok(lines.includes(`  team@example.test: group  → alice@example.test, carol@example.test  [ldap URL cn=team,ou=groups,${LDAP_SUFFIX}]`), r.stdout);
  assert.ok(lines.includes(`    alice@example.test: user  mailHost ${MAILSTORE_A}  [ldap URL uid=alice,${PEOPLE}]`), r.stdout);
  assert.ok(lines.includes(`  alice@example.test → smtp:${MAILSTORE_A}:2525 (mailHost)`), r.stdout);
  assert.ok(lines.includes('  carol@example.test → smtp:10.0.0.25:2525 (route of example.test)'), r.stdout);
});

test('--json: a forward to a user on the other mail host', async () => {
  const r = await runPosternAsync(['directory', 'lookup', 'dave@example.test', '--json', '--config', config]);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { rcpt: string; recipients: Array<{ address: string; destination: string }> };
  assert.equal(report.rcpt, '250 accepted: 2 recipients');
  assert.deepEqual(report.recipients.map((x) => `${x.address} ${x.destination}`), [`bob@example.test smtp:${MAILSTORE_B}:2525 (mailHost)`, `dave@example.test smtp:${MAILSTORE_A}:2525 (mailHost)`]);
});

test('unknown, the postmaster; the directory down', async () => {
  const unknown = await runPosternAsync(['directory', 'lookup', 'nobody@example.test', '--config', config]);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stdout, /^nobody@example\.test: 550 5\.1\.1 User unknown \(asked: ldap ldap:\/\/127\.0\.0\.23:\d+\)/);
  const postmaster = await runPosternAsync(['directory', 'lookup', 'postmaster@example.test', '--config', config]);
  assert.equal(postmaster.status, 0);
  assert.match(postmaster.stdout, /250 accepted: the postmaster always is/);
  await slapd.stop();
  const down = await runPosternAsync(['directory', 'lookup', 'alice@example.test', '--config', config]);
  assert.equal(down.status, 1);
  assert.match(down.stdout, /^alice@example\.test: 451 4\.4\.3 Directory temporarily unavailable: connect ECONNREFUSED/);
});
