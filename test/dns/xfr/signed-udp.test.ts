// A signed answer over UDP must fit the client's limit with its TSIG (RFC 8945 §5.3): one that
// would not goes as the question alone with TC set, still signed, and the client retries over TCP.
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
import { silentLogger } from '../../../src/log/logger.ts';
import { KEYS } from './helpers.ts';

const soa = { name: 'example.test', type: RRType.SOA, class: RClass.IN, ttl: 300, data: { mname: 'ns1.example.test', rname: 'h.example.test', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 1 } };
const txt = (name: string, length: number) => ({ name, type: RRType.TXT, class: RClass.IN, ttl: 300, data: { strings: [Buffer.alloc(length / 2, 'x'), Buffer.alloc(length / 2, 'y')] } });

test('signed UDP answers: those that fit are signed whole, those that would not fit with the TSIG go truncated', () => {
  const zone = ZoneSnapshot.fromRecords('example.test', [soa, txt('small.example.test', 100), txt('edge.example.test', 420)]);
  const responder = new Responder(new ZoneSet([zone]), silentLogger());
  const handler = withTransfersAndTsig(responder.respond, { transfers: new ZoneTransfers(new TransferPolicy(), () => responder.zones, silentLogger()), keys: keyRing(KEYS), logger: silentLogger() });
  for (const spec of KEYS) {
    for (const [name, truncated] of [['small.example.test', false], ['edge.example.test', true]] as const) {
      const exchange = signedExchange(tsigKey(spec));
      const query = exchange.sign(
        encodeMessage({
          id: 99,
          flags: { qr: false, opcode: Opcode.QUERY, aa: false, tc: false, rd: false, ra: false, ad: false, cd: false, rcode: 0 },
          questions: [{ name, type: RRType.TXT, class: RClass.IN }],
          answers: [],
          authority: [],
          additional: [],
        }),
      );
      const unsignedSize = (responder.respond(query, 'udp', '127.0.0.1') ?? Buffer.alloc(0)).length;
      const reply = handler(query, 'udp', '127.0.0.1') as Buffer;
      assert.ok(reply.length <= 512, `${spec.algorithm} ${name}: ${reply.length} octets (unsigned answer ${unsignedSize})`);
      exchange.verify(reply);
      const decoded = decodeMessage(reply);
      assert.equal(decoded.flags.tc, truncated, `${spec.algorithm} ${name}: unsigned answer ${unsignedSize} octets`);
      assert.equal(decoded.answers.length, truncated ? 0 : 1);
      assert.equal(decoded.questions[0]?.name, name);
    }
  }
});
