// Abuse resistance as a client sees it: a UDP flood from one network is cut to the configured
// rate, every second dropped answer slipping out as an empty TC=1 reply; exempt networks are
// never limited; a TCP connection gets a bounded number of answers and is then closed.

import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Counter, DnsCounters } from '../../../src/dns/server/counters.ts';
import { startDnsService, type DnsService } from '../../../src/dns/server/service.ts';
import { decodeMessage } from '../../../src/dns/wire/decode.ts';
import { encodeMessage } from '../../../src/dns/wire/encode.ts';
import { Opcode, Rcode, type Message } from '../../../src/dns/wire/model.ts';
import { RRType } from '../../../src/dns/wire/rrtypes.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { dig, tcpExchange, tcpFrame, type Endpoint } from '../../helpers/dns.ts';
import { tempDir } from '../../helpers/postern-process.ts';

const query = (id: number): Buffer =>
  encodeMessage({
    id,
    flags: { qr: false, opcode: Opcode.QUERY, aa: false, tc: false, rd: false, ra: false, ad: false, cd: false, rcode: 0 },
    questions: [{ name: 'www.example.test', type: RRType.A, class: 1 }],
    answers: [],
    authority: [],
    additional: [],
  });

/** Sends `count` queries as fast as one socket can and collects the replies for a while. */
async function flood(server: Endpoint, count: number): Promise<Message[]> {
  const socket = createSocket('udp4');
  const replies: Message[] = [];
  socket.on('message', (reply) => replies.push(decodeMessage(reply)));
  await new Promise<void>((done) => socket.bind(0, '127.0.0.1', done));
  for (let id = 1; id <= count; id++) socket.send(query(id), server.port, server.address);
  await new Promise((done) => setTimeout(done, 500));
  socket.close();
  return replies;
}

describe('rate limiting and TCP bounds', () => {
  const dir = tempDir('postern-rrl-');
  const zoneFile = join(dir.path, 'example.test.zone');
  const services: DnsService[] = [];
  const counters = new DnsCounters();
  let limited: Endpoint;
  let exempt: Endpoint;
  after(async () => {
    await Promise.all(services.map((s) => s.close()));
    dir.remove();
  });

  before(async () => {
    writeFileSync(zoneFile, ['$ORIGIN example.test.', '@ 300 IN SOA ns hostmaster 1 3600 600 86400 60', '@ 300 IN NS ns', 'ns 300 IN A 127.0.0.1', 'www 300 IN A 192.0.2.1', ''].join('\n'));
    const start = async (exemptList: string[]) => {
      const service = await startDnsService({
        listen: [{ address: '127.0.0.1', port: 0 }],
        zones: [{ name: 'example.test', file: zoneFile }],
        workers: 1,
        tcpIdleTimeoutMs: 5000,
        maxTcpConnections: 10,
        maxTcpQueriesPerConnection: 5,
        stages: { counters, rateLimit: { responsesPerSecond: 10, slip: 2, exempt: exemptList } },
        logger: silentLogger(),
      });
      services.push(service);
      return service.endpoints[0];
    };
    limited = await start([]);
    exempt = await start(['127.0.0.0/8']);
  });

  test('a UDP flood is cut to the rate, and every second dropped answer slips out truncated', async () => {
    const replies = await flood(limited, 60);
    const answers = replies.filter((r) => !r.flags.tc);
    const slipped = replies.filter((r) => r.flags.tc);
    // A burst of 10, and 10 a second after it (more on a machine slow to send the flood).
    assert.ok(answers.length >= 10 && answers.length <= 20, `${answers.length} answers`);
    assert.ok(Math.abs(slipped.length - (60 - answers.length) / 2) <= 1, `${slipped.length} truncated of ${60 - answers.length} limited`);
    for (const reply of slipped) {
      assert.equal(reply.flags.rcode, Rcode.NOERROR);
      assert.deepEqual(reply.questions, [{ name: 'www.example.test', type: RRType.A, class: 1 }]);
      assert.equal(reply.answers.length + reply.authority.length + reply.additional.length, 0);
    }
    const snapshot = counters.snapshot();
    assert.equal(snapshot[Counter.RATE_LIMIT_SLIPPED], slipped.length);
    assert.equal(snapshot[Counter.RATE_LIMIT_DROPPED], 60 - answers.length - slipped.length);
  });

  test('a limited client still gets its answer: dig retries over TCP, which is not limited', async () => {
    await flood(limited, 30);
    const r = await dig(limited, ['+tries=3', 'www.example.test', 'A']);
    assert.equal(r.answer[0]?.data, '192.0.2.1', r.text);
  });

  test('an exempt network is never limited', async () => {
    const replies = await flood(exempt, 60);
    assert.equal(replies.filter((r) => !r.flags.tc).length, 60);
  });

  test('a TCP connection gets its first five answers, then is closed', async () => {
    const pipelined = Buffer.concat(Array.from({ length: 8 }, (_, i) => tcpFrame(query(i + 1))));
    const started = Date.now();
    const replies = await tcpExchange(limited, pipelined, 8, { timeoutMs: 10_000 });
    assert.deepEqual(replies.map((r) => decodeMessage(r).id), [1, 2, 3, 4, 5]);
    assert.ok(Date.now() - started < 5000, 'the server closed the connection (the client did not wait out its timeout)');
  });
});
