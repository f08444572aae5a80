// NOTIFY for our secondary zones (RFC 1996 §3): accepted from one of the zone's primaries (its
// address, and its TSIG key when one is set) or from whoever allowNotify admits, answered NOERROR
// with AA and the question echoed, and the zone's refresh run at once; any other NOTIFY is
// REFUSED (FORMERR when it is malformed). Runs where the refreshers run: cluster workers hand
// NOTIFY messages over.

import type { Logger } from '../../log/logger.ts';
import { decodeMessage } from '../wire/decode.ts';
import { encodeMessage } from '../wire/encode.ts';
import { Opcode, RClass, Rcode, type Message } from '../wire/model.ts';
import { canonicalName } from '../wire/names.ts';
import { RRType } from '../wire/rrtypes.ts';
import { sameAddress } from '../resolver/udp-exchange.ts';
import { accessList } from '../acl.ts';
import { keyRing } from '../tsig/keys.ts';
import { checkRequest } from '../tsig/server.ts';
import type { PrimaryServer, SecondarySettings } from './config.ts';
import { notifyAuthFor, type NotifyAuth } from './message-auth.ts';

export interface NotifyTarget {
  name: string;
  primaries: readonly PrimaryServer[];
  allowNotify?: SecondarySettings['allowNotify'];
  notified(): void;
}

/** allowNotify: a NOTIFY from someone other than a primary, admitted by address or by a verified key. */
function allowedOther(target: NotifyTarget, query: Buffer, client: string): NotifyAuth {
  const allow = target.allowNotify;
  if (allow === undefined || allow.rules.length === 0) return { ok: false, reason: 'not from a primary of the zone' };
  const check = checkRequest(query, keyRing(allow.keys));
  if (check.kind === 'rejected') return { ok: false, reason: `its TSIG does not verify (error ${check.error})`, reply: check.reply };
  if (check.kind === 'malformed') return { ok: false, reason: 'an unreadable TSIG' };
  const key = check.kind === 'signed' ? check.key : undefined;
  if (!accessList(allow.rules)({ address: client, key })) return { ok: false, reason: 'not from a primary of the zone, nor allowed by allowNotify' };
  return { ok: true, sign: (reply) => (check.kind === 'signed' ? check.signer.sign(reply) : reply) };
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
  if (zone === undefined) {
    logger.warn({ zone: question.name || '.', client }, 'NOTIFY refused: not a secondary zone of ours');
    return reply(Rcode.REFUSED);
  }
  const from = zone.primaries.find((p) => sameAddress(p.address, client));
  const auth = from ? notifyAuthFor(from, query) : allowedOther(zone, query, client);
  if (!auth.ok) {
    logger.warn({ zone: zone.name || '.', client, reason: auth.reason }, 'NOTIFY refused');
    return auth.reply ?? reply(Rcode.REFUSED);
  }
  logger.info({ zone: zone.name || '.', client }, from ? 'NOTIFY from a primary; checking the zone now' : 'NOTIFY allowed by allowNotify; checking the zone now');
  zone.notified();
  return reply(Rcode.NOERROR, auth.sign);
}
