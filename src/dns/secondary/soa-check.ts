// The refresh query (RFC 1034 §4.3.5): the primary's SOA serial for the zone, asked over UDP and
// again over TCP when the answer was truncated. Only an authoritative answer with the apex SOA
// counts: anything else says the primary cannot vouch for the zone.

import { randomInt } from 'node:crypto';
import { isReplyTo } from '../resolver/reply-match.ts';
import { decodeHeader, decodeMessage } from '../wire/decode.ts';
import { encodeMessage } from '../wire/encode.ts';
import { Opcode, RClass, Rcode, type Message } from '../wire/model.ts';
import { canonicalName } from '../wire/names.ts';
import { RRType } from '../wire/rrtypes.ts';
import { ExchangeFailed, tcpExchange, udpExchange, type MessageAuth, type PrimaryAddress } from './primary-exchange.ts';

export function soaQuery(zone: string, qtype: number = RRType.SOA): Message {
  return {
    id: randomInt(0x10000),
    flags: { qr: false, opcode: Opcode.QUERY, aa: false, tc: false, rd: false, ra: false, ad: false, cd: false, rcode: Rcode.NOERROR },
    questions: [{ name: zone, type: qtype, class: RClass.IN }],
    answers: [],
    authority: [],
    additional: [],
  };
}

/** The primary's serial for `zone`. `newAuth` gives the signer of one exchange (a TCP retry is a new one). */
export async function primarySerial(primary: PrimaryAddress, zone: string, newAuth: () => MessageAuth, timeoutMs: number): Promise<number> {
  const query = soaQuery(zone);
  const wire = encodeMessage(query);
  const udpAuth = newAuth();
  const datagram = await udpExchange(primary, udpAuth.sign(wire), (reply) => isOurs(reply, query.id), timeoutMs);
  if ((datagram[2] & 0x02) === 0) return serialFrom(datagram, query, udpAuth, primary);
  const tcpAuth = newAuth();
  let serial = 0;
  await tcpExchange(primary, tcpAuth.sign(wire), (reply) => {
    serial = serialFrom(reply, query, tcpAuth, primary);
    return true;
  }, timeoutMs);
  return serial;
}

function isOurs(reply: Buffer, id: number): boolean {
  try {
    const header = decodeHeader(reply);
    return header.id === id && header.flags.qr;
  } catch {
    return false;
  }
}

function serialFrom(reply: Buffer, query: Message, auth: MessageAuth, primary: PrimaryAddress): number {
  const from = `${primary.address}:${primary.port}`;
  let message: Message;
  try {
    auth.verify(reply);
    message = decodeMessage(reply);
  } catch (err) {
    throw new ExchangeFailed(`${from}: SOA reply refused: ${(err as Error).message}`);
  }
  if (!isReplyTo(query, message)) throw new ExchangeFailed(`${from}: the SOA reply does not match the query`);
  if (message.flags.rcode !== Rcode.NOERROR) throw new ExchangeFailed(`${from}: SOA query answered with rcode ${message.flags.rcode}`);
  if (!message.flags.aa) throw new ExchangeFailed(`${from}: not authoritative for ${query.questions[0].name || '.'}`);
  const apex = canonicalName(query.questions[0].name);
  const soa = message.answers.find((rr) => rr.type === RRType.SOA && canonicalName(rr.name) === apex);
  if (soa === undefined) throw new ExchangeFailed(`${from}: the SOA reply holds no SOA for the zone`);
  return Number(soa.data.serial);
}
