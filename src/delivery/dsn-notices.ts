// Turns a delivery attempt's results into the DSNs the sender asked for (RFC 3461 NOTIFY) and
// queues them: a failure report for bounced recipients, a warning for long-deferred ones,
// success for delivered ones that asked, "relayed" where the next hop could not carry NOTIFY.
// A DSN has the null sender, so it is never itself bounced (RFC 5321 §6.1); mail from the null
// sender gets no DSN at all.
import type { Logger } from '../log/logger.ts';
import type { MailEvents } from '../log/mail-events.ts';
import type { StoredMessage, StoredRecipient } from '../queue/spool-db.ts';
import type { Spool } from '../queue/spool.ts';
import { buildDsn, type DsnKind, type DsnRecipient } from './dsn.ts';
import { relayText, replyText, statusOf, type AttemptResult } from './outcome.ts';

export interface Notice {
  kind: DsnKind;
  recipient: StoredRecipient;
  result?: AttemptResult;
  /** For delay notices: until when delivery goes on being tried. */
  willRetryUntil?: Date;
  /** A reason of our own (e.g. the lifetime ran out) instead of the result's reply. */
  reason?: { status: string; text: string };
}

/** Whether the recipient's NOTIFY (default: FAILURE and DELAY, RFC 3461 §4.1) asks for this kind. */
export function wants(recipient: StoredRecipient, kind: DsnKind): boolean {
  const notify = recipient.notify;
  if (notify === 'never') return false;
  const condition = kind === 'failure' ? 'failure' : kind === 'delay' ? 'delay' : 'success';
  return notify === undefined ? condition !== 'success' : notify.includes(condition);
}

function dsnRecipient(notice: Notice, now: Date): DsnRecipient {
  const { recipient, result, reason } = notice;
  const reply = result?.outcome.reply;
  const peerSaid = reply?.code !== undefined && result?.relay ? `host ${relayText(result.relay)} said: ${replyText(reply)}` : undefined;
  return {
    address: recipient.address,
    orcpt: recipient.orcpt,
    status: reason?.status ?? (result ? statusOf(result.outcome) : '5.0.0'),
    diagnostic: reply?.code !== undefined ? { code: reply.code, text: replyText(reply).slice(String(reply.code).length + 1) } : undefined,
    remoteMta: result?.relay?.host && result.relay.address ? result.relay.host : undefined,
    lastAttempt: now,
    willRetryUntil: notice.willRetryUntil,
    reason: reason?.text ?? peerSaid ?? (reply ? replyText(reply) : undefined),
  };
}

export class DsnNotices {
  constructor(
    private readonly spool: Spool,
    private readonly hostname: string,
    private readonly logger: Logger,
    private readonly events?: MailEvents,
  ) {}

  /** Builds and queues one DSN per kind for the notices of one message. */
  async send(message: StoredMessage, notices: Notice[], now: Date): Promise<void> {
    const { envelope } = message;
    if (envelope.sender === '' || notices.length === 0) return;
    const kinds = new Set(notices.map((n) => n.kind));
    for (const kind of kinds) {
      const mine = notices.filter((n) => n.kind === kind);
      try {
        const dsn = await buildDsn({
          kind,
          reportingMta: this.hostname,
          queueId: message.id,
          sender: envelope.sender,
          envid: envelope.envid,
          // RFC 8689 §5: a REQUIRETLS message's content must not travel back where TLS may be missing: headers only.
          ret: envelope.requireTls ? 'hdrs' : envelope.ret,
          arrivalDate: new Date(envelope.receivedAt),
          recipients: mine.map((n) => dsnRecipient(n, now)),
          smtputf8: envelope.smtputf8,
          original: this.spool.readBody(message.id),
          now,
        });
        const writer = this.spool.open();
        writer.write(dsn);
        const id = await writer.commit({
          sender: '',
          recipients: [{ address: envelope.sender, notify: 'never' }],
          body: '8bitmime',
          smtputf8: envelope.smtputf8,
          requireTls: false,
          client: { address: '127.0.0.1', port: 0, helo: this.hostname, listener: 'mta' },
          receivedAt: now.getTime(),
        });
        this.logger.info({ queueId: message.id, dsn: id, kind, to: envelope.sender, recipients: mine.map((n) => n.recipient.address) }, 'sender notified');
        this.events?.emit('dsn', { queueId: message.id, kind });
      } catch (err) {
        this.logger.error({ queueId: message.id, kind, err: (err as Error).message }, 'delivery status notification could not be queued');
      }
    }
  }
}
