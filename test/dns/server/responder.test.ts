// The fast path (pre-encoded answers) must answer exactly as the full path does.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { parsePlainQuery } from '../../../src/dns/server/plain-query.ts';
import { Responder } from '../../../src/dns/server/responder.ts';
import { decodeMessage } from '../../../src/dns/wire/decode.ts';
import { encodeMessage } from '../../../src/dns/wire/encode.ts';
import type { Edns, Message, ResourceRecord } from '../../../src/dns/wire/model.ts';
import { RRType } from '../../../src/dns/wire/rrtypes.ts';
import { loadZoneFile } from '../../../src/dns/zone/load.ts';
import { ZoneSet, ZoneSnapshot } from '../../../src/dns/zone/store.ts';
import { silentLogger } from '../../../src/log/logger.ts';

const FIXTURE = resolve(import.meta.dirname, '../../fixtures/zones/example.test.zone');
const loaded = await loadZoneFile(FIXTURE, 'example.test');
const zones = new ZoneSet([ZoneSnapshot.fromRecords(loaded.origin, loaded.records)]);

function query(name: string, type: number, opts: { id?: number; rd?: boolean; cd?: boolean; edns?: Edns } = {}): Buffer {
  return encodeMessage({
    id: opts.id ?? 1,
    flags: { qr: false, opcode: 0, aa: false, tc: false, rd: opts.rd ?? true, ra: false, ad: false, cd: opts.cd ?? false, rcode: 0 },
    questions: [{ name, type, class: 1 }],
    answers: [],
    authority: [],
    additional: [],
    edns: opts.edns,
  });
}

const edns = (dnssecOk: boolean, options: Edns['options'] = []): Edns => ({ udpSize: 1232, extendedRcode: 0, version: 0, dnssecOk, options });
const PADDING = { code: 12, data: Buffer.alloc(4) };

/** What a client sees of a response, apart from EDNS options. */
function visible(m: Message): unknown {
  const rr = (r: ResourceRecord): string => `${r.name.toLowerCase()} ${r.ttl} ${r.type} ${JSON.stringify(r.data, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`;
  return { id: m.id, flags: m.flags, questions: m.questions, answers: m.answers.map(rr), authority: m.authority.map(rr), additional: m.additional.map(rr), edns: m.edns && { ...m.edns, options: [] } };
}

const NAMES = ['www.example.test', 'WWW.Example.Test', 'example.test', 'mx1.example.test', 'nothing.example.test', 'alias.example.test', 'x.wild.example.test', 'www.sub.example.test', 'sub.example.test', 'info.example.test', 'www.example.org', '_submission._tcp.example.test'];
const TYPES = [RRType.A, RRType.AAAA, RRType.MX, RRType.TXT, RRType.NS, RRType.SOA, RRType.ANY, RRType.SRV, RRType.DS, RRType.CNAME];

test('plain queries take the fast path; anything unusual does not', () => {
  assert.ok(parsePlainQuery(query('www.example.test', RRType.A)));
  assert.ok(parsePlainQuery(query('www.example.test', RRType.A, { edns: edns(true) })));
  assert.equal(parsePlainQuery(query('www.example.test', RRType.A, { edns: edns(false, [PADDING]) })), undefined);
  const chaos = query('version.bind', RRType.TXT);
  chaos.writeUInt16BE(3, chaos.length - 2);
  assert.equal(parsePlainQuery(chaos), undefined);
  const notify = query('www.example.test', RRType.SOA);
  notify[2] |= 4 << 3;
  assert.equal(parsePlainQuery(notify), undefined);
  assert.equal(parsePlainQuery(Buffer.concat([query('www.example.test', RRType.A), Buffer.from([0])])), undefined);
  const keyA = parsePlainQuery(query('WWW.example.test', RRType.A))!.key;
  assert.equal(keyA, parsePlainQuery(query('www.EXAMPLE.test', RRType.A))!.key, 'the key ignores ASCII case');
  assert.notEqual(keyA, parsePlainQuery(query('www.example.test', RRType.A, { edns: edns(false) }))!.key);
});

test('fast-path answers equal full-path answers for every name, type and EDNS variant', () => {
  const responder = new Responder(zones, silentLogger());
  for (const name of NAMES) {
    for (const type of TYPES) {
      for (const variant of [undefined, edns(false), edns(true)]) {
        for (const transport of ['udp', 'tcp'] as const) {
          const plain = query(name, type, { edns: variant, id: 77 });
          const first = responder.respond(plain, transport, '127.0.0.1');
          const second = responder.respond(plain, transport, '127.0.0.1');
          const full = responder.respond(query(name, type, { edns: variant ? { ...variant, options: [PADDING] } : edns(false, [PADDING]), id: 77 }), transport, '127.0.0.1');
          assert.ok(first && second && full);
          assert.deepEqual(first, second, 'a cached answer is the same bytes');
          const fast = visible(decodeMessage(first));
          const slow = visible(decodeMessage(full)) as { edns?: Edns };
          if (variant === undefined) slow.edns = undefined;
          assert.deepEqual(fast, slow, `${name} ${type} ${variant ? `EDNS DO=${variant.dnssecOk}` : 'no EDNS'} ${transport}`);
        }
      }
    }
  }
});

test('a cached answer gets each query\'s ID, RD and CD bits and question case', () => {
  const responder = new Responder(zones, silentLogger());
  responder.respond(query('www.example.test', RRType.A, { id: 1, rd: true }), 'udp', '127.0.0.1');
  const reply = decodeMessage(responder.respond(query('WwW.eXaMpLe.TeSt', RRType.A, { id: 0xabcd, rd: false, cd: true }), 'udp', '127.0.0.1')!);
  assert.equal(reply.id, 0xabcd);
  assert.equal(reply.flags.rd, false);
  assert.equal(reply.flags.cd, true);
  assert.equal(reply.questions[0].name, 'WwW.eXaMpLe.TeSt');
  assert.deepEqual(reply.answers.map((r) => r.data.address), ['127.0.0.20']);
});

test('after a swap the cached answers of the old zones are gone', async () => {
  const responder = new Responder(zones, silentLogger());
  const ask = (): unknown => decodeMessage(responder.respond(query('www.example.test', RRType.A), 'udp', '127.0.0.1')!).answers.map((r) => r.data.address);
  assert.deepEqual(ask(), ['127.0.0.20']);
  const changed = loaded.records.map((r) => (r.name === 'www.example.test' && r.type === RRType.A ? { ...r, data: { address: '127.0.0.99' } } : r));
  responder.swap(new ZoneSet([ZoneSnapshot.fromRecords('example.test', changed)]));
  assert.deepEqual(ask(), ['127.0.0.99']);
});

test('a cached answer too large for the client\'s UDP size falls back to the full path and truncation', () => {
  const big = [...loaded.records, ...Array.from({ length: 12 }, (_, i) => ({ name: 'big.example.test', type: RRType.TXT, class: 1, ttl: 60, data: { strings: [Buffer.alloc(80, 0x61 + i)] } }))];
  const responder = new Responder(new ZoneSet([ZoneSnapshot.fromRecords('example.test', big)]), silentLogger());
  const overTcp = decodeMessage(responder.respond(query('big.example.test', RRType.TXT), 'tcp', '127.0.0.1')!);
  assert.equal(overTcp.answers.length, 12);
  const overUdp = decodeMessage(responder.respond(query('big.example.test', RRType.TXT), 'udp', '127.0.0.1')!);
  assert.equal(overUdp.flags.tc, true);
  const withEdns = decodeMessage(responder.respond(query('big.example.test', RRType.TXT, { edns: edns(false) }), 'udp', '127.0.0.1')!);
  assert.equal(withEdns.flags.tc, false);
  assert.equal(withEdns.answers.length, 12);
});
