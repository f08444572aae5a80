import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { parseMasterFile, parseMasterText, type ParsedMasterFile } from '../../../src/dns/zone/masterfile.ts';
import { formatProblem } from '../../../src/dns/zone/problems.ts';
import { RRType } from '../../../src/dns/wire/rrtypes.ts';
import { scratchDir } from '../../helpers/scratch-dirs.ts';

const tempDir = () => scratchDir('postern-zone-');

const SOA = '@ 3600 IN SOA ns1 hostmaster 1 7200 1800 1209600 300\n';

async function parse(text: string, opts: { origin?: string; defaultTtl?: number; maxErrors?: number } = {}): Promise<ParsedMasterFile> {
  const dir = await tempDir();
  return parseMasterText(text, path.join(dir, 'test.zone'), { origin: opts.origin ?? 'example.test', ...opts });
}

/** "owner TTL TYPE" plus the RDATA field values, the way a test can state them briefly. */
function brief(parsed: ParsedMasterFile): string[] {
  return parsed.records.map(({ record: r }) => {
    const data = Object.values(r.data).map((v) => (Array.isArray(v) ? v.map(String).join('|') : String(v)));
    return [r.name, r.ttl, r.class === 1 ? 'IN' : `CLASS${r.class}`, r.type, ...data].join(' ');
  });
}

function messages(parsed: ParsedMasterFile): string[] {
  return parsed.problems.map((p) => `${p.line}: ${p.severity === 'warning' ? 'warning: ' : ''}${p.message}`);
}

test('@, relative and absolute owners, $ORIGIN relative to the current origin', async () => {
  const parsed = await parse(
    `$TTL 60\n@ A 127.0.0.1\nwww A 127.0.0.2\nabs.example.test. A 127.0.0.3\nOther.Test. A 127.0.0.4\n$ORIGIN sub\nx A 127.0.0.5\n@ A 127.0.0.6\n$ORIGIN elsewhere.test.\ny A 127.0.0.7\n`,
  );
  assert.deepEqual(messages(parsed), []);
  assert.deepEqual(
    parsed.records.map((s) => s.record.name),
    ['example.test', 'www.example.test', 'abs.example.test', 'Other.Test', 'x.sub.example.test', 'sub.example.test', 'y.elsewhere.test'],
  );
  assert.deepEqual(
    parsed.records.map((s) => s.line),
    [2, 3, 4, 5, 7, 8, 10],
  );
});

test('a line starting with white space repeats the previous owner', async () => {
  const parsed = await parse(`$TTL 60\nwww A 127.0.0.1\n  AAAA ::1\n\tTXT "x"\nmx A 127.0.0.2\n MX 10 mx\n`);
  assert.deepEqual(
    parsed.records.map((s) => s.record.name),
    ['www.example.test', 'www.example.test', 'www.example.test', 'mx.example.test', 'mx.example.test'],
  );
});

test('TTL and class in either order, each optional; CLASSnnn and TYPEnnn; units', async () => {
  const parsed = await parse(
    `$TTL 1h\na 600 IN A 127.0.0.1\nb IN 600 A 127.0.0.2\nc 1h30m A 127.0.0.3\nd IN A 127.0.0.4\ne A 127.0.0.5\nf CLASS1 TYPE1 127.0.0.6\ng 2W in a 127.0.0.7\n`,
  );
  assert.deepEqual(messages(parsed), []);
  assert.deepEqual(brief(parsed), [
    'a.example.test 600 IN 1 127.0.0.1',
    'b.example.test 600 IN 1 127.0.0.2',
    'c.example.test 5400 IN 1 127.0.0.3',
    'd.example.test 3600 IN 1 127.0.0.4',
    'e.example.test 3600 IN 1 127.0.0.5',
    'f.example.test 3600 IN 1 127.0.0.6',
    'g.example.test 1209600 IN 1 127.0.0.7',
  ]);
});

test('without $TTL: the SOA minimum (with a warning) becomes the default, as BIND does', async () => {
  const parsed = await parse(`@ IN SOA ns1 hostmaster 1 7200 1800 1209600 300\n NS ns1\nns1 900 A 127.0.0.2\nwww A 127.0.0.3\n`);
  assert.deepEqual(
    parsed.records.map((s) => s.record.ttl),
    [300, 300, 900, 300],
  );
  assert.deepEqual(messages(parsed), ['1: warning: no TTL given and no $TTL: using the SOA minimum (300)']);
});

test('without $TTL and after an explicit TTL: the previous record\'s TTL, warned once (RFC 1035, BIND)', async () => {
  const parsed = await parse(`ns1 900 A 127.0.0.2\n@ IN SOA ns1 hostmaster 1 7200 1800 1209600 300\n NS ns1\n$TTL 1d\nwww A 127.0.0.3\n`);
  assert.deepEqual(
    parsed.records.map((s) => s.record.ttl),
    [900, 900, 900, 86400],
  );
  assert.deepEqual(messages(parsed), ["2: warning: no TTL given and no $TTL: using the previous record's TTL (900), as RFC 1035 says"]);
});

test('a first record without any TTL is an error unless a default TTL is given', async () => {
  const text = 'www A 127.0.0.3\n';
  assert.deepEqual(messages(await parse(text)), ['1: no TTL given and no $TTL before this record']);
  const withDefault = await parse(text, { defaultTtl: 120 });
  assert.deepEqual(messages(withDefault), []);
  assert.equal(withDefault.records[0].record.ttl, 120);
});

test('a TTL above 2^31-1 becomes 0 with a warning (RFC 2181)', async () => {
  const parsed = await parse('$TTL 60\nwww 4294967295 A 127.0.0.3\n');
  assert.equal(parsed.records[0].record.ttl, 0);
  assert.match(messages(parsed)[0], /^2: warning: TTL 4294967295 is above 2\^31-1/);
});

test('parentheses span lines, with comments inside', async () => {
  const parsed = await parse(`$TTL 60\n@ IN SOA ns1 hostmaster ( ; a comment\n 2026112801 ; serial\n 2h ; refresh\n 30m 2w\n 5m ) ; the end\nnext A 127.0.0.1\n`);
  assert.deepEqual(messages(parsed), []);
  assert.deepEqual(brief(parsed), [
    'example.test 60 IN 6 ns1.example.test hostmaster.example.test 2026112801 7200 1800 1209600 300',
    'next.example.test 60 IN 1 127.0.0.1',
  ]);
  assert.deepEqual(
    parsed.records.map((s) => s.line),
    [2, 7],
  );
});

test('quoted strings with escapes, and unquoted character-strings', async () => {
  const parsed = await parse('$TTL 60\nt TXT "say \\"hi\\"" "back\\\\slash" "semi;colon" "\\065\\066C" plain ""\n');
  assert.deepEqual(messages(parsed), []);
  const strings = parsed.records[0].record.data.strings as Buffer[];
  assert.deepEqual(
    strings.map((b) => b.toString('latin1')),
    ['say "hi"', 'back\\slash', 'semi;colon', 'ABC', 'plain', ''],
  );
});

test('RFC 3597 generic RDATA for known and unknown types', async () => {
  const parsed = await parse('$TTL 60\na A \\# 4 7f000001\nb TYPE65400 \\# 3 abcdef\nc TYPE65401 \\# 0\n');
  assert.deepEqual(messages(parsed), []);
  assert.equal(parsed.records[0].record.data.address, '127.0.0.1');
  assert.deepEqual(parsed.records[1].record.data.raw, Buffer.from('abcdef', 'hex'));
  assert.equal(parsed.records[1].record.type, 65400);
  assert.deepEqual(parsed.records[2].record.data.raw, Buffer.alloc(0));
});

test('errors name file:line and what is wrong, and all of them are collected', async () => {
  const file = path.resolve('test/fixtures/zones/bad-syntax.zone');
  const parsed = await parseMasterFile(file, { origin: 'example.test' });
  const lines = parsed.problems.map(formatProblem);
  const at = (n: number) => lines.filter((l) => l.startsWith(`${file}:${n}: `));
  assert.equal(at(6).length, 1, lines.join('\n'));
  assert.match(at(6)[0], /MX .*exchange/);
  assert.match(at(7)[0], /127\.0\.0\.999/);
  assert.match(at(8)[0], /unknown record type "FROB"/);
  assert.match(at(9)[0], /class CH differs from the zone's class IN/);
  assert.match(at(10)[0], /quoted string is not closed/);
  assert.match(at(11)[0], /bad TTL "1x"/);
  assert.match(at(12)[0], /unknown directive \$BOGUS/);
  assert.equal(lines.length, 7, lines.join('\n'));
  assert.deepEqual(
    parsed.records.map((s) => s.line),
    [3, 4, 5],
  );
});

test('the error cap stops reading and says so', async () => {
  const parsed = await parse('$TTL 60\n' + 'x A nonsense\n'.repeat(20), { maxErrors: 5 });
  assert.equal(parsed.problems.length, 6);
  assert.match(parsed.problems[5].message, /too many errors \(5\); stopped reading/);
});

test('meta types, a missing type and a leading blank with no owner are errors', async () => {
  const parsed = await parse('$TTL 60\n  A 127.0.0.1\nx IN ANY 127.0.0.1\ny AXFR\nz OPT \\# 0\nw 60 IN\n');
  assert.deepEqual(messages(parsed), [
    '2: no owner name: the line starts with white space but no record precedes it',
    '3: ANY is a meta type and cannot appear in a zone file',
    '4: AXFR is a meta type and cannot appear in a zone file',
    '5: OPT is a meta type and cannot appear in a zone file',
    '6: expected a record type, got the end of the line',
  ]);
});

test('bad names: labels over 63 octets, a quoted owner; lines repeating a bad owner say so', async () => {
  const parsed = await parse(`$TTL 60\n${'a'.repeat(64)} A 127.0.0.1\n  AAAA ::1\n"quoted" A 127.0.0.1\n`);
  assert.equal(parsed.problems.length, 3);
  assert.match(parsed.problems[0].message, /^owner: bad domain name/);
  assert.equal(parsed.problems[1].message, 'no owner name: the line starts with white space but the owner name on line 2 is bad');
  assert.match(parsed.problems[2].message, /^owner: expected a domain name, got a quoted string/);
  assert.deepEqual(parsed.records, []);
});

test('$TTL, $ORIGIN and $INCLUDE argument errors', async () => {
  const parsed = await parse('$TTL\n$TTL 1x\n$ORIGIN a b\n$INCLUDE\n$include missing.inc\n');
  assert.deepEqual(
    parsed.problems.map((p) => p.line),
    [1, 2, 3, 4, 5],
  );
  assert.match(parsed.problems[4].message, /^\$INCLUDE missing\.inc: cannot read/);
});

test('$INCLUDE: relative to the including file, with an optional origin; origin and owner come back', async () => {
  const dir = await tempDir();
  await mkdir(path.join(dir, 'parts'));
  await writeFile(path.join(dir, 'parts', 'hosts.inc'), 'host A 127.0.0.5\n  TXT "inside"\n$ORIGIN changed.test.\nz A 127.0.0.9\n');
  await writeFile(path.join(dir, 'parts', 'nested.inc'), '$INCLUDE hosts.inc\n');
  const text = `$TTL 60\n${SOA}mid A 127.0.0.1\n$INCLUDE parts/hosts.inc\n  AAAA ::1\n$INCLUDE "parts/hosts.inc" inc2\n$INCLUDE parts/nested.inc other.test.\nend A 127.0.0.2\n`;
  await writeFile(path.join(dir, 'zone'), text);
  const parsed = await parseMasterFile(path.join(dir, 'zone'), { origin: 'example.test' });
  assert.deepEqual(messages(parsed), []);
  assert.deepEqual(
    parsed.records.map((s) => `${s.record.name} ${s.record.type} ${path.relative(dir, s.file)}:${s.line}`),
    [
      'example.test 6 zone:2',
      'mid.example.test 1 zone:3',
      'host.example.test 1 parts/hosts.inc:1',
      'host.example.test 16 parts/hosts.inc:2',
      'z.changed.test 1 parts/hosts.inc:4',
      'mid.example.test 28 zone:5',
      'host.inc2.example.test 1 parts/hosts.inc:1',
      'host.inc2.example.test 16 parts/hosts.inc:2',
      'z.changed.test 1 parts/hosts.inc:4',
      'host.other.test 1 parts/hosts.inc:1',
      'host.other.test 16 parts/hosts.inc:2',
      'z.changed.test 1 parts/hosts.inc:4',
      'end.example.test 1 zone:8',
    ],
  );
});

test('an included file starts with the includer\'s owner, and the owner after it is the includer\'s again (BIND)', async () => {
  const dir = await tempDir();
  await writeFile(path.join(dir, 'a.inc'), '  TXT "continues"\nx A 127.0.0.5\n');
  await writeFile(path.join(dir, 'zone'), '$TTL 60\nhost A 127.0.0.2\n$INCLUDE a.inc\n  AAAA ::1\n');
  const parsed = await parseMasterFile(path.join(dir, 'zone'), { origin: 'example.test' });
  assert.deepEqual(messages(parsed), []);
  assert.deepEqual(
    parsed.records.map((s) => `${s.record.name} ${s.record.type}`),
    ['host.example.test 1', 'host.example.test 16', 'x.example.test 1', 'host.example.test 28'],
  );
});

test('a record repeating the owner right after $ORIGIN is kept, with a warning (BIND)', async () => {
  const parsed = await parse('$TTL 60\nhost A 127.0.0.2\n$ORIGIN sub.example.test.\n  AAAA ::1\n  TXT "x"\n');
  assert.deepEqual(messages(parsed), ['4: warning: record with inherited owner (host.example.test) immediately after $ORIGIN (sub.example.test)']);
  assert.deepEqual(
    parsed.records.map((s) => s.record.name),
    ['host.example.test', 'host.example.test', 'host.example.test'],
  );
});

test('$INCLUDE loops are refused, naming the line of the $INCLUDE', async () => {
  const dir = await tempDir();
  await writeFile(path.join(dir, 'a.inc'), 'a A 127.0.0.1\n$INCLUDE b.inc\n');
  await writeFile(path.join(dir, 'b.inc'), 'b A 127.0.0.2\n$INCLUDE a.inc\n');
  await writeFile(path.join(dir, 'zone'), '$TTL 60\n$INCLUDE a.inc\n');
  const parsed = await parseMasterFile(path.join(dir, 'zone'), { origin: 'example.test' });
  assert.deepEqual(
    parsed.problems.map((p) => `${path.basename(p.file!)}:${p.line}: ${p.message}`),
    ['b.inc:2: $INCLUDE a.inc: include loop (the file is already being read)'],
  );
  assert.deepEqual(
    parsed.records.map((s) => s.record.name),
    ['a.example.test', 'b.example.test'],
  );
});

test('$INCLUDE nesting is bounded', async () => {
  const dir = await tempDir();
  for (let i = 0; i < 4; i++) await writeFile(path.join(dir, `${i}.inc`), `n${i} A 127.0.0.1\n$INCLUDE ${i + 1}.inc\n`);
  await writeFile(path.join(dir, '4.inc'), 'n4 A 127.0.0.1\n');
  await writeFile(path.join(dir, 'zone'), '$TTL 60\n$INCLUDE 0.inc\n');
  const parsed = await parseMasterFile(path.join(dir, 'zone'), { origin: 'example.test', maxIncludeDepth: 3 });
  assert.deepEqual(
    parsed.problems.map((p) => `${path.basename(p.file!)}:${p.line}: ${p.message}`),
    ['2.inc:2: $INCLUDE nested deeper than 3 files'],
  );
  assert.deepEqual(
    parsed.records.map((s) => s.record.name),
    ['n0.example.test', 'n1.example.test', 'n2.example.test'],
  );
});

test('a file that cannot be read is one error naming it', async () => {
  const parsed = await parseMasterFile('/nonexistent/zone', { origin: 'example.test' });
  assert.equal(parsed.problems.length, 1);
  assert.match(formatProblem(parsed.problems[0]), /^\/nonexistent\/zone: cannot read the zone file: ENOENT/);
});

test('RDATA types the codec knows come through: MX, SRV, CAA, TLSA', async () => {
  const parsed = await parse('$TTL 60\n@ MX 10 mx1\n_s._tcp SRV 1 2 3 t\n@ CAA 0 issue "ca.test"\n_25._tcp TLSA 3 1 1 ABCDEF\n');
  assert.deepEqual(messages(parsed), []);
  const [mx, srv, caa, tlsa] = parsed.records.map((s) => s.record);
  assert.equal(mx.type, RRType.MX);
  assert.equal(mx.data.exchange, 'mx1.example.test');
  assert.equal(srv.data.target, 't.example.test');
  assert.equal(caa.data.tag, 'issue');
  assert.deepEqual(tlsa.data.certificateData, Buffer.from('abcdef', 'hex'));
});

test('the zone class is the default class, and another class is an error', async () => {
  const dir = await tempDir();
  const parsed = await parseMasterText('$TTL 60\nversion CH TXT "1.0"\nhost TXT "no class"\nother IN TXT "wrong"\n', path.join(dir, 'ch.zone'), {
    origin: 'bind',
    zoneClass: 3,
  });
  assert.deepEqual(
    parsed.records.map((s) => `${s.record.name} ${s.record.class}`),
    ['version.bind 3', 'host.bind 3'],
  );
  assert.deepEqual(messages(parsed), ["4: class IN differs from the zone's class CH"]);
});

test('random damage to a zone file only ever gives problems, never an exception', async () => {
  const base = await readFile('test/fixtures/zones/syntax.test.zone', 'utf8');
  const alphabet = ' \t\n\\"();$@.0123456789abcdefINAMXTSOC#{}-/,';
  let seed = 1;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const dir = await tempDir();
  for (let i = 0; i < 300; i++) {
    const chars = [...base];
    for (let edits = 1 + random(20); edits > 0; edits--) {
      const at = random(chars.length);
      const op = random(3);
      if (op === 0) chars.splice(at, 1);
      else if (op === 1) chars.splice(at, 0, alphabet[random(alphabet.length)]);
      else chars[at] = String.fromCharCode(random(256));
    }
    const parsed = await parseMasterText(chars.join(''), path.join(dir, 'damaged.zone'), { origin: 'syntax.test' });
    assert.ok(Array.isArray(parsed.problems));
  }
});
