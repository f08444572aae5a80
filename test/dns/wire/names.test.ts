import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NameError } from '../../../src/dns/wire/errors.ts';
import {
  canonicalName,
  compareCanonical,
  isInZone,
  labelCount,
  nameFromText,
  nameLabels,
  nameToText,
  nameWireLength,
  parentName,
} from '../../../src/dns/wire/names.ts';

test('nameFromText: absolute, relative to the origin, @, root', () => {
  assert.equal(nameFromText('mail.example.test.'), 'mail.example.test');
  assert.equal(nameFromText('mail', 'example.test'), 'mail.example.test');
  assert.equal(nameFromText('@', 'example.test'), 'example.test');
  assert.equal(nameFromText('.', 'example.test'), '');
  assert.equal(nameFromText('Mail.Example.Test.'), 'Mail.Example.Test', 'case is kept');
  assert.equal(nameFromText('host'), 'host', 'no origin: relative to the root');
});

test('nameFromText: escapes end up in the one canonical form the decoder also produces', () => {
  assert.equal(nameFromText('a\\.b.example.'), 'a\\.b.example', 'an escaped dot stays inside the label');
  assert.equal(nameFromText('\\065bc.example.'), 'Abc.example', 'a plain octet written as \\DDD');
  assert.equal(nameFromText('\\a.example.'), 'a.example', 'a needless \\X');
  assert.equal(nameFromText('sp\\032ace.example.'), 'sp\\032ace.example');
  assert.equal(nameFromText('semi\\;colon.example.'), 'semi\\;colon.example');
  assert.equal(nameFromText('dot\\..'), 'dot\\.', 'the final dot after an escaped dot makes it absolute');
  assert.equal(nameFromText('back\\\\.example.'), 'back\\\\.example');
  assert.equal(nameFromText('\\255.example.'), '\\255.example');
  assert.equal(nameFromText('bücher.example.'), 'b\\195\\188cher.example', 'raw UTF-8 as octets, as a master file holds it');
  assert.equal(nameFromText('\\ü.example.'), '\\195\\188.example', 'an escaped non-ASCII character is the character');
  assert.deepEqual(nameLabels('a\\.b.example'), ['a\\.b', 'example']);
  assert.equal(labelCount('a\\.b.example'), 2);
  assert.equal(parentName('a\\.b.example'), 'example');
});

test('nameFromText: labels over 63 and names over 255 octets are refused, escapes counting one octet', () => {
  const label63 = 'a'.repeat(63);
  assert.equal(nameFromText(`${label63}.test.`), `${label63}.test`);
  assert.throws(() => nameFromText(`${'a'.repeat(64)}.test.`), NameError);
  assert.equal(nameFromText(`${'\\065'.repeat(63)}.test.`), `${'A'.repeat(63)}.test`);
  assert.throws(() => nameFromText(`${'\\065'.repeat(64)}.test.`), /over 63/);
  // 4 labels of 63 = 256 octets with the length octets, + root = 257 > 255.
  const long = [label63, label63, label63, 'a'.repeat(61)].join('.') + '.';
  assert.equal(nameWireLength(nameFromText(long)), 255);
  assert.throws(() => nameFromText('a.' + long), /over 255/);
  assert.throws(() => nameFromText('b', long.slice(0, -1)), /over 255/, 'the origin counts too');
});

test('nameFromText: empty labels, broken escapes and empty text are NameErrors', () => {
  for (const bad of ['a..b.', '.a.', '', 'a\\', 'a\\25', 'a\\256.', 'a\\2x5.']) {
    assert.throws(() => nameFromText(bad), NameError, bad);
  }
});

test('nameToText and canonicalName', () => {
  assert.equal(nameToText(''), '.');
  assert.equal(nameToText('Example.Test'), 'Example.Test.');
  assert.equal(canonicalName('MiXeD.Example.TEST'), 'mixed.example.test');
  assert.equal(canonicalName('A\\032B'), 'a\\032b');
});

test('isInZone compares label-wise and ignores case', () => {
  assert.equal(isInZone('example.test', 'example.test'), true);
  assert.equal(isInZone('Mail.EXAMPLE.test', 'example.TEST'), true);
  assert.equal(isInZone('xexample.test', 'example.test'), false);
  assert.equal(isInZone('test', 'example.test'), false);
  assert.equal(isInZone('anything', ''), true, 'everything is in the root');
  assert.equal(isInZone('a\\.example.test', 'example.test'), false, 'labels "a.example" and "test"');
  assert.equal(isInZone('x.a\\.example.test', 'a\\.example.test'), true);
  assert.equal(isInZone('x.a\\.example.test', 'example.test'), false);
  assert.equal(isInZone('a\\\\.example.test', 'example.test'), true, 'an escaped backslash ends the label');
});

test('labels, parents and wire lengths', () => {
  assert.deepEqual(nameLabels(''), []);
  assert.deepEqual(nameLabels('www.example.test'), ['www', 'example', 'test']);
  assert.equal(labelCount(''), 0);
  assert.equal(labelCount('www.example.test'), 3);
  assert.equal(parentName('www.example.test'), 'example.test');
  assert.equal(parentName('test'), '');
  assert.equal(parentName(''), '');
  assert.equal(nameWireLength(''), 1);
  assert.equal(nameWireLength('www.example.test'), 18);
  assert.equal(nameWireLength('a\\.b\\255.test'), 11);
});

test('compareCanonical sorts as RFC 4034 §6.1 does', () => {
  // The example list of RFC 4034 §6.1, already in canonical order.
  const ordered = [
    'example',
    'a.example',
    'yljkjljk.a.example',
    'Z.a.example',
    'zABC.a.EXAMPLE',
    'z.example',
    '\\001.z.example',
    '*.z.example',
    '\\200.z.example',
  ];
  const shuffled = [...ordered].reverse();
  shuffled.push(shuffled.shift()!);
  assert.deepEqual(shuffled.sort(compareCanonical), ordered);
  assert.equal(compareCanonical('A.example', 'a.EXAMPLE'), 0);
  assert.ok(compareCanonical('', 'example') < 0, 'the root sorts first');
});
