import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RRType, classFromText, classToText, descriptorOf, typeFromText, typeToText } from '../../../src/dns/wire/rrtypes.ts';

test('type mnemonics both ways, TYPEnnn for the rest', () => {
  assert.equal(typeToText(RRType.MX), 'MX');
  assert.equal(typeToText(65400), 'TYPE65400');
  assert.equal(typeFromText('mx'), RRType.MX);
  assert.equal(typeFromText('Nsec3Param'), RRType.NSEC3PARAM);
  assert.equal(typeFromText('TYPE65400'), 65400);
  assert.equal(typeFromText('type15'), RRType.MX);
  for (const bad of ['FROB', 'TYPE', 'TYPE65536', 'TYPE-1', 'TYPE1x', '']) assert.equal(typeFromText(bad), undefined, bad);
  assert.equal(RRType.AXFR, 252);
  assert.equal(RRType.IXFR, 251);
  assert.equal(RRType.OPT, 41);
  assert.equal(RRType.TSIG, 250);
});

test('class mnemonics both ways, CLASSnnn for the rest', () => {
  assert.deepEqual([1, 3, 4, 254, 255, 9].map(classToText), ['IN', 'CH', 'HS', 'NONE', 'ANY', 'CLASS9']);
  assert.equal(classFromText('in'), 1);
  assert.equal(classFromText('CHAOS'), 3);
  assert.equal(classFromText('hesiod'), 4);
  assert.equal(classFromText('CLASS254'), 254);
  assert.equal(classFromText('XX'), undefined);
});

test('descriptors name their fields; compression only where RFC 1035 and RFC 3597 allow it', () => {
  assert.deepEqual(descriptorOf(RRType.MX)?.fields.map((f) => f.name), ['preference', 'exchange']);
  assert.equal(descriptorOf(RRType.OPT), undefined, 'OPT is Message.edns, not a record');
  assert.equal(descriptorOf(65400), undefined);
  const compression = (type: number): (string | undefined)[] =>
    descriptorOf(type)!.fields.filter((f) => f.kind === 'name').map((f) => f.compression);
  for (const type of [RRType.NS, RRType.CNAME, RRType.SOA, RRType.PTR, RRType.MX]) {
    assert.ok(compression(type).every((c) => c === 'both'), typeToText(type));
  }
  for (const type of [RRType.SRV, RRType.RP, RRType.AFSDB, RRType.NAPTR, RRType.DNAME]) {
    assert.ok(compression(type).every((c) => c === 'input'), typeToText(type));
  }
  for (const type of [RRType.RRSIG, RRType.NSEC, RRType.TSIG]) {
    assert.ok(compression(type).every((c) => c === 'none'), typeToText(type));
  }
});
