// notifyNsHosts: the zone's own name servers get a NOTIFY on port 53 (those whose addresses the
// zone holds), never Postern's own addresses; names outside the zone are not guessed at.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../../../src/log/logger.ts';
import { startDnsService } from '../../../src/dns/server/service.ts';
import { decodeMessage } from '../../../src/dns/wire/decode.ts';
import { encodeMessage } from '../../../src/dns/wire/encode.ts';
import { Opcode } from '../../../src/dns/wire/model.ts';
import { scratchDir } from '../../helpers/scratch-dirs.ts';

const ZONE = `$ORIGIN ns.test.
$TTL 300
@    SOA ns1 hostmaster 7 3600 600 86400 300
     NS  ns1
     NS  ns0
     NS  ns.elsewhere.example.
ns1  A   127.0.0.77
ns0  A   127.0.0.1
`;

test('NOTIFY goes to the zone\'s own name servers on port 53 when notifyNsHosts is set', { skip: process.getuid?.() !== 0 ? 'binding port 53 needs root' : false }, async (t) => {
  const received: { zone: string; opcode: number }[] = [];
  const nameServer = createSocket('udp4');
  nameServer.on('message', (query, from) => {
    const message = decodeMessage(query);
    received.push({ zone: message.questions[0]!.name, opcode: message.flags.opcode });
    nameServer.send(encodeMessage({ ...message, flags: { ...message.flags, qr: true, aa: true } }), from.port, from.address);
  });
  await new Promise<void>((done) => nameServer.bind(53, '127.0.0.77', done));
  t.after(() => nameServer.close());

  const file = join(await scratchDir(), 'ns.test.zone');
  writeFileSync(file, ZONE);
  const dns = await startDnsService({
    listen: [{ address: '127.0.0.1', port: 0 }],
    zones: [{ name: 'ns.test', file, notifyNsHosts: true }],
    workers: 1,
    tcpIdleTimeoutMs: 5000,
    maxTcpConnections: 10,
    logger: silentLogger(),
  });
  t.after(() => dns.close());
  for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(received, [{ zone: 'ns.test', opcode: Opcode.NOTIFY }], 'one NOTIFY, to ns1 only (ns0 is our own address, the third is outside the zone)');
});
