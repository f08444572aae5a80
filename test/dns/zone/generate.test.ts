import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GenerateError, parseGenerateRange, substitute } from '../../../src/dns/zone/generate.ts';
import { parseMasterText } from '../../../src/dns/zone/masterfile.ts';
import { recordToText } from '../../../src/dns/wire/text.ts';

// Expected values below are what BIND 9.18's named-compilezone writes for the same templates.

test('ranges: start-stop, with a step; bad ranges named', () => {
  assert.deepEqual(parseGenerateRange('1-3'), { start: 1, stop: 3, step: 1 });
  assert.deepEqual(parseGenerateRange('0-20/10'), { start: 0, stop: 20, step: 10 });
  assert.throws(() => parseGenerateRange('3-1'), /ends before it starts/);
  assert.throws(() => parseGenerateRange('1-3/0'), /step below 1/);
  assert.throws(() => parseGenerateRange('a-b'), /expected a range/);
  assert.throws(() => parseGenerateRange('0-4294967295'), (e: unknown) => e instanceof GenerateError && /more than 65536/.test(e.message));
});

test('$, ${offset,width,base} in decimal, octal and hex, and literal dollars', () => {
  assert.equal(substitute('host$', 7), 'host7');
  assert.equal(substitute('o-${0,4,o}-${0,3,X}-${-3}-${2,3,x}', 10), 'o-0012-00A-7-00c');
  assert.equal(substitute('d\\$-$$-${1}-${1,2}', 10), 'd\\$-$-11-11');
  assert.equal(substitute('${5,3,d}x', 0), '005x');
  assert.throws(() => substitute('${x}', 1), /bad modifier/);
  assert.throws(() => substitute('${-5}', 1), /negative/);
});

test('nibble mode: reversed hex labels, the width counting the dots', () => {
  const cases: Array<[string, number, string]> = [
    ['${0,0,n}', 26, 'a.1'],
    ['${0,0,n}', 0, '0'],
    ['${0,0,n}', 300, 'c.2.1'],
    ['${0,2,n}', 0, '0.'],
    ['${0,3,n}', 0, '0.0'],
    ['${0,4,n}', 26, 'a.1.'],
    ['${0,5,n}', 26, 'a.1.0'],
    ['${0,6,N}', 0, '0.0.0.'],
    ['${0,7,N}', 300, 'C.2.1.0'],
  ];
  for (const [template, value, expected] of cases) assert.equal(substitute(template, value), expected, `${template} ${value}`);
});

test('$GENERATE in a zone file writes one record per value', async () => {
  const text = [
    '$ORIGIN g.test.',
    '$TTL 60',
    'before A 127.0.0.9',
    '$GENERATE 1-3 host$ A 127.0.0.$',
    '  AAAA ::1',
    '$GENERATE 0-20/10 ${5,3,d}x 300 IN CNAME ${0,2,x}.t',
    '$GENERATE 10-10 d\\$-$$ TXT "$ \\$ $$"',
  ].join('\n');
  const parsed = await parseMasterText(text, 'g.zone', { origin: 'g.test' });
  assert.deepEqual(parsed.problems, []);
  assert.deepEqual(
    parsed.records.map((s) => `${s.line}: ${recordToText(s.record).replace(/\s+/g, ' ')}`),
    [
      '3: before.g.test. 60 IN A 127.0.0.9',
      '4: host1.g.test. 60 IN A 127.0.0.1',
      '4: host2.g.test. 60 IN A 127.0.0.2',
      '4: host3.g.test. 60 IN A 127.0.0.3',
      '5: before.g.test. 60 IN AAAA ::1',
      '6: 005x.g.test. 300 IN CNAME 00.t.g.test.',
      '6: 015x.g.test. 300 IN CNAME 0a.t.g.test.',
      '6: 025x.g.test. 300 IN CNAME 14.t.g.test.',
      '7: d\\$-\\$.g.test. 60 IN TXT "10" "$" "$"',
    ],
  );
});

test('$GENERATE errors: one per directive, naming the value that failed', async () => {
  const text = ['$TTL 60', '$GENERATE 250-260 h$ A 127.0.0.$', '$GENERATE 1-2', '$GENERATE 1-x h$ A 127.0.0.1', '$GENERATE 1-2 h${z} A 127.0.0.1'].join('\n');
  const parsed = await parseMasterText(text, 'g.zone', { origin: 'g.test' });
  assert.deepEqual(
    parsed.problems.map((p) => `${p.line}: ${p.message}`),
    [
      '2: $GENERATE: for 256: A address: expected an IPv4 address, got "127.0.0.256"',
      '3: $GENERATE takes a range, an owner, a type and RDATA, got 1 arguments',
      '4: $GENERATE: expected a range start-stop[/step], got "1-x"',
      '5: $GENERATE: bad modifier in "h${z}": expected ${offset[,width[,base]]}',
    ],
  );
  assert.equal(parsed.records.length, 6);
});
