// What a TSIG MAC covers (RFC 8945 §4.3): for a request, the message and the TSIG variables;
// for the first response, the request's MAC before that; for each later message of a stream
// (a zone transfer), the prior MAC, the messages since it, and only the timers.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { RClass } from '../wire/model.ts';
import { WireWriter } from '../wire/writer.ts';
import type { TsigKey } from './keys.ts';
import type { TsigFields } from './record.ts';

const writer = new WireWriter();

/** The MAC of `messages` (already without their TSIG, with the original ID). `prior` is the
 *  request's MAC (first response) or the previous message's (later ones); `timersOnly` for the
 *  later messages of a stream. */
export function computeMac(key: TsigKey, fields: TsigFields, messages: readonly Buffer[], prior: Buffer | undefined, timersOnly: boolean): Buffer {
  const hmac = createHmac(key.hash, key.secret);
  if (prior !== undefined) hmac.update(lengthPrefixed(prior));
  for (const message of messages) hmac.update(message);
  hmac.update(timersOnly ? timers(fields) : variables(key, fields));
  return hmac.digest();
}

export function sameMac(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function lengthPrefixed(mac: Buffer): Buffer {
  const out = Buffer.allocUnsafe(2 + mac.length);
  out.writeUInt16BE(mac.length, 0);
  mac.copy(out, 2);
  return out;
}

function variables(key: TsigKey, fields: TsigFields): Buffer {
  const w = writer;
  w.reset();
  w.name(key.name, false);
  w.u16(RClass.ANY);
  w.u32(0);
  w.name(key.algorithm, false);
  w.u48(fields.timeSigned);
  w.u16(fields.fudge);
  w.u16(fields.error);
  w.u16(fields.otherData.length);
  w.bytes(fields.otherData);
  return w.result();
}

function timers(fields: TsigFields): Buffer {
  const out = Buffer.allocUnsafe(8);
  out.writeUIntBE(fields.timeSigned, 0, 6);
  out.writeUInt16BE(fields.fudge, 6);
  return out;
}

