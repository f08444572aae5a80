// NOTIFY out against small UDP targets: retried until answered, given up after the last try,
// signed with the target's key and the answer's signature checked.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { NotifySender, type NotifyTarget } from '../../../src/dns/server/notify-out.ts';
import { keyRing } from '../../../src/dns/tsig/keys.ts';
import { checkRequest } from '../../../src/dns/tsig/server.ts';
import { decodeMessage } from '../../../src/dns/wire/decode.ts';
import { encodeMessage } from '../../../src/dns/wire/encode.ts';
import { Opcode, Rcode } from '../../../src/dns/wire/model.ts';
import { RRType } from '../../../src/dns/wire/rrtypes.ts';
import { createLogger } from '../../../src/log/logger.ts';
import { KEYS } from './helpers.ts';

function recordingLogger(): { logger: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level: 'info', format: 'json' }, sink), lines };
}

/** A UDP target that hands each NOTIFY to `reply` (undefined: no answer) and counts them. */
async function target(t: { after: (fn: () => void) => void }, reply: (query: Buffer, n: number) => Buffer | undefined): Promise<{ endpoint: NotifyTarget; received: Buffer[] }> {
  const socket: Socket = createSocket('udp4');
  const received: Buffer[] = [];
  socket.on('message', (query, from) => {
    received.push(query);
    const answer = reply(query, received.length);
    if (answer) socket.send(answer, from.port, from.address);
  });
  await new Promise<void>((done) => socket.bind(0, '127.0.0.1', done));
  t.after(() => socket.close());
  return { endpoint: { address: '127.0.0.1', port: socket.address().port }, received };
}

function answerTo(query: Buffer, rcode: number = Rcode.NOERROR): Buffer {
  const notify = decodeMessage(query);
  return encodeMessage({ ...notify, flags: { ...notify.flags, qr: true, rcode }, answers: [], authority: [], additional: [] });
}

test('a NOTIFY is retried until the target answers, and the answer is logged', async (t) => {
  const { endpoint, received } = await target(t, (query, n) => (n < 3 ? undefined : answerTo(query)));
  const { logger, lines } = recordingLogger();
  await new NotifySender(logger, { tries: 5, intervalMs: 150 }).notify('example.test', 7, [endpoint]);
  assert.equal(received.length, 3);
  const notify = decodeMessage(received[0]!);
  assert.equal(notify.flags.opcode, Opcode.NOTIFY);
  assert.equal(notify.flags.aa, true);
  assert.deepEqual(notify.questions, [{ name: 'example.test', type: RRType.SOA, class: 1 }]);
  const answered = lines.find((l) => l.msg === 'NOTIFY answered');
  assert.equal(answered?.attempt, 3);
  assert.equal(answered?.serial, 7);
});

test('a target that never answers gets every try, then a warning', async (t) => {
  const { endpoint, received } = await target(t, () => undefined);
  const { logger, lines } = recordingLogger();
  await new NotifySender(logger, { tries: 3, intervalMs: 100 }).notify('example.test', 8, [endpoint]);
  assert.equal(received.length, 3);
  assert.ok(lines.some((l) => String(l.msg).startsWith('NOTIFY not answered') && l.tries === 3));
});

test('a refusal is logged as such, not retried', async (t) => {
  const { endpoint, received } = await target(t, (query) => answerTo(query, Rcode.REFUSED));
  const { logger, lines } = recordingLogger();
  await new NotifySender(logger, { tries: 3, intervalMs: 100 }).notify('example.test', 9, [endpoint]);
  assert.equal(received.length, 1);
  assert.equal(lines.find((l) => l.msg === 'NOTIFY refused by the target')?.rcode, Rcode.REFUSED);
});

test('with a key the NOTIFY is signed and an answer that is not signed with it does not count', async (t) => {
  const keys = keyRing(KEYS);
  const signedAnswer = await target(t, (query) => {
    const check = checkRequest(query, keys);
    return check.kind === 'signed' ? check.signer.sign(answerTo(check.unsigned)) : undefined;
  });
  const unsignedAnswer = await target(t, (query) => answerTo(query));
  const { logger, lines } = recordingLogger();
  const key = KEYS[0]!;
  await new NotifySender(logger, { tries: 2, intervalMs: 100 }).notify('example.test', 10, [
    { ...signedAnswer.endpoint, key },
    { ...unsignedAnswer.endpoint, key },
  ]);
  assert.equal(signedAnswer.received.length, 1);
  assert.equal(checkRequest(signedAnswer.received[0]!, keys).kind, 'signed');
  assert.equal(lines.find((l) => l.msg === 'NOTIFY answered')?.target, `127.0.0.1:${signedAnswer.endpoint.port}`);
  const failed = lines.find((l) => String(l.msg).startsWith('NOTIFY not answered'));
  assert.equal(failed?.target, `127.0.0.1:${unsignedAnswer.endpoint.port}`);
  assert.match(String(failed?.error), /unsigned/);
});
