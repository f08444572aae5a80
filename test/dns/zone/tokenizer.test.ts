import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ZoneSyntaxError, ZoneTokenizer, type ZoneEntry } from '../../../src/dns/zone/tokenizer.ts';

function entries(text: string): ZoneEntry[] {
  const tokenizer = new ZoneTokenizer(text);
  const out: ZoneEntry[] = [];
  for (let e = tokenizer.next(); e; e = tokenizer.next()) out.push(e);
  return out;
}

function values(e: ZoneEntry): string[] {
  return e.tokens.map((t) => t.value);
}

test('one entry per line, comments and blank lines dropped', () => {
  const got = entries('; header\n\nwww A 127.0.0.1 ; trailing\n   \n  ; indented comment\nmx A 127.0.0.2');
  assert.deepEqual(got.map(values), [['www', 'A', '127.0.0.1'], ['mx', 'A', '127.0.0.2']]);
  assert.deepEqual(got.map((e) => e.line), [3, 6]);
});

test('a line starting with white space omits the owner', () => {
  const got = entries('www A 127.0.0.1\n\tAAAA ::1\n  TXT x\n');
  assert.deepEqual(got.map((e) => e.ownerOmitted), [false, true, true]);
});

test('parentheses join lines and may hold comments; the entry keeps its first line', () => {
  const got = entries('@ SOA ns1 host (\n  1 ; serial\n  2 ( 3 )\n  4 5 )\nnext A 1.2.3.4\n');
  assert.equal(got.length, 2);
  assert.deepEqual(values(got[0]), ['@', 'SOA', 'ns1', 'host', '1', '2', '3', '4', '5']);
  assert.equal(got[0].line, 1);
  assert.deepEqual(got[0].tokens.map((t) => t.line), [1, 1, 1, 1, 2, 3, 3, 4, 4]);
  assert.equal(got[1].line, 5);
});

test('quoted strings are one token, quotes removed, escapes kept as written', () => {
  const [e] = entries('t TXT "a b ; c" "say \\"hi\\"" "\\\\" "\\065" plain\\ space ""\n');
  assert.deepEqual(
    e.tokens.map((t) => [t.value, t.quoted]),
    [
      ['t', false],
      ['TXT', false],
      ['a b ; c', true],
      ['say \\"hi\\"', true],
      ['\\\\', true],
      ['\\065', true],
      ['plain\\ space', false],
      ['', true],
    ],
  );
});

test('escaped delimiters stay inside an unquoted token', () => {
  const [e] = entries('a\\;b\\(c\\) TXT x\n');
  assert.deepEqual(values(e), ['a\\;b\\(c\\)', 'TXT', 'x']);
});

test('a leading byte-order mark is skipped', () => {
  const got = entries('\uFEFF$ORIGIN example.test.\n');
  assert.deepEqual(got.map(values), [['$ORIGIN', 'example.test.']]);
});

test('CRLF line ends are accepted', () => {
  const got = entries('a A 1.2.3.4\r\n b AAAA ::1\r\n');
  assert.deepEqual(got.map(values), [['a', 'A', '1.2.3.4'], ['b', 'AAAA', '::1']]);
});

test('an unclosed quote is an error on its line, and reading resumes on the next line', () => {
  const tokenizer = new ZoneTokenizer('a TXT "open\nb A 1.2.3.4\n');
  assert.throws(() => tokenizer.next(), (e: unknown) => e instanceof ZoneSyntaxError && e.line === 1 && /quoted string/.test(e.message));
  const next = tokenizer.next();
  assert.deepEqual(next && values(next), ['b', 'A', '1.2.3.4']);
  assert.equal(next?.line, 2);
});

test('a stray ")" is an error; an unclosed "(" is reported at the line that opened it', () => {
  const stray = new ZoneTokenizer('a A 1.2.3.4 )\nb A 1.2.3.5\n');
  assert.throws(() => stray.next(), (e: unknown) => e instanceof ZoneSyntaxError && e.line === 1 && /without a matching/.test(e.message));
  assert.deepEqual(values(stray.next()!), ['b', 'A', '1.2.3.5']);

  const open = new ZoneTokenizer('x A 1.2.3.4\n@ SOA a b ( 1 2\n3 4 5\n');
  assert.deepEqual(values(open.next()!), ['x', 'A', '1.2.3.4']);
  assert.throws(() => open.next(), (e: unknown) => e instanceof ZoneSyntaxError && e.line === 2 && /never closed/.test(e.message));
});
