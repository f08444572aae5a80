// BIND's dig as a real peer: it sends its queries to a loopback UDP socket answered by our
// codec, and prints the records it decoded from our wire form. Its text must be ours.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { decodeMessage } from '../../../src/dns/wire/decode.ts';
import { isWellFormedCookie, EdnsOptionCode } from '../../../src/dns/wire/edns.ts';
import { encodeMessage } from '../../../src/dns/wire/encode.ts';
import type { Message, ResourceRecord } from '../../../src/dns/wire/model.ts';
import { typeFromText, typeToText } from '../../../src/dns/wire/rrtypes.ts';
import { rdataFromText, recordToText } from '../../../src/dns/wire/text.ts';
import { ORIGIN, RDATA_SAMPLES, rdataTokens } from './samples.ts';

const run = promisify(execFile);

// dig cannot query for TSIG (a meta type that must end a message), so it is left out.
const samples = [...RDATA_SAMPLES.filter((s) => s.type !== 'TSIG'), { type: 'TYPE65400', text: '\\# 3 ABCDEF' }];
const records = new Map<number, ResourceRecord>();
for (const s of samples) {
  const type = typeFromText(s.type)!;
  // BIND checks that an NSEC3 owner starts with a hash label.
  const owner = s.type === 'NSEC3' ? `2T7B4G4VSA5SMI47K61MV5BV1A22BOJR.${ORIGIN}` : `Host.${ORIGIN}`;
  records.set(type, { name: owner, type, class: 1, ttl: 300, data: rdataFromText(type, rdataTokens(s.text), ORIGIN) });
}

const server = createSocket('udp4');
const queries: Message[] = [];

before(async () => {
  server.on('message', (packet, peer) => {
    const query = decodeMessage(packet);
    queries.push(query);
    const question = query.questions[0];
    const answer = records.get(question.type);
    const reply: Message = {
      id: query.id,
      flags: { ...query.flags, qr: true, aa: true, ra: false, ad: false, rcode: answer ? 0 : 3 },
      questions: query.questions,
      answers: answer ? [answer] : [],
      authority: [],
      additional: [],
      edns: query.edns && { udpSize: 1232, extendedRcode: 0, version: 0, dnssecOk: false, options: [] },
    };
    server.send(encodeMessage(reply, { maxSize: query.edns ? Math.min(query.edns.udpSize, 1232) : 512 }), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
});

after(() => server.close());

test("dig reads our wire form of every type to the text we print, and we read dig's queries", async () => {
  const { port } = server.address() as AddressInfo;
  const args = ['@127.0.0.1', '-p', String(port), '+norec', '+noall', '+answer', '+tries=1', '+time=5', '+split=0'];
  for (const r of records.values()) args.push(r.name.toLowerCase(), typeToText(r.type));
  const { stdout } = await run('dig', args, { timeout: 60_000 });
  const normalise = (line: string): string => line.replace(/\s+/g, ' ').trim().toLowerCase();
  const digLines = stdout.split('\n').filter((l) => l.trim() !== '' && !l.startsWith(';')).map(normalise);
  const ourLines = [...records.values()].map((r) => normalise(recordToText(r)));
  assert.deepEqual(digLines.sort(), ourLines.sort());

  assert.equal(queries.length, samples.length);
  for (const q of queries) {
    assert.equal(q.questions[0].name, records.get(q.questions[0].type)?.name.toLowerCase());
    assert.equal(q.flags.rd, false);
    assert.ok(q.edns, 'dig sends EDNS');
    const cookie = q.edns.options.find((o) => o.code === EdnsOptionCode.COOKIE);
    assert.ok(cookie && isWellFormedCookie(cookie.data), 'and a well-formed client cookie');
  }
});
