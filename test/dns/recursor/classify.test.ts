// What the recursor believes from one server's reply: only records inside the zone it asked
// (its bailiwick), glue only for the delegated hosts and inside that zone, referrals only
// downwards towards the name.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyReply } from '../../../src/dns/recursor/classify.ts';
import { Opcode, Rcode, type Message, type ResourceRecord } from '../../../src/dns/wire/model.ts';
import { RRType } from '../../../src/dns/wire/rrtypes.ts';

const rr = (name: string, type: number, data: Record<string, unknown>, ttl = 300): ResourceRecord => ({ name, type, class: 1, ttl, data: data as ResourceRecord['data'] });
const a = (name: string, address: string) => rr(name, RRType.A, { address });
const ns = (name: string, host: string) => rr(name, RRType.NS, { nsdname: host });
const soa = (name: string) => rr(name, RRType.SOA, { mname: `ns.${name}`, rname: `hostmaster.${name}`, serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: 60 });

function reply(sections: Partial<Pick<Message, 'answers' | 'authority' | 'additional'>>, rcode = Rcode.NOERROR, aa = true): Message {
  return {
    id: 1,
    flags: { qr: true, opcode: Opcode.QUERY, aa, tc: false, rd: false, ra: false, ad: false, cd: false, rcode },
    questions: [],
    answers: sections.answers ?? [],
    authority: sections.authority ?? [],
    additional: sections.additional ?? [],
  };
}

test('a referral keeps the glue for its hosts inside the delegating zone and nothing else', () => {
  const step = classifyReply(
    reply({
      authority: [ns('leaf.test', 'ns1.leaf.test'), ns('leaf.test', 'ns.elsewhere.example')],
      additional: [a('ns1.leaf.test', '192.0.2.1'), a('ns.elsewhere.example', '198.51.100.66'), a('www.bank.test', '198.51.100.66')],
    }, Rcode.NOERROR, false),
    'test',
    'www.leaf.test',
    RRType.A,
  );
  assert.equal(step.kind, 'referral');
  assert.ok(step.kind === 'referral');
  assert.equal(step.cut, 'leaf.test');
  assert.deepEqual(step.glue.map((g) => g.name), ['ns1.leaf.test'], 'no glue outside test, none for a name that is no host of the delegation');
});

test('a referral sideways or upwards is lame', () => {
  const sideways = reply({ authority: [ns('other.test', 'ns1.other.test')] }, Rcode.NOERROR, false);
  assert.equal(classifyReply(sideways, 'test', 'www.leaf.test', RRType.A).kind, 'lame');
  const upwards = reply({ authority: [ns('test', 'ns1.test')] }, Rcode.NOERROR, false);
  assert.equal(classifyReply(upwards, 'leaf.test', 'www.leaf.test', RRType.A).kind, 'lame');
  const outOfZone = reply({ authority: [ns('bank.example', 'ns.bank.example')] }, Rcode.NOERROR, false);
  assert.equal(classifyReply(outOfZone, 'test', 'www.bank.example', RRType.A).kind, 'lame');
});

test('answers hold only the chain from the name inside the zone; extra records are dropped', () => {
  const step = classifyReply(
    reply({
      answers: [rr('www.leaf.test', RRType.CNAME, { target: 'web.leaf.test' }), a('web.leaf.test', '192.0.2.10'), a('www.bank.example', '198.51.100.66'), a('unrelated.leaf.test', '198.51.100.67')],
    }),
    'leaf.test',
    'www.leaf.test',
    RRType.A,
  );
  assert.equal(step.kind, 'cname');
  assert.ok(step.kind === 'cname');
  assert.deepEqual(step.chain.map((set) => set.map((r) => `${r.name} ${r.type}`)), [['www.leaf.test 5'], ['web.leaf.test 1']]);
});

test('a CNAME to another zone ends the chain at the zone edge: the target is asked of its own servers', () => {
  const step = classifyReply(reply({ answers: [rr('away.leaf.test', RRType.CNAME, { target: 'www.bank.example' }), a('www.bank.example', '198.51.100.66')] }), 'leaf.test', 'away.leaf.test', RRType.A);
  assert.ok(step.kind === 'cname');
  assert.deepEqual(step.chain.flat().map((r) => r.name), ['away.leaf.test']);
});

test('negative answers carry the SOA of the zone asked, not one planted for another zone', () => {
  const nx = classifyReply(reply({ authority: [soa('leaf.test')] }, Rcode.NXDOMAIN), 'leaf.test', 'nothing.leaf.test', RRType.A);
  assert.deepEqual(nx.kind === 'nxdomain' && nx.soa?.name, 'leaf.test');
  const planted = classifyReply(reply({ authority: [soa('bank.example')] }, Rcode.NXDOMAIN), 'leaf.test', 'nothing.leaf.test', RRType.A);
  assert.deepEqual(planted, { kind: 'nxdomain', soa: undefined });
  const nodata = classifyReply(reply({ authority: [soa('leaf.test')] }), 'leaf.test', 'www.leaf.test', RRType.MX);
  assert.equal(nodata.kind, 'nodata');
});

test('error rcodes are lame', () => {
  for (const rcode of [Rcode.SERVFAIL, Rcode.REFUSED, Rcode.FORMERR, Rcode.NOTIMP]) {
    assert.equal(classifyReply(reply({}, rcode), 'test', 'www.test', RRType.A).kind, 'lame');
  }
});
