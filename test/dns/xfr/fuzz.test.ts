// 120,000 mutated AXFR, IXFR, NOTIFY and SOA queries, a third of them TSIG-signed before the
// mutation, through the transfer and TSIG stage in front of the responder: nothing throws, and
// every answer decodes as a response with the query's ID (several messages for a transfer).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Responder } from '../../../src/dns/server/responder.ts';
import { TransferPolicy, ZoneTransfers } from '../../../src/dns/server/zone-transfer.ts';
import { withTransfersAndTsig } from '../../../src/dns/server/zone-transfer-stage.ts';
import { signedExchange } from '../../../src/dns/tsig/client.ts';
import { keyRing, tsigKey } from '../../../src/dns/tsig/keys.ts';
import { decodeMessage } from '../../../src/dns/wire/decode.ts';
import { encodeMessage } from '../../../src/dns/wire/encode.ts';
import { Opcode, RClass } from '../../../src/dns/wire/model.ts';
import { RRType } from '../../../src/dns/wire/rrtypes.ts';
import { ZoneSet, ZoneSnapshot } from '../../../src/dns/zone/store.ts';
import { loadZoneFile } from '../../../src/dns/zone/load.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { KEYS, tempDir, writeZone } from './helpers.ts';

const CASES = 120_000;
const seed = Number(process.env.FUZZ_SEED ?? 0x7f5a);

/** xorshift32 from a fixed seed, so a failure can be replayed with FUZZ_SEED. */
function xorshift(start: number): (n: number) => number {
  let x = start >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

function seedMessages(): Buffer[] {
  const soa = { name: 'example.test', type: RRType.SOA, class: RClass.IN, ttl: 0, data: { mname: 'ns1.example.test', rname: 'h.example.test', serial: 5, refresh: 1, retry: 1, expire: 1, minimum: 1 } };
  const forms = [
    { opcode: Opcode.QUERY, type: RRType.AXFR, authority: [] },
    { opcode: Opcode.QUERY, type: RRType.IXFR, authority: [soa] },
    { opcode: Opcode.QUERY, type: RRType.IXFR, authority: [{ ...soa, data: { ...soa.data, serial: 7 } }] },
    { opcode: Opcode.QUERY, type: RRType.SOA, authority: [] },
    { opcode: Opcode.NOTIFY, type: RRType.SOA, authority: [] },
  ];
  const out: Buffer[] = [];
  let id = 1;
  for (const name of ['example.test', 'EXAMPLE.test', 'other.test', 'h1.example.test']) {
    for (const form of forms) {
      const plain = encodeMessage({
        id: id++,
        flags: { qr: false, opcode: form.opcode, aa: form.opcode === Opcode.NOTIFY, tc: false, rd: false, ra: false, ad: false, cd: false, rcode: 0 },
        questions: [{ name, type: form.type, class: RClass.IN }],
        answers: [],
        authority: form.authority,
        additional: [],
      });
      out.push(plain);
      for (const spec of [...KEYS, { ...KEYS[0]!, name: 'unknown-key' }]) out.push(signedExchange(tsigKey(spec)).sign(plain));
    }
  }
  return out;
}

function mutate(pick: (n: number) => number, pool: readonly Buffer[]): Buffer {
  const base = pool[pick(pool.length)]!;
  const p = Buffer.from(base);
  switch (pick(7)) {
    case 0: // bits anywhere
      for (let i = 0, n = 1 + pick(6); i < n; i++) p[pick(p.length)]! ^= 1 << pick(8);
      return p;
    case 1: // a byte in the last 80: mostly the TSIG (MAC, time, lengths, error) when there is one
      p[Math.max(0, p.length - 1 - pick(80))] = pick(256);
      return p;
    case 2: // cut short
      return p.subarray(0, pick(p.length));
    case 3: // counts
      p[5 + 2 * pick(4)] = pick(4);
      return p;
    case 4: // a signed message's TSIG moved before bytes from another message
      return Buffer.concat([p, pool[pick(pool.length)]!.subarray(12 + pick(20))]);
    case 5: // the header's ID, flags and opcode
      p[pick(4)] = pick(256);
      return p;
    default: // the time signed of a TSIG shifted, if the tail has one
      if (p.length > 40) p.writeUInt16BE(pick(0x10000), p.length - 40);
      return p;
  }
}

test(`${CASES} mutated AXFR, IXFR, NOTIFY and SOA queries, some signed: no throw, well-formed answers (seed ${seed})`, async (t) => {
  const dir = await tempDir(t);
  const loaded = await loadZoneFile(await writeZone(dir, 'example.test', 6, 20), 'example.test');
  const responder = new Responder(new ZoneSet([ZoneSnapshot.fromRecords('example.test', loaded.records)]), silentLogger());
  const policy = new TransferPolicy();
  policy.configure([{ name: 'example.test', allowTransfer: ['key:xfr-key', '127.0.0.2'] }]);
  const handler = withTransfersAndTsig(responder.respond, { transfers: new ZoneTransfers(policy, () => responder.zones, silentLogger()), keys: keyRing(KEYS), logger: silentLogger() });
  const pick = xorshift(seed);
  const pool = seedMessages();
  const outcomes = { dropped: 0, single: 0, transfers: 0 };
  for (let i = 0; i < CASES; i++) {
    const query = mutate(pick, pool);
    const transport = i % 3 === 0 ? 'udp' : 'tcp';
    const client = i % 5 === 0 ? '127.0.0.2' : '127.0.0.1';
    let answer;
    try {
      answer = handler(query, transport, client);
      assert.ok(!(answer instanceof Promise), 'answered synchronously');
      if (answer === undefined) {
        outcomes.dropped++;
        continue;
      }
      const messages = Array.isArray(answer) ? answer : [answer];
      if (Array.isArray(answer)) outcomes.transfers++;
      else outcomes.single++;
      for (const message of messages) {
        const decoded = decodeMessage(message);
        assert.equal(decoded.flags.qr, true);
        assert.equal(decoded.id, query.readUInt16BE(0));
        if (transport === 'tcp') assert.ok(message.length <= 65535);
      }
    } catch (err) {
      assert.fail(`case ${i} (${transport}, ${client}, ${query.toString('hex')}): ${(err as Error).stack}`);
    }
  }
  t.diagnostic(JSON.stringify(outcomes));
  // The mutations must leave enough intact to reach the transfers, not only the error paths.
  assert.ok(outcomes.transfers > 1000, JSON.stringify(outcomes));
  assert.ok(outcomes.single > CASES / 2, JSON.stringify(outcomes));
});
