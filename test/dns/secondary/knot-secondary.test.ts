// Must show of issue 8: a Knot primary → Postern as its secondary. Postern transfers the zone
// and answers with authority; a change at Knot reaches Postern by NOTIFY and IXFR; a restarted
// Postern serves its stored copy before it reaches the primary; with the primary gone the zone
// answers SERVFAIL once the SOA expire time has passed; a NOTIFY from anyone else is REFUSED.

import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { storedCopyPath } from '../../../src/dns/secondary/stored-copy.ts';
import { startDnsService, type DnsService, type DnsZoneConfig } from '../../../src/dns/server/service.ts';
import { decodeMessage } from '../../../src/dns/wire/decode.ts';
import { encodeMessage } from '../../../src/dns/wire/encode.ts';
import { Opcode, RClass, Rcode } from '../../../src/dns/wire/model.ts';
import { RRType } from '../../../src/dns/wire/rrtypes.ts';
import { createLogger } from '../../../src/log/logger.ts';
import { dig, type DigResult, type Endpoint } from '../../helpers/dns.ts';
import { freePort, tempDir } from '../../helpers/postern-process.ts';
import { startKnotPrimary, type KnotKey, type KnotPrimary } from './knot-primary.ts';

const ZONE = 'sec.test';
// Short SOA timers so the test sees refresh, retry and expire: refresh 2, retry 1, expire 5.
const zoneText = [`$ORIGIN ${ZONE}.`, '$TTL 300', '@ SOA ns1 hostmaster 1 2 1 5 60', '@ NS ns1', 'ns1 A 127.0.0.2', 'www A 127.0.0.10', ''].join('\n');

/** Polls with dig until `done` holds (or the time is up), returning the last answer. */
async function digUntil(server: Endpoint, args: string[], done: (r: DigResult) => boolean, withinMs: number): Promise<DigResult> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const result = await dig(server, ['+norec', '+time=1', ...args]);
    if (done(result) || Date.now() > deadline) return result;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A NOTIFY for `zone` as a primary sends it (RFC 1996 §3.7), or an UPDATE with nothing to do, from `source`. */
function sendFrom(server: Endpoint, opcode: Opcode, zone: string, source: string): Promise<ReturnType<typeof decodeMessage> | undefined> {
  const query = encodeMessage({
    id: 4242,
    flags: { qr: false, opcode, aa: opcode === Opcode.NOTIFY, tc: false, rd: false, ra: false, ad: false, cd: false, rcode: 0 },
    questions: [{ name: zone, type: RRType.SOA, class: RClass.IN }],
    answers: [],
    authority: [],
    additional: [],
  });
  const socket = createSocket('udp4');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(undefined), 2000);
    const finish = (reply: Buffer | undefined): void => {
      clearTimeout(timer);
      socket.close();
      resolve(reply === undefined ? undefined : decodeMessage(reply));
    };
    socket.on('error', reject);
    socket.on('message', finish);
    socket.bind(0, source, () => socket.send(query, server.port, server.address));
  });
}

interface Scenario {
  title: string;
  workers: number;
  key?: KnotKey;
}

const scenarios: Scenario[] = [
  { title: 'unsigned transfers, one process', workers: 1 },
  { title: 'unsigned transfers, two cluster workers', workers: 2 },
  { title: 'TSIG-signed SOA queries, transfers and NOTIFY, one process', workers: 1, key: { name: 'xfr-key', algorithm: 'hmac-sha256', secret: Buffer.from('a transfer key of thirty-two bytes').toString('base64') } },
];

for (const scenario of scenarios) {
  describe(`Knot primary → Postern secondary (${scenario.title})`, () => {
    const cleanups: (() => unknown)[] = [];
    const logs: Record<string, unknown>[] = [];
    const logger = createLogger(
      { level: 'info', format: 'json' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logs.push(JSON.parse(line) as Record<string, unknown>);
          done();
        },
      }),
    );
    const dataDir = tempDir('postern-secondary-');
    let knot: KnotPrimary;
    let postern: Endpoint;
    let service: DnsService | undefined;
    let zones: DnsZoneConfig[];

    const start = async (): Promise<void> => {
      // An update processor with no dynamic zones: UPDATE messages reach it, as they would in production.
      const updates = { zones: [] };
      service = await startDnsService({ listen: [postern], zones, workers: scenario.workers, tcpIdleTimeoutMs: 5000, maxTcpConnections: 50, updates, logger });
    };

    before(async () => {
      postern = { address: '127.0.0.1', port: await freePort() };
      knot = await startKnotPrimary({ after: (fn) => cleanups.push(fn) }, { zone: ZONE, text: zoneText, secondary: postern, key: scenario.key });
      zones = [{ name: ZONE, file: storedCopyPath(dataDir.path, ZONE), secondary: { primaries: [{ ...knot.endpoint, key: scenario.key }], allowNotify: { rules: ['127.0.0.3'], keys: [] } } }];
      await start();
    });

    after(async () => {
      await service?.close();
      for (const cleanup of cleanups.reverse()) await cleanup();
      dataDir.remove();
    });

    test('the zone is transferred and answered with authority', async () => {
      const result = await digUntil(postern, ['www.sec.test', 'A'], (r) => r.status === 'NOERROR', 5000);
      assert.equal(result.status, 'NOERROR', result.text);
      assert.ok(result.flags.has('aa'), result.text);
      assert.deepEqual(result.answer.map((r) => r.data), ['127.0.0.10']);
    });

    test('a change at the primary arrives by NOTIFY and IXFR within seconds', async () => {
      await knot.change(['www A 127.0.0.10'], ['www 300 A 127.0.0.11', 'mail 300 A 127.0.0.12']);
      const result = await digUntil(postern, ['mail.sec.test', 'A'], (r) => r.status === 'NOERROR', 5000);
      assert.deepEqual(result.answer.map((r) => r.data), ['127.0.0.12'], result.text);
      assert.ok(result.flags.has('aa'));
      const www = await dig(postern, ['+norec', 'www.sec.test', 'A']);
      assert.deepEqual(www.answer.map((r) => r.data), ['127.0.0.11']);
      assert.ok(logs.some((l) => l.msg === 'NOTIFY from a primary; checking the zone now' && l.zone === ZONE), 'Knot notified Postern');
      const transfer = logs.find((l) => l.msg === 'secondary zone transferred' && l.serial === 2);
      assert.equal(transfer?.transfer, 'IXFR', JSON.stringify(transfer));
    });

    test('a NOTIFY from an address that is not a primary (nor in allowNotify) is REFUSED', async () => {
      const reply = await sendFrom(postern, Opcode.NOTIFY, ZONE, '127.0.0.2');
      assert.equal(reply?.flags.rcode, Rcode.REFUSED);
      assert.equal(reply?.flags.opcode, Opcode.NOTIFY);
      const forOtherZone = await sendFrom(postern, Opcode.NOTIFY, 'other.test', '127.0.0.1');
      assert.equal(forOtherZone?.flags.rcode, Rcode.REFUSED);
      const allowed = await sendFrom(postern, Opcode.NOTIFY, ZONE, '127.0.0.3');
      assert.equal(allowed?.flags.rcode, Rcode.NOERROR, 'allowNotify admits 127.0.0.3');
      assert.equal(allowed?.flags.aa, true);
    });

    test('the secondary zone takes no dynamic update', async () => {
      const reply = await sendFrom(postern, Opcode.UPDATE, ZONE, '127.0.0.1');
      assert.ok(reply?.flags.rcode === Rcode.REFUSED || reply?.flags.rcode === Rcode.NOTAUTH, `rcode ${reply?.flags.rcode}`);
    });

    test('after a restart the stored copy is served before the primary is reached', async () => {
      await knot.stop();
      await service!.close();
      service = undefined;
      await start();
      const result = await dig(postern, ['+norec', 'mail.sec.test', 'A']);
      assert.equal(result.status, 'NOERROR', result.text);
      assert.ok(result.flags.has('aa'));
      assert.deepEqual(result.answer.map((r) => r.data), ['127.0.0.12']);
    });

    test('with the primary gone, the zone answers SERVFAIL once expire has passed', async () => {
      const result = await digUntil(postern, ['www.sec.test', 'A'], (r) => r.status === 'SERVFAIL', 8000);
      assert.equal(result.status, 'SERVFAIL', result.text);
      assert.equal(result.answer.length, 0);
    });
  });
}
