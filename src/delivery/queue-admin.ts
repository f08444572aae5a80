// `postern queue …` and `mailq`, carried out inside the running Postern so that an administrator's
// change never races a delivery: hold, delete and bounce wait for an attempt in progress to end.
import { parseAdminCommand } from '../queue/admin-command.ts';
import type { StoredMessage } from '../queue/spool-db.ts';
import type { Spool } from '../queue/spool.ts';
import type { Clock, QueueManager } from './queue-manager.ts';

export interface AdminReply {
  ok: boolean;
  message: string;
  details?: string[];
}

export const QUEUE_ACTIONS = ['list', 'show', 'flush', 'due', 'retry', 'hold', 'release', 'delete', 'bounce'] as const;
export type QueueAction = (typeof QUEUE_ACTIONS)[number];
const NEEDS_ID: ReadonlySet<QueueAction> = new Set(['show', 'retry', 'hold', 'release', 'delete', 'bounce']);
const PAGE = 500;

/** sendmail's mailq layout, as Postfix prints it. */
function mailqEntry(m: StoredMessage): string[] {
  const arrival = new Date(m.envelope.receivedAt).toUTCString().replace(/^(\w{3}), (\d\d) (\w{3}) \d{4} ([\d:]{8}) GMT$/, '$1 $3 $2 $4');
  const lines = [`${(m.id + (m.held ? '!' : '')).padEnd(17)} ${String(m.size).padStart(8)} ${arrival}  ${m.envelope.sender || 'MAILER-DAEMON'}`];
  for (const r of m.recipients) {
    if (r.state !== 'queued' && r.state !== 'deferred') continue;
    if (r.lastError) lines.push(`${''.padEnd(48)}(${r.lastError})`);
    lines.push(`${''.padEnd(48)}${r.address}`);
  }
  return [...lines, ''];
}

function summary(m: StoredMessage) {
  return {
    id: m.id,
    size: m.size,
    arrival: new Date(m.envelope.receivedAt).toISOString(),
    sender: m.envelope.sender,
    held: m.held,
    recipients: m.recipients.map((r) => ({ address: r.address, state: r.state, attempts: r.attempts, nextAttempt: new Date(r.nextAttempt).toISOString(), lastError: r.lastError ?? null })),
  };
}

export class QueueAdmin {
  constructor(
    private readonly spool: Spool,
    private readonly manager: QueueManager,
    private readonly clock: Clock,
  ) {}

  async handle(args: string[]): Promise<AdminReply> {
    const command = parseAdminCommand(args, QUEUE_ACTIONS, 'queue');
    if (!command.ok) return command;
    const { action: verb, id, json } = command;
    if (NEEDS_ID.has(verb) && !id) return { ok: false, message: `queue ${verb} needs a queue id (see "postern queue list")` };
    if (verb === 'list') return this.list(json);
    if (verb === 'flush') {
      const due = this.spool.makeDue(this.clock.now());
      void this.manager.runDue();
      return { ok: true, message: `${due} recipient${due === 1 ? '' : 's'} scheduled for delivery now` };
    }
    // How many recipients are still to be tried now: `postern queue flush` draws its progress from it.
    if (verb === 'due') {
      const due = this.spool.dueCount(this.clock.now());
      return { ok: true, message: `${due} recipient${due === 1 ? '' : 's'} due now`, details: [String(due)] };
    }
    const message = this.spool.message(id!);
    if (!message) return { ok: false, message: `no message ${id} in the queue` };
    switch (verb) {
      case 'show':
        return { ok: true, message: `message ${message.id}`, details: [JSON.stringify({ ...summary(message), envelope: message.envelope }, null, 2)] };
      case 'retry':
        this.spool.makeDue(this.clock.now(), message.id);
        void this.manager.deliver(message.id);
        return { ok: true, message: `${message.id}: delivery attempt started` };
      case 'hold':
        // Set first, so no new attempt starts; then wait for one already running.
        this.spool.setHeld(message.id, true);
        await this.manager.idle(message.id);
        return { ok: true, message: `${message.id}: held (not delivered until released)` };
      case 'release':
        this.spool.setHeld(message.id, false);
        this.spool.makeDue(this.clock.now(), message.id);
        void this.manager.deliver(message.id);
        return { ok: true, message: `${message.id}: released` };
      case 'delete':
        this.spool.setHeld(message.id, true);
        await this.manager.idle(message.id);
        this.spool.delete(message.id);
        return { ok: true, message: `${message.id}: deleted` };
      default:
        await this.manager.bounceNow(message.id);
        return { ok: true, message: `${message.id}: returned to ${message.envelope.sender || 'nobody (null sender)'}` };
    }
  }

  private list(json: boolean): AdminReply {
    const messages: StoredMessage[] = [];
    for (let page = this.spool.page(PAGE); page.length > 0; page = this.spool.page(PAGE, page.at(-1)!)) {
      for (const id of page) {
        const m = this.spool.message(id);
        if (m) messages.push(m);
      }
    }
    if (json) return { ok: true, message: `${messages.length} messages`, details: [JSON.stringify(messages.map(summary))] };
    if (messages.length === 0) return { ok: true, message: 'Mail queue is empty' };
    const kbytes = Math.ceil(messages.reduce((n, m) => n + m.size, 0) / 1024);
    return {
      ok: true,
      message: '-Queue ID-        --Size-- ----Arrival Time---- -Sender/Recipient-------',
      details: [...messages.flatMap(mailqEntry), `-- ${kbytes} Kbytes in ${messages.length} Request${messages.length === 1 ? '' : 's'}.`],
    };
  }
}
