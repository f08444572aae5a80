// One mail transaction on an open connection (RFC 5321 §3.3), with PIPELINING (RFC 2920: MAIL,
// every RCPT and DATA in one write), CHUNKING (RFC 3030) and LMTP's reply per recipient after
// the data (RFC 2033 §4.2). Every recipient ends with an outcome that keeps the reply it got;
// a 421 or a broken conversation defers whoever has none yet.
import { bdatChunks, crlfChunks, dotStuffed } from './body-encoding.ts';
import { mailCommand, rcptCommand, relayedWithoutDsn } from './envelope-commands.ts';
import { downgraded } from './mime-downgrade.ts';
import { ConversationError, type PeerIo } from './peer-io.ts';
import { MessageReadError, preflight, storedMessage } from './preflight.ts';
import { peerReply } from './reply-parser.ts';
import type { OutboundMessage, PeerExtensions, PeerReply, RecipientOutcome } from './types.ts';

export interface Timeouts {
  connectMs: number;
  greetingMs: number;
  commandMs: number;
  dataMs: number;
}

export interface TransactionContext {
  io: PeerIo;
  ext: PeerExtensions;
  protocol: 'smtp' | 'lmtp';
  timeouts: Timeouts;
}

export interface TransactionResult {
  outcomes: RecipientOutcome[];
  /** The transaction was left open (MAIL accepted, no end of data): RSET before the next. */
  needsReset: boolean;
  /** The connection cannot carry another transaction (421, lost, timed out, malformed, or we broke off). */
  broken: boolean;
}

const BDAT_CHUNK = 1024 * 1024;
const SENDING_BODY = 'sending message body';
const SENDING_END = 'sending end of data -- message may be sent more than once';

/** The peer said 421: it is closing the connection (RFC 5321 §3.8). */
class ServiceClosing extends Error {
  constructor(readonly reply: PeerReply) {
    super(reply.text);
  }
}

function outcomeOf(reply: PeerReply, relayed: boolean): RecipientOutcome {
  if (reply.code >= 200 && reply.code < 300) return { status: 'sent', reply, relayed };
  return reply.code >= 500 ? { status: 'bounced', reply } : { status: 'deferred', reply };
}

export async function runTransaction(ctx: TransactionContext, message: OutboundMessage): Promise<TransactionResult> {
  const { io, ext, timeouts } = ctx;
  const outcomes: Array<RecipientOutcome | undefined> = message.recipients.map(() => undefined);
  const finish = (needsReset: boolean, broken: boolean): TransactionResult => ({
    outcomes: outcomes.map((o) => o ?? { status: 'deferred', reply: { text: `no reply from ${io.name}` } }),
    needsReset,
    broken,
  });

  let check;
  try {
    check = await preflight(message, ext, io.name);
  } catch (err) {
    if (!(err instanceof MessageReadError)) throw err;
    outcomes.fill({ status: 'deferred', reply: { text: err.message } });
    return finish(false, false);
  }
  if (check.refusal) {
    outcomes.fill({ status: 'bounced', reply: check.refusal });
    return finish(false, false);
  }
  check.recipientRefusals.forEach((r, i) => {
    if (r) outcomes[i] = { status: 'bounced', reply: r };
  });
  const active = message.recipients.flatMap((_, i) => (outcomes[i] ? [] : [i]));
  if (active.length === 0) return finish(false, false);

  const plan = check.downgrade;
  const reply = async (timeoutMs: number, where: string, inReplyTo: string): Promise<PeerReply> => {
    const r = peerReply(await io.readReply(timeoutMs, where), inReplyTo);
    if (r.code === 421) throw new ServiceClosing(r);
    return r;
  };
  const body = () => (plan ? downgraded(crlfChunks(storedMessage(message)), plan) : crlfChunks(storedMessage(message)));
  const pipelined = ext.pipelining;
  const chunking = ext.chunking;
  const accepted: number[] = [];
  // The size after conversion is not known in advance; like Postfix, no SIZE= then.
  const mail = `${mailCommand(message, ext, plan ? undefined : message.size)}\r\n`;
  const rcpts = active.map((i) => `${rcptCommand(message.recipients[i]!, ext)}\r\n`);
  let mailAccepted = false;

  try {
    await io.write(pipelined ? mail + rcpts.join('') + (chunking ? '' : 'DATA\r\n') : mail, timeouts.commandMs, 'sending MAIL FROM');
    const mailReply = await reply(timeouts.commandMs, 'sending MAIL FROM', 'MAIL FROM');
    mailAccepted = mailReply.code >= 200 && mailReply.code < 300;
    if (!mailAccepted) for (const i of active) outcomes[i] = outcomeOf(mailReply, false);
    for (const [k, i] of active.entries()) {
      if (!pipelined) {
        if (!mailAccepted) break;
        await io.write(rcpts[k]!, timeouts.commandMs, 'sending RCPT TO');
      }
      const r = await reply(timeouts.commandMs, 'sending RCPT TO', 'RCPT TO');
      // After a refused MAIL, the pipelined RCPTs get 503s that say nothing about the recipients.
      if (!mailAccepted) continue;
      if (r.code >= 200 && r.code < 300) accepted.push(i);
      else outcomes[i] = outcomeOf(r, false);
    }

    if (accepted.length === 0 || !mailAccepted) {
      if (pipelined && !chunking) {
        const d = await reply(timeouts.commandMs, 'sending DATA command', 'DATA');
        // A peer that takes DATA without recipients gets an empty message, ended at once (RFC 2920 §3.1).
        if (d.code === 354) {
          await io.write('.\r\n', timeouts.commandMs, SENDING_END);
          await reply(timeouts.dataMs, SENDING_END, 'end of DATA');
        }
      }
      return finish(mailAccepted, false);
    }

    let endReplyWhere = 'end of DATA';
    if (!chunking) {
      if (!pipelined) await io.write('DATA\r\n', timeouts.commandMs, 'sending DATA command');
      const d = await reply(timeouts.commandMs, 'sending DATA command', 'DATA');
      if (d.code !== 354) {
        for (const i of accepted) outcomes[i] = outcomeOf(d, false);
        return finish(true, false);
      }
      for await (const piece of dotStuffed(body())) await io.write(piece, timeouts.dataMs, SENDING_BODY);
    } else {
      endReplyWhere = 'BDAT LAST';
      for await (const { data, last } of bdatChunks(body(), BDAT_CHUNK)) {
        await io.write(Buffer.concat([Buffer.from(`BDAT ${data.length}${last ? ' LAST' : ''}\r\n`), data]), timeouts.dataMs, SENDING_BODY);
        if (last) break;
        const r = await reply(timeouts.dataMs, SENDING_BODY, 'BDAT');
        if (r.code < 200 || r.code >= 300) {
          for (const i of accepted) outcomes[i] = outcomeOf(r, false);
          return finish(true, false);
        }
      }
    }

    // SMTP: one reply for the message. LMTP: one per accepted recipient, in RCPT order.
    const replies = ctx.protocol === 'lmtp' ? accepted : [accepted[0]!];
    for (const i of replies) {
      const r = await reply(timeouts.dataMs, SENDING_END, endReplyWhere);
      const targets = ctx.protocol === 'lmtp' ? [i] : accepted;
      for (const t of targets) outcomes[t] = outcomeOf(r, relayedWithoutDsn(message.recipients[t]!, ext, ctx.protocol));
    }
    return finish(false, false);
  } catch (err) {
    const why: PeerReply | { text: string } | undefined =
      err instanceof ServiceClosing ? err.reply : err instanceof ConversationError || err instanceof MessageReadError ? { text: err.message } : undefined;
    if (!why) throw err;
    for (const i of active) outcomes[i] ??= { status: 'deferred', reply: why };
    return finish(false, true);
  }
}
