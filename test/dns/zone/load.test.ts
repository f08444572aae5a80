import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { formatProblem, loadZoneFile, ZoneFileError } from '../../../src/dns/zone/load.ts';
import { parseMasterText } from '../../../src/dns/zone/masterfile.ts';
import type { ResourceRecord } from '../../../src/dns/wire/model.ts';
import { canonicalName } from '../../../src/dns/wire/names.ts';
import { recordToText } from '../../../src/dns/wire/text.ts';
import { scratchDir } from '../../helpers/scratch-dirs.ts';

const FIXTURES = 'test/fixtures/zones';
const tempDir = () => scratchDir('postern-zone-');

/** One line per record, names lower-cased, for comparing two readings of the same zone. */
function canonicalLines(records: ResourceRecord[]): string[] {
  const lines = records.map((r) => recordToText({ ...r, name: canonicalName(r.name) }).replace(/\s+/g, ' ').toLowerCase());
  return [...new Set(lines)].sort();
}

/** ldns-read-zone's reading of a zone file, re-read by our parser from its one-record-per-line
 *  output with absolute names, so that formatting differences do not matter. */
async function ldnsReading(file: string, origin: string): Promise<ResourceRecord[]> {
  const run = spawnSync('ldns-read-zone', [file], { encoding: 'utf8' });
  assert.equal(run.error, undefined, 'ldns-read-zone must be installed (Debian ldnsutils)');
  assert.equal(run.status, 0, run.stderr);
  const parsed = await parseMasterText(run.stdout, 'ldns-output', { origin });
  assert.deepEqual(parsed.problems, []);
  return parsed.records.map((s) => s.record);
}

for (const [fixture, origin] of [
  ['example.test.zone', 'example.test'],
  ['127.in-addr.arpa.zone', '127.in-addr.arpa'],
  ['syntax.test.zone', 'syntax.test'],
]) {
  test(`${fixture}: our records are the ones ldns-read-zone reads`, async () => {
    const file = path.join(FIXTURES, fixture);
    const zone = await loadZoneFile(file, origin);
    assert.equal(zone.ok, true);
    assert.deepEqual(canonicalLines(zone.records), canonicalLines(await ldnsReading(file, origin)));
  });
}

test('example.test: serial, origin, and the records integration tests rely on', async () => {
  const zone = await loadZoneFile(path.join(FIXTURES, 'example.test.zone'), 'Example.Test.');
  assert.equal(zone.ok, true);
  assert.equal(zone.origin, 'Example.Test');
  assert.equal(zone.serial, 2026112801);
  const lines = zone.records.map((r) => recordToText(r).replace(/\s+/g, ' '));
  for (const expected of [
    'example.test. 3600 IN MX 10 mx1.example.test.',
    'example.test. 3600 IN MX 20 mx2.example.test.',
    'mx1.example.test. 300 IN A 127.0.0.11',
    'mx2.example.test. 3600 IN A 127.0.0.12',
    'example.test. 3600 IN TXT "v=spf1 ip4:127.0.0.0/8 -all"',
    'alias.example.test. 3600 IN CNAME alias2.example.test.',
    'sub.example.test. 3600 IN NS ns1.sub.example.test.',
  ]) {
    assert.ok(lines.includes(expected), `${expected} in\n${lines.join('\n')}`);
  }
});

test('a zone with errors is not ok; the CLI lines come from formatProblem', async () => {
  const file = path.join(FIXTURES, 'bad-syntax.zone');
  const zone = await loadZoneFile(file, 'example.test');
  assert.equal(zone.ok, false);
  assert.deepEqual(zone.records, []);
  assert.equal(zone.serial, 0);
  assert.match(formatProblem(zone.problems[0]), new RegExp(`^${file.replace(/\./g, '\\.')}:6: MX `));
});

test('a bad origin or a missing file is a problem, not an exception', async () => {
  const badOrigin = await loadZoneFile(path.join(FIXTURES, 'example.test.zone'), 'a..b');
  assert.equal(badOrigin.ok, false);
  assert.match(formatProblem(badOrigin.problems[0]), /example\.test\.zone: bad zone origin "a\.\.b": /);
  const missing = await loadZoneFile('/nonexistent/example.test.zone', 'example.test');
  assert.equal(missing.ok, false);
  assert.deepEqual(missing.problems.map(formatProblem), [
    '/nonexistent/example.test.zone: cannot read the zone file: ENOENT: no such file or directory, open \'/nonexistent/example.test.zone\'',
  ]);
});

test('formatProblem: file:line, file alone, or the name; warnings marked', () => {
  assert.equal(formatProblem({ severity: 'error', file: 'z', line: 3, name: 'a', message: 'bad' }), 'z:3: bad');
  assert.equal(formatProblem({ severity: 'warning', file: 'z', line: 3, name: 'a', message: 'odd' }), 'z:3: warning: odd');
  assert.equal(formatProblem({ severity: 'error', file: 'z', name: 'a', message: 'bad' }), 'z: bad');
  assert.equal(formatProblem({ severity: 'error', name: 'a.test', message: 'bad' }), 'a.test: bad');
  const err = new ZoneFileError('MX exchange: expected a domain name', 'z', 14);
  assert.equal(err.message, 'z:14: MX exchange: expected a domain name');
  assert.equal(err.file, 'z');
  assert.equal(err.line, 14);
});

test('duplicates are dropped silently, comparing names in RDATA case-insensitively', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'dup.zone');
  await writeFile(
    file,
    '$TTL 60\n@ SOA ns1 hostmaster 1 2 3 4 5\n@ NS ns1\n@ NS NS1.example.test.\nns1 A 127.0.0.2\nNS1 A 127.0.0.2\nt TXT "A"\nt TXT "a"\n',
  );
  const zone = await loadZoneFile(file, 'example.test');
  assert.deepEqual(zone.problems, []);
  assert.deepEqual(
    zone.records.map((r) => recordToText(r).replace(/\s+/g, ' ')),
    [
      'example.test. 60 IN SOA ns1.example.test. hostmaster.example.test. 1 2 3 4 5',
      'example.test. 60 IN NS ns1.example.test.',
      'ns1.example.test. 60 IN A 127.0.0.2',
      't.example.test. 60 IN TXT "A"',
      't.example.test. 60 IN TXT "a"',
    ],
  );
});

// CPU time rather than wall time: the test machines are shared, and a loaded neighbour must
// not fail this test; what it guards against is work that grows faster than the zone.
test('a zone of 100k records loads in under two seconds of CPU time', async (t) => {
  const dir = await tempDir();
  const file = path.join(dir, 'big.zone');
  const lines = ['$ORIGIN big.test.', '$TTL 300', '@ SOA ns1 hostmaster 7 7200 1800 1209600 300', '  NS ns1', 'ns1 A 127.0.0.2'];
  for (let i = 0; i < 100_000; i++) {
    lines.push(i % 2 === 0 ? `h${i} A 127.0.${(i >> 8) & 255}.${i & 255}` : `h${i} MX 10 h${i - 1}`);
  }
  await writeFile(file, lines.join('\n') + '\n');
  const started = process.cpuUsage();
  const zone = await loadZoneFile(file, 'big.test');
  const used = process.cpuUsage(started);
  const seconds = (used.user + used.system) / 1e6;
  t.diagnostic(`loaded 100k records in ${seconds.toFixed(2)} s of CPU time`);
  assert.deepEqual(zone.problems, []);
  assert.equal(zone.records.length, 100_003);
  assert.ok(seconds < 2, `took ${seconds.toFixed(2)} s of CPU time`);
});
