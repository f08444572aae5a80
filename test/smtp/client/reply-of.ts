// An outcome's reply with every field optional, for assertions on any of them.
import type { PeerReply, RecipientOutcome } from '../../../src/smtp/client/types.ts';

export function replyOf(outcome: RecipientOutcome): Partial<PeerReply> & { text: string } {
  return outcome.reply;
}
