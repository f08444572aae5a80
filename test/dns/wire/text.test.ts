import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { rdataFromWire } from '../../../src/dns/wire/decode.ts';
import { rdataToWire } from '../../../src/dns/wire/encode.ts';
import { RRType, descriptorOf, typeFromText } from '../../../src/dns/wire/rrtypes.ts';
import { RdataTextError, rdataFromText, rdataToText, recordToText } from '../../../src/dns/wire/text.ts';
import { ORIGIN, RDATA_SAMPLES, rdataTokens } from './samples.ts';

const fromText = (type: string, text: string) => rdataFromText(typeFromText(type)!, rdataTokens(text), ORIGIN);

for (const sample of RDATA_SAMPLES) {
  test(`${sample.type}: text → RData → wire → RData → text`, () => {
    const type = typeFromText(sample.type)!;
    assert.ok(descriptorOf(type), 'has a descriptor');
    const data = fromText(sample.type, sample.text);
    const wire = rdataToWire(type, data);
    const decoded = rdataFromWire(type, wire);
    assert.deepEqual(decoded, data);
    const text = rdataToText(type, decoded);
    assert.equal(text, sample.canonical ?? sample.text);
    assert.deepEqual(rdataFromText(type, rdataTokens(text), ORIGIN), data, 'our text reads back');
    const generic = `\\# ${wire.length} ${wire.toString('hex')}`;
    assert.deepEqual(rdataFromText(type, rdataTokens(generic), ORIGIN), data, 'the RFC 3597 form reads the same');
  });
}

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test('ldns-read-zone reads every sample to the same wire octets as we do', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'postern-wire-'));
  dirs.push(dir);
  const file = path.join(dir, 'samples.zone');
  // ldns has no zone-file form of TSIG (a meta type), so it is left out here.
  const samples = RDATA_SAMPLES.filter((s) => s.type !== 'TSIG');
  writeFileSync(file, `$ORIGIN ${ORIGIN}.\n$TTL 300\n${samples.map((s) => `@ ${s.type} ${s.text}`).join('\n')}\n`);
  // -U A: every type but A printed in the generic \# form, which is the RDATA in hex.
  const run = spawnSync('ldns-read-zone', ['-U', 'A', file], { encoding: 'utf8' });
  assert.equal(run.error, undefined, 'ldns-read-zone must be installed (Debian ldnsutils)');
  assert.equal(run.status, 0, run.stderr);
  const ldnsHex = new Map<number, string>();
  for (const line of run.stdout.split('\n')) {
    const m = /\tTYPE(\d+)\t\\# \d+ ([0-9a-f]*)$/.exec(line);
    if (m) ldnsHex.set(Number(m[1]), m[2]);
  }
  for (const sample of samples.filter((s) => s.type !== 'A')) {
    const type = typeFromText(sample.type)!;
    assert.equal(rdataToWire(type, fromText(sample.type, sample.text)).toString('hex'), ldnsHex.get(type), sample.type);
  }
});

test('TXT: escapes decoded, strings over 255 octets refused, output quoted with \\DDD', () => {
  const data = fromText('TXT', '"a\\"b" \\065\\ c "tab\\009" "é"');
  assert.deepEqual(data.strings, [Buffer.from('a"b'), Buffer.from('A c'), Buffer.from('tab\t'), Buffer.from('é', 'utf8')]);
  assert.equal(rdataToText(RRType.TXT, data), '"a\\"b" "A c" "tab\\009" "\\195\\169"');
  assert.equal((fromText('TXT', `"${'x'.repeat(255)}"`).strings as Buffer[])[0].length, 255);
  assert.throws(() => fromText('TXT', `"${'x'.repeat(256)}"`), /TXT strings: character-string of 256 octets, over 255/);
  assert.throws(() => fromText('TXT', `"${'\\255'.repeat(256)}"`), /over 255/);
  assert.throws(() => fromText('TXT', '"bad \\25"'), /TXT strings: broken escape/);
});

test('errors name the type, the field and what was wrong', () => {
  assert.throws(() => fromText('MX', '10 bad..name'), (err: Error) => {
    assert.ok(err instanceof RdataTextError);
    assert.match(err.message, /^MX exchange: expected a domain name, got "bad\.\.name"/);
    return true;
  });
  assert.throws(() => fromText('MX', 'ten mx1'), /MX preference: expected a number 0\.\.65535, got "ten"$/);
  assert.throws(() => fromText('MX', '10'), /MX exchange: expected a domain name, got the end of the record$/);
  assert.throws(() => fromText('MX', '10 mx1 extra'), /MX: unexpected text after the last field \("extra"\)$/);
  assert.throws(() => fromText('A', '192.0.2.256'), /A address: expected an IPv4 address, got "192\.0\.2\.256"$/);
  assert.throws(() => fromText('A', '"192.0.2.1"'), /quoted string/);
  assert.throws(() => fromText('AAAA', '2001:db8::1::2'), /AAAA address: expected an IPv6 address/);
  assert.throws(() => fromText('DS', '1 8 2 ABC'), /DS digest: expected an even number of hex digits/);
  assert.throws(() => fromText('DNSKEY', '257 3 8 !!!!'), /DNSKEY publicKey: expected base64/);
  assert.throws(() => fromText('SOA', 'ns host 1 2 3 4 forever'), /SOA minimum: expected a number of seconds/);
  assert.throws(() => fromText('RRSIG', 'A 8 2 3600 20261331000000 20261201000000 1 example. AA=='), /RRSIG expiration: expected a time/);
  assert.throws(() => fromText('NSEC', 'next.example. A BOGUS'), /NSEC types: expected a record type, got "BOGUS"$/);
  assert.throws(() => fromText('CAA', '0 is-sue "x"'), /CAA tag: expected a tag of letters and digits/);
  assert.throws(() => fromText('TYPE65400', 'abc'), /generic form/);
  assert.throws(() => fromText('A', '\\# 4 C00002'), /A \\#: expected 4 octets in hex/);
  assert.throws(() => fromText('A', '\\# 3 C00002'), /A \\#: not a valid A RDATA/);
});

test('unknown types travel in the generic form, unchanged', () => {
  const data = fromText('TYPE65400', '\\# 5 ( 01 02\n0304 05 )');
  assert.deepEqual(data, { raw: Buffer.from([1, 2, 3, 4, 5]) });
  assert.deepEqual(rdataToWire(65400, data), Buffer.from([1, 2, 3, 4, 5]));
  assert.equal(rdataToText(65400, data), '\\# 5 0102030405');
  assert.equal(rdataToText(65400, fromText('TYPE65400', '\\# 0')), '\\# 0');
  assert.equal(recordToText({ name: 'x.example.test', type: 65400, class: 1, ttl: 60, data }), 'x.example.test.\t60\tIN\tTYPE65400\t\\# 5 0102030405');
});

test('"\\# 0" is an empty RDATA (class ANY/NONE updates) for known types too', () => {
  assert.deepEqual(fromText('A', '\\# 0'), {});
  assert.equal(rdataToText(RRType.A, {}), '\\# 0');
});

test('values with no presentation form fall back to the generic form', () => {
  const data = { usage: 3, selector: 1, matchingType: 1, certificateData: Buffer.alloc(0) };
  assert.equal(rdataToText(RRType.TLSA, data), '\\# 3 030101');
});

test('RRSIG times: YYYYMMDDHHmmSS or seconds in, YYYYMMDDHHmmSS out', () => {
  const a = fromText('RRSIG', 'A 8 2 3600 20261231000000 1764547200 1 example. AA==');
  assert.equal(a.expiration, Date.UTC(2026, 11, 31) / 1000);
  assert.equal(a.inception, 1764547200);
  assert.equal(rdataToText(RRType.RRSIG, a), 'A 8 2 3600 20261231000000 20251201000000 1 example. AA==');
});

test('recordToText prints like dig', () => {
  const rr = { name: 'example.test', type: RRType.MX, class: 1, ttl: 3600, data: fromText('MX', '10 mx1') };
  assert.equal(recordToText(rr), 'example.test.\t3600\tIN\tMX\t10 mx1.example.test.');
  assert.equal(recordToText({ ...rr, name: '', class: 3, type: RRType.TXT, data: fromText('TXT', 'x') }), '.\t3600\tCH\tTXT\t"x"');
});
