// 100,000 mutated UPDATE messages through the update processor: nothing throws, every answer is
// a well-formed UPDATE response (or none for what cannot be read), and every update that is
// refused leaves the zone exactly as it was.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../../../src/log/logger.ts';
import { UpdateProcessor } from '../../../src/dns/update/processor.ts';
import { decodeMessage } from '../../../src/dns/wire/decode.ts';
import { encodeMessage } from '../../../src/dns/wire/encode.ts';
import { Opcode, RClass, Rcode, type Message } from '../../../src/dns/wire/model.ts';
import { loadZoneFile } from '../../../src/dns/zone/load.ts';
import { ZoneSet, ZoneSnapshot } from '../../../src/dns/zone/store.ts';
import { scratchDir } from '../../helpers/scratch-dirs.ts';

const CASES = Number(process.env.DNS_UPDATE_FUZZ_CASES ?? 100_000);
const seed = Number(process.env.DNS_UPDATE_FUZZ_SEED ?? Date.now() % 2 ** 31);

function prng(s: number): () => number {
  let state = s >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

const ZONE = `$ORIGIN dyn.test.
$TTL 300
@    SOA ns hostmaster 1 3600 600 86400 300
     NS  ns
ns   A   192.0.2.1
www  A   192.0.2.10
txt  TXT "hello"
`;

function updateMessage(id: number, prerequisites: Message['answers'], updates: Message['authority']): Buffer {
  return encodeMessage({
    id,
    flags: { qr: false, opcode: Opcode.UPDATE, aa: false, tc: false, rd: false, ra: false, ad: false, cd: false, rcode: 0 },
    questions: [{ name: 'dyn.test', type: 6, class: RClass.IN }],
    answers: prerequisites,
    authority: updates,
    additional: [],
  });
}

test(`${CASES} mutated UPDATE messages: no throw, well-formed answers, refused updates change nothing (seed ${seed})`, async (t) => {
  t.diagnostic(`seed ${seed} (DNS_UPDATE_FUZZ_SEED to replay)`);
  const random = prng(seed);
  const dir = await scratchDir();
  writeFileSync(join(dir, 'dyn.test.zone'), ZONE);
  const loaded = await loadZoneFile(join(dir, 'dyn.test.zone'), 'dyn.test');
  let zones = new ZoneSet([ZoneSnapshot.fromRecords('dyn.test', loaded.records)]);
  const processor = new UpdateProcessor({
    zones: [{ name: 'dyn.test', file: join(dir, 'dyn.test.zone'), journal: join(dir, 'dyn.test.jnl'), allow: () => true }],
    keys: new Map(),
    current: () => zones,
    publish: async (zone) => {
      zones = zones.with(zone);
    },
    exclusive: (work) => work(),
    logger: silentLogger(),
  });

  const seeds = [
    updateMessage(1, [], [{ name: 'new.dyn.test', type: 1, class: RClass.IN, ttl: 60, data: { address: '192.0.2.7' } }]),
    updateMessage(2, [{ name: 'www.dyn.test', type: 255, class: RClass.ANY, ttl: 0, data: {} }], [{ name: 'www.dyn.test', type: 1, class: RClass.NONE, ttl: 0, data: { address: '192.0.2.10' } }]),
    updateMessage(3, [{ name: 'txt.dyn.test', type: 16, class: RClass.IN, ttl: 0, data: { strings: [Buffer.from('hello')] } }], [{ name: 'txt.dyn.test', type: 255, class: RClass.ANY, ttl: 0, data: {} }]),
    updateMessage(4, [], [{ name: 'dyn.test', type: 6, class: RClass.IN, ttl: 300, data: { mname: 'ns.dyn.test', rname: 'h.dyn.test', serial: 99, refresh: 1, retry: 1, expire: 1, minimum: 1 } }]),
  ];
  let answered = 0;
  let applied = 0;
  for (let i = 0; i < CASES; i++) {
    const base = Buffer.from(seeds[Math.floor(random() * seeds.length)]!);
    const mutations = 1 + Math.floor(random() * 4);
    for (let m = 0; m < mutations; m++) {
      const at = Math.floor(random() * base.length);
      const kind = random();
      if (kind < 0.6) base[at] = Math.floor(random() * 256);
      else if (kind < 0.8) base[at] ^= 1 << Math.floor(random() * 8);
      else base[at] = [0, 0xff, 0x01, 0xc0][Math.floor(random() * 4)]!;
    }
    const query = random() < 0.05 ? base.subarray(0, Math.floor(random() * base.length)) : base;
    base[2] = (base[2]! & 0x87) | (Opcode.UPDATE << 3); // it stays an UPDATE: what the processor is handed
    const before = zones.get('dyn.test');
    const response = await processor.handle(query, '127.0.0.1');
    if (response === undefined) continue;
    answered++;
    const decoded = decodeMessage(response);
    assert.equal(decoded.flags.qr, true);
    assert.equal(decoded.flags.opcode, Opcode.UPDATE);
    if (decoded.flags.rcode !== Rcode.NOERROR) assert.equal(zones.get('dyn.test'), before, `a refused update (rcode ${decoded.flags.rcode}) changed the zone`);
    else if (zones.get('dyn.test') !== before) applied++;
  }
  t.diagnostic(`${answered} answered, ${applied} applied`);
  assert.ok(answered > CASES / 5, 'many mutations are still readable messages');
});
