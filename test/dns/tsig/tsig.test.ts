import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signedExchange } from '../../../src/dns/tsig/client.ts';
import { keyRing, tsigKey } from '../../../src/dns/tsig/keys.ts';
import { computeMac } from '../../../src/dns/tsig/mac.ts';
import { appendTsig } from '../../../src/dns/tsig/record.ts';
import { checkRequest } from '../../../src/dns/tsig/server.ts';
import { TsigError, TsigFailure } from '../../../src/dns/tsig/session.ts';
import { decodeMessage } from '../../../src/dns/wire/decode.ts';
import { encodeMessage } from '../../../src/dns/wire/encode.ts';
import { Opcode, Rcode, type Message } from '../../../src/dns/wire/model.ts';
import { RRType } from '../../../src/dns/wire/rrtypes.ts';

const SECRET = Buffer.from('a secret of thirty-two octets!!!').toString('base64');
const spec = { name: 'xfr-key', algorithm: 'hmac-sha256', secret: SECRET };
const keys = keyRing([spec, { name: 'other', algorithm: 'hmac-sha1', secret: SECRET }]);
const T = 1_800_000_000;
const at = (t: number) => () => t;

function message(id: number, qr: boolean, answers = 0): Buffer {
  const msg: Message = {
    id,
    flags: { qr, opcode: Opcode.QUERY, aa: qr, tc: false, rd: false, ra: false, ad: false, cd: false, rcode: 0 },
    questions: [{ name: 'example.test', type: RRType.AXFR, class: 1 }],
    answers: Array.from({ length: answers }, (_, i) => ({ name: `h${i}.example.test`, type: RRType.A, class: 1, ttl: 60, data: { address: `192.0.2.${i}` } })),
    authority: [],
    additional: [],
  };
  return encodeMessage(msg);
}

test('a signed request verifies, and a stream of signed answers verifies in order', () => {
  const client = signedExchange(tsigKey(spec), at(T));
  const request = client.sign(message(7, false));
  assert.equal(decodeMessage(request).additional[0]?.type, RRType.TSIG);
  const check = checkRequest(request, keys, at(T + 100));
  assert.equal(check.kind, 'signed');
  if (check.kind !== 'signed') return;
  assert.equal(check.key, 'xfr-key');
  assert.deepEqual(check.unsigned, message(7, false));
  const answers = [1, 2, 3].map((n) => check.signer.sign(message(7, true, n)));
  for (const answer of answers) client.verify(answer);
});

test('a stream may leave messages unsigned between signed ones; the first must be signed', () => {
  const client = signedExchange(tsigKey(spec), at(T));
  const check = checkRequest(client.sign(message(9, false)), keys, at(T));
  assert.equal(check.kind, 'signed');
  if (check.kind !== 'signed') return;
  client.verify(check.signer.sign(message(9, true, 1)));
  // Hand-made: two unsigned messages covered by the MAC of the next one (RFC 8945 §5.3.1).
  const plain = [message(9, true, 2), message(9, true, 3)];
  const last = message(9, true, 4);
  const fields = { keyName: 'xfr-key', algorithm: 'hmac-sha256', timeSigned: T, fudge: 300, mac: Buffer.alloc(0), originalId: 9, error: 0, otherData: Buffer.alloc(0) };
  const lastSigned = appendTsig(last, { ...fields, mac: computeMac(tsigKey(spec), fields, [...plain, last], check.signer.lastMac, true) });
  for (const m of plain) client.verify(m);
  client.verify(lastSigned);
  const fresh = signedExchange(tsigKey(spec), at(T));
  fresh.sign(message(9, false));
  assert.throws(() => fresh.verify(message(9, true, 1)), (e: TsigFailure) => e.error === 'UNSIGNED');
});

test('a tampered answer fails with BADSIG', () => {
  const client = signedExchange(tsigKey(spec), at(T));
  const check = checkRequest(client.sign(message(3, false)), keys, at(T));
  if (check.kind !== 'signed') return assert.fail(check.kind);
  const answer = check.signer.sign(message(3, true, 2));
  answer[answer.length - 60] ^= 1;
  assert.throws(() => client.verify(answer), TsigFailure);
});

test('BADSIG, BADKEY and BADTIME answers: NOTAUTH with the TSIG error, BADTIME signed with our time', () => {
  const wrong = signedExchange(tsigKey({ ...spec, secret: Buffer.from('another secret').toString('base64') }), at(T));
  const badSig = checkRequest(wrong.sign(message(1, false)), keys, at(T));
  assert.equal(badSig.kind, 'rejected');
  if (badSig.kind !== 'rejected') return;
  assert.equal(badSig.error, TsigError.BADSIG);
  const reply = decodeMessage(badSig.reply);
  assert.equal(reply.flags.rcode, Rcode.NOTAUTH);
  assert.equal(reply.id, 1);
  assert.equal(reply.additional[0]?.data.error, TsigError.BADSIG);
  assert.equal((reply.additional[0]?.data.mac as Buffer).length, 0);
  assert.throws(() => wrong.verify(badSig.reply), (e: TsigFailure) => e.error === TsigError.BADSIG);

  const unknown = signedExchange(tsigKey({ ...spec, name: 'nobody' }), at(T));
  const badKey = checkRequest(unknown.sign(message(2, false)), keys, at(T));
  assert.equal(badKey.kind === 'rejected' && badKey.error, TsigError.BADKEY);
  const wrongAlgorithm = signedExchange(tsigKey({ ...spec, algorithm: 'hmac-sha512' }), at(T));
  assert.equal(checkRequest(wrongAlgorithm.sign(message(2, false)), keys, at(T)).kind, 'rejected');

  const skewed = signedExchange(tsigKey(spec), at(T));
  const badTime = checkRequest(skewed.sign(message(4, false)), keys, at(T + 301));
  assert.equal(badTime.kind === 'rejected' && badTime.error, TsigError.BADTIME);
  if (badTime.kind !== 'rejected') return;
  const tsig = decodeMessage(badTime.reply).additional[0]!.data;
  assert.equal(tsig.timeSigned, T);
  assert.equal((tsig.otherData as Buffer).readUIntBE(0, 6), T + 301);
  assert.throws(() => skewed.verify(badTime.reply), (e: TsigFailure) => e.error === TsigError.BADTIME);
});

test('unsigned and malformed requests', () => {
  assert.equal(checkRequest(message(5, false), keys).kind, 'unsigned');
  const client = signedExchange(tsigKey(spec), at(T));
  const signed = client.sign(message(5, false));
  assert.equal(checkRequest(signed.subarray(0, signed.length - 3), keys).kind, 'malformed');
});

test('keys: unknown algorithms and secrets that are not base64 are refused, naming the key', () => {
  assert.throws(() => tsigKey({ ...spec, algorithm: 'hmac-md5' }), /xfr-key: unknown algorithm "hmac-md5"/);
  assert.throws(() => tsigKey({ ...spec, secret: 'not base64!' }), /xfr-key: expected the secret in base64/);
});
