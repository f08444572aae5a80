import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { formatProblem, loadZoneFile, type LoadedZone } from '../../../src/dns/zone/load.ts';

const FIXTURES = 'test/fixtures/zones';

async function load(fixture: string, origin = 'example.test'): Promise<LoadedZone> {
  return loadZoneFile(path.join(FIXTURES, fixture), origin);
}

function report(zone: LoadedZone): string[] {
  return zone.problems.map(formatProblem);
}

/** kzonecheck (Knot DNS) as a second opinion: true when it accepts the zone. */
function knotAccepts(fixture: string, origin: string): boolean {
  const run = spawnSync('kzonecheck', ['-o', origin, path.join(FIXTURES, fixture)], { encoding: 'utf8' });
  assert.equal(run.error, undefined, 'kzonecheck must be installed (Debian knot-dnssecutils)');
  return run.status === 0;
}

const f = (name: string) => path.join(FIXTURES, name);

test('the good fixtures load, and Knot agrees', async () => {
  for (const [fixture, origin, warnings] of [
    ['example.test.zone', 'example.test', []],
    ['127.in-addr.arpa.zone', '127.in-addr.arpa', []],
    ['syntax.test.zone', 'syntax.test', [`${f('syntax.test.zone')}:27: warning: esc\\.dot.syntax.test A: the owner is not a valid host name (check-names)`]],
    ['include.test.zone', 'include.test', []],
  ] as const) {
    const zone = await load(fixture, origin);
    assert.deepEqual(report(zone), warnings, fixture);
    assert.equal(zone.ok, true, fixture);
    assert.equal(knotAccepts(fixture, origin), true, `kzonecheck ${fixture}`);
  }
});

test('host names where hosts are named (check-names): warnings, as named-checkzone gives', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'postern-checks-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'names.zone');
  await writeFile(
    file,
    [
      '$ORIGIN example.test.',
      '$TTL 3600',
      '@           SOA   ns1 hostmaster 1 7200 1800 1209600 300',
      '@           NS    ns1',
      'ns1         A     127.0.0.2',
      'under_score A     127.0.0.3',
      '-dash       AAAA  ::1',
      '*.wild      A     127.0.0.4',
      '_srv._tcp   SRV   0 0 25 bad_target',
      '_srv._tcp   TXT   "underscores are fine here"',
      '@           MX    10 mx_1.other.test.',
    ].join('\n') + '\n',
  );
  const zone = await loadZoneFile(file, 'example.test');
  assert.equal(zone.ok, true);
  assert.deepEqual(report(zone), [
    `${file}:6: warning: under_score.example.test A: the owner is not a valid host name (check-names)`,
    `${file}:7: warning: -dash.example.test AAAA: the owner is not a valid host name (check-names)`,
    `${file}:9: warning: _srv._tcp.example.test SRV bad_target.example.test: not a valid host name (check-names)`,
    `${file}:9: warning: _srv._tcp.example.test SRV bad_target.example.test: the target has no A or AAAA record`,
    `${file}:11: warning: example.test MX mx_1.other.test: not a valid host name (check-names)`,
  ]);
});

/** Fixtures that both we and Knot reject, with the message we give. */
const REJECTED: Array<[string, string]> = [
  ['bad-no-soa.zone', `${f('bad-no-soa.zone')}: example.test: no SOA record at the zone apex`],
  ['bad-no-ns.zone', `${f('bad-no-ns.zone')}:3: example.test: no NS records at the zone apex`],
  ['bad-cname.zone', `${f('bad-cname.zone')}:7: www.example.test: CNAME and other data (A)`],
  ['bad-two-cnames.zone', `${f('bad-two-cnames.zone')}:7: www.example.test: more than one CNAME record`],
  ['bad-missing-glue.zone', `${f('bad-missing-glue.zone')}:6: sub.example.test NS ns.sub.example.test: missing glue (no A or AAAA record for ns.sub.example.test)`],
  ['bad-apex-ns-no-address.zone', `${f('bad-apex-ns-no-address.zone')}:5: example.test NS ns2.example.test: the name server has no A or AAAA record`],
];

for (const [fixture, message] of REJECTED) {
  test(`${fixture} is rejected by us and by Knot`, async () => {
    const zone = await load(fixture);
    assert.equal(zone.ok, false);
    assert.deepEqual(report(zone), [message]);
    assert.equal(knotAccepts(fixture, 'example.test'), false, `kzonecheck ${fixture}`);
  });
}

// Knot accepts these two (it drops out-of-zone data with a notice and keeps one SOA); BIND's
// named-checkzone rejects both, and so do we.
test('out-of-zone data is an error', async () => {
  const zone = await load('bad-out-of-zone.zone');
  assert.equal(zone.ok, false);
  assert.deepEqual(report(zone), [`${f('bad-out-of-zone.zone')}:6: www.other.test: out-of-zone data (not at or below example.test)`]);
});

test('two SOA records are an error', async () => {
  const zone = await load('bad-two-soa.zone');
  assert.equal(zone.ok, false);
  assert.deepEqual(report(zone), [`${f('bad-two-soa.zone')}:4: example.test: more than one SOA record`]);
});

test('an SOA below the apex is an error', async () => {
  const zone = await load('bad-soa-below-apex.zone');
  assert.equal(zone.ok, false);
  assert.deepEqual(report(zone), [`${f('bad-soa-below-apex.zone')}:7: www.example.test: SOA record not at the zone apex`]);
});

test('data below a delegation (other than glue) and beside it is occluded: warnings', async () => {
  const zone = await load('warn-occluded.zone');
  assert.equal(zone.ok, true);
  assert.deepEqual(report(zone), [
    `${f('warn-occluded.zone')}:8: warning: www.sub.example.test TXT: occluded by the delegation at sub.example.test; it will not be served`,
    `${f('warn-occluded.zone')}:9: warning: sub.example.test MX: occluded by the delegation at sub.example.test; it will not be served`,
  ]);
  assert.equal(knotAccepts('warn-occluded.zone', 'example.test'), true);
});

test('NS, MX and SRV pointing at a CNAME: warnings', async () => {
  const zone = await load('warn-targets-cname.zone');
  assert.equal(zone.ok, true);
  assert.deepEqual(report(zone), [
    `${f('warn-targets-cname.zone')}:5: warning: example.test NS nsalias.example.test: the target is an alias (CNAME), which RFC 2181 §10.3 forbids`,
    `${f('warn-targets-cname.zone')}:6: warning: example.test MX mailalias.example.test: the target is an alias (CNAME), which RFC 2181 §10.3 forbids`,
    `${f('warn-targets-cname.zone')}:7: warning: _sip._tcp.example.test SRV sipalias.example.test: the target is an alias (CNAME), which RFC 2181 §10.3 forbids`,
  ]);
});

test('TTLs differing within an RRset: a warning each (as BIND), the first TTL wins; the duplicate is dropped', async () => {
  const zone = await load('warn-ttl-mismatch.zone');
  assert.equal(zone.ok, true);
  assert.deepEqual(report(zone), [
    `${f('warn-ttl-mismatch.zone')}:7: warning: www.example.test A: TTL 300 differs from the RRset's TTL 600 (line 6); using 600`,
    `${f('warn-ttl-mismatch.zone')}:8: warning: www.example.test A: TTL 3600 differs from the RRset's TTL 600 (line 6); using 600`,
  ]);
  const www = zone.records.filter((r) => r.name === 'www.example.test');
  assert.deepEqual(
    www.map((r) => `${r.ttl} ${r.data.address}`),
    ['600 127.0.0.20', '600 127.0.0.21'],
  );
});

test('what is allowed: DNSSEC data beside a CNAME, glue at or below the cut, AAAA-only glue, names out of zone, null MX', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'postern-checks-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'ok.zone');
  await writeFile(
    file,
    [
      '$ORIGIN example.test.',
      '$TTL 3600',
      '@         SOA   ns1 hostmaster 1 7200 1800 1209600 300',
      '@         NS    ns1',
      '@         NS    ns.elsewhere.test.',
      '@         MX    0 .',
      'ns1       AAAA  ::1',
      'alias     CNAME ns1',
      'alias 300 RRSIG CNAME 13 3 300 20260101000000 20251201000000 12345 example.test. dGVzdA==',
      'alias     RRSIG NSEC 13 3 3600 20260101000000 20251201000000 12345 example.test. dGVzdA==',
      'alias     NSEC  ns1 CNAME RRSIG NSEC',
      'sub       NS    sub',
      'sub       NS    ns.sub',
      'sub       DS    12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      'sub       A     127.0.0.40',
      'ns.sub    AAAA  ::1',
    ].join('\n') + '\n',
  );
  const zone = await loadZoneFile(file, 'example.test');
  assert.deepEqual(report(zone), []);
  assert.equal(zone.ok, true);
});

test('a delegation inside a delegation is occluded; a delegation to an in-zone name without address is an error', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'postern-checks-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'nested.zone');
  await writeFile(
    file,
    [
      '$ORIGIN example.test.',
      '$TTL 3600',
      '@         SOA   ns1 hostmaster 1 7200 1800 1209600 300',
      '@         NS    ns1',
      'ns1       A     127.0.0.2',
      'sub       NS    ns1',
      'deeper.sub NS   ns.deeper.sub',
      'other     NS    www',
      'www       TXT   "no address here"',
    ].join('\n') + '\n',
  );
  const zone = await loadZoneFile(file, 'example.test');
  assert.deepEqual(report(zone), [
    `${file}:7: warning: deeper.sub.example.test NS: occluded by the delegation at sub.example.test; it will not be served`,
    `${file}:8: other.example.test NS www.example.test: the name server has no A or AAAA record`,
  ]);
  assert.equal(zone.ok, false);
});
