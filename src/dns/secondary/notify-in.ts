// NOTIFY for our secondary zones (RFC 1996 §3): accepted only from one of the zone's primaries
// (its address, and its TSIG key when one is set), answered NOERROR with AA and the question
// echoed, and the zone's refresh run at once; any other NOTIFY is REFUSED (FORMERR when it is
// malformed). Runs where the refreshers run: cluster workers hand NOTIFY messages over.

import type { Logger } from '../../log/logger.ts';
import { decodeMessage } from '../wire/decode.ts';
import { encodeMessage } from '../wire/encode.ts';
import { Opcode, RClass, Rcode, type Message } from '../wire/model.ts';
import { canonicalName } from '../wire/names.ts';
import { RRType } from '../wire/rrtypes.ts';
import { sameAddress } from '../resolver/udp-exchange.ts';
import type { PrimaryServer } from './config.ts';
import { notifyAuthFor } from './message-auth.ts';

export interface NotifyTarget {
  name: string;
  primaries: readonly PrimaryServer[];
  notified(): void;
}

/** Answers one NOTIFY; `zones` finds the secondary zone a NOTIFY names (as configured now). */
export function receiveNotify(query: Buffer, client: string, zoneFor: (name: string) => NotifyTarget | undefined, logger: Logger): Buffer | undefined {
  let request: Message;
  try {
    request = decodeMessage(query);
  } catch {
    return undefined;
  }
  const reply = (rcode: number, sign: (message: Buffer) => Buffer = (m) => m): Buffer =>
    sign(
      encodeMessage({
        id: request.id,
        flags: { qr: true, opcode: Opcode.NOTIFY, aa: rcode === Rcode.NOERROR, tc: false, rd: false, ra: false, ad: false, cd: false, rcode },
        questions: request.questions,
        answers: [],
        authority: [],
        additional: [],
      }),
    );
  const question = request.questions[0];
  if (request.flags.opcode !== Opcode.NOTIFY || request.questions.length !== 1 || question.class !== RClass.IN || question.type !== RRType.SOA) return reply(Rcode.FORMERR);
  const zone = zoneFor(canonicalName(question.name));
  const from = zone?.primaries.find((p) => sameAddress(p.address, client));
  if (zone === undefined || from === undefined) {
    logger.warn({ zone: question.name || '.', client }, zone === undefined ? 'NOTIFY refused: not a secondary zone of ours' : 'NOTIFY refused: not from a primary of the zone');
    return reply(Rcode.REFUSED);
  }
  const auth = notifyAuthFor(from, query);
  if (!auth.ok) {
    logger.warn({ zone: zone.name || '.', client, reason: auth.reason }, 'NOTIFY refused: not signed with the primary\'s key');
    return auth.reply ?? reply(Rcode.REFUSED);
  }
  logger.info({ zone: zone.name || '.', client }, 'NOTIFY from a primary; checking the zone now');
  zone.notified();
  return reply(Rcode.NOERROR, auth.sign);
}
