// Mutated queries (bit flips, truncations, splices, random counts, pointers, random bytes) from
// a fixed seed, thrown at the server over UDP and TCP and at the responder directly. Every reply
// must be a well-formed response to the query's ID, and the server must go on answering.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { resolve } from 'node:path';
import { after, test } from 'node:test';
import { Responder } from '../../../src/dns/server/responder.ts';
import { decodeMessage } from '../../../src/dns/wire/decode.ts';
import { encodeMessage } from '../../../src/dns/wire/encode.ts';
import type { Edns } from '../../../src/dns/wire/model.ts';
import { RRType } from '../../../src/dns/wire/rrtypes.ts';
import { loadZoneFile } from '../../../src/dns/zone/load.ts';
import { ZoneSet, ZoneSnapshot } from '../../../src/dns/zone/store.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { dig, startTestDnsServer, tcpExchange, tcpFrame } from '../../helpers/dns.ts';

const FIXTURE = resolve(import.meta.dirname, '../../fixtures/zones/example.test.zone');
const UDP_PACKETS = 100_000;
const TCP_PACKETS = 5_000;
const DIRECT_PACKETS = 100_000;

/** mulberry32: a small deterministic PRNG, so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seeds(): Buffer[] {
  const names = ['www.example.test', 'example.test', 'alias.example.test', 'x.wild.example.test', 'www.sub.example.test', 'nothing.example.test', 'info.example.test', 'www.example.org', ''];
  const types = [RRType.A, RRType.AAAA, RRType.MX, RRType.TXT, RRType.ANY, RRType.AXFR, RRType.SOA, RRType.NS, 65280];
  const ednsVariants: (Edns | undefined)[] = [
    undefined,
    { udpSize: 1232, extendedRcode: 0, version: 0, dnssecOk: false, options: [] },
    { udpSize: 4096, extendedRcode: 0, version: 0, dnssecOk: true, options: [{ code: 10, data: Buffer.from('0011223344556677', 'hex') }] },
    { udpSize: 512, extendedRcode: 0, version: 1, dnssecOk: false, options: [{ code: 12, data: Buffer.alloc(8) }] },
  ];
  const out: Buffer[] = [];
  let id = 1;
  for (const name of names) {
    for (const type of types) {
      for (const edns of ednsVariants) {
        out.push(
          encodeMessage({
            id: id++,
            flags: { qr: false, opcode: 0, aa: false, tc: false, rd: id % 2 === 0, ra: false, ad: false, cd: false, rcode: 0 },
            questions: [{ name, type, class: 1 }],
            answers: [],
            authority: [],
            additional: [],
            edns,
          }),
        );
      }
    }
  }
  return out;
}

function mutate(random: () => number, pool: Buffer[]): Buffer {
  const int = (n: number): number => Math.floor(random() * n);
  const base = pool[int(pool.length)];
  let p = Buffer.from(base);
  switch (int(8)) {
    case 0: {
      const flips = 1 + int(8);
      for (let i = 0; i < flips; i++) p[int(p.length)] ^= 1 << int(8);
      break;
    }
    case 1:
      p = p.subarray(0, int(p.length));
      break;
    case 2: {
      const other = pool[int(pool.length)];
      p = Buffer.concat([p.subarray(0, int(p.length)), other.subarray(int(other.length))]);
      break;
    }
    case 3:
      for (let i = 4; i < 12; i++) p[i] = random() < 0.5 ? int(4) : int(256);
      break;
    case 4: {
      const at = 12 + int(Math.max(1, p.length - 13));
      if (at + 1 < p.length) {
        p[at] = 0xc0 | int(64);
        p[at + 1] = int(256);
      }
      break;
    }
    case 5: {
      const at = int(p.length + 1);
      p = Buffer.concat([p.subarray(0, at), Buffer.from(Array.from({ length: 1 + int(40) }, () => int(256))), p.subarray(at)]);
      break;
    }
    case 6:
      p = Buffer.from(Array.from({ length: int(300) }, () => int(256)));
      break;
    default:
      for (let i = 0, n = 1 + int(6); i < n; i++) p[int(p.length)] = int(256);
  }
  return p;
}

/** A reply must decode, be a response, and carry the ID of the query it answers. */
function checkReply(reply: Buffer, query: Buffer | undefined): void {
  const msg = decodeMessage(reply);
  assert.equal(msg.flags.qr, true);
  if (query !== undefined) assert.equal(msg.id, query.readUInt16BE(0));
}

test(`the responder answers ${DIRECT_PACKETS} mutated queries with well-formed responses or drops them`, async () => {
  const loaded = await loadZoneFile(FIXTURE, 'example.test');
  const responder = new Responder(new ZoneSet([ZoneSnapshot.fromRecords(loaded.origin, loaded.records)]), silentLogger());
  const random = prng(0x5eed);
  const pool = seeds();
  let answered = 0;
  for (let i = 0; i < DIRECT_PACKETS; i++) {
    const query = mutate(random, pool);
    const reply = responder.respond(query, i % 4 === 0 ? 'tcp' : 'udp', '127.0.0.1');
    if (reply === undefined) continue;
    answered++;
    try {
      checkReply(reply, query);
    } catch (err) {
      assert.fail(`packet ${i} (${query.toString('hex')}): ${(err as Error).message}`);
    }
  }
  assert.ok(answered > DIRECT_PACKETS / 2, `${answered} answered`);
});

const { endpoint: server } = await startTestDnsServer({ after }, [{ name: 'example.test', file: FIXTURE }], { maxTcpConnections: 50 });

async function answersNormally(): Promise<void> {
  for (const tcp of [false, true]) {
    const r = await dig(server, [...(tcp ? ['+tcp'] : []), 'www.example.test', 'A']);
    assert.equal(r.status, 'NOERROR');
    assert.deepEqual(r.answer.map((x) => x.data), ['127.0.0.20']);
  }
}

test(`the server survives ${UDP_PACKETS} mutated UDP queries and still answers`, async () => {
  const random = prng(0xd15ea5e);
  const pool = seeds();
  const client = createSocket('udp4');
  let replies = 0;
  let bad = 0;
  client.on('message', (reply) => {
    replies++;
    try {
      checkReply(reply, undefined);
    } catch {
      bad++;
    }
  });
  await new Promise<void>((ok) => client.bind(0, '127.0.0.1', ok));
  // Small batches: libuv reads a few dozen datagrams per loop turn, and server and client
  // share this process's event loop.
  const BATCH = 25;
  for (let sent = 0; sent < UDP_PACKETS; sent += BATCH) {
    for (let i = 0; i < BATCH; i++) client.send(mutate(random, pool), server.port, server.address);
    await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setTimeout(r, 300));
  client.close();
  assert.equal(bad, 0, 'every reply is a well-formed response');
  // Most mutants get an answer; the kernel may drop some under load, so only a floor is checked.
  assert.ok(replies > UDP_PACKETS / 4, `${replies} replies`);
  await answersNormally();
});

test(`the server survives ${TCP_PACKETS} mutated TCP queries, broken framing included, and still answers`, async () => {
  const random = prng(0xbadc0de);
  const pool = seeds();
  const CONNECTIONS = 20;
  const perConnection = TCP_PACKETS / CONNECTIONS;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, c) => {
      const frames = Array.from({ length: perConnection }, () => tcpFrame(mutate(random, pool)));
      // Every fourth connection ends in a frame whose length promises more than is sent.
      if (c % 4 === 0) frames.push(Buffer.from([0xff, 0xff, 1, 2, 3]));
      const replies = await tcpExchange(server, Buffer.concat(frames), perConnection, { timeoutMs: 2000, chunks: 1 + (c % 5) });
      for (const reply of replies) checkReply(reply, undefined);
    }),
  );
  await answersNormally();
});
