// Whether a reply answers the query we sent (RFC 5452 §9.1): the same ID, QR set, the same
// opcode and the same question. Anything else may be a spoofing attempt or a late reply to
// an earlier try, and is ignored.

import type { Message } from '../wire/model.ts';
import { Rcode } from '../wire/model.ts';
import { canonicalName } from '../wire/names.ts';

export function isReplyTo(query: Message, reply: Message): boolean {
  if (reply.id !== query.id || !reply.flags.qr || reply.flags.opcode !== query.flags.opcode) return false;
  const asked = query.questions[0];
  // RFC 1035 does not make error replies echo the question, and servers without EDNS
  // often answer FORMERR with an empty question section; an error carries no data to trust.
  if (reply.questions.length === 0) return reply.flags.rcode !== Rcode.NOERROR && reply.flags.rcode !== Rcode.NXDOMAIN;
  if (reply.questions.length !== 1) return false;
  const q = reply.questions[0];
  return q.type === asked.type && q.class === asked.class && canonicalName(q.name) === canonicalName(asked.name);
}
