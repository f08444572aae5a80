// `postern quarantine list [--json] | show ID | release ID | delete ID`, carried out inside the
// running Postern on its quarantine store; and the periodic expiry of old entries.
import type { Logger } from '../log/logger.ts';
import { parseAdminCommand } from './admin-command.ts';
import { QuarantineStore, type QuarantineEntry } from './quarantine.ts';

export const QUARANTINE_ACTIONS = ['list', 'show', 'release', 'delete'] as const;

/** The control socket's reply: a line, and more lines (or one JSON text) in details. */
export interface QuarantineReply {
  ok: boolean;
  message: string;
  details?: string[];
}

/** Expiry runs this often at most, and at least ten times per retention period (so a short test retention is honoured). */
const EXPIRY_INTERVAL_MAX_MS = 60 * 60 * 1000;

function listing(entries: QuarantineEntry[]): string[] {
  return entries.flatMap((e) => [
    `${e.id.padEnd(17)} ${e.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}  ${String(e.size).padStart(8)}  ${e.rule ?? '-'}`,
    `${''.padEnd(18)}From: ${e.sender || '<>'}`,
    `${''.padEnd(18)}To: ${e.recipients.join(', ')}`,
    `${''.padEnd(18)}Subject: ${e.subject}`,
    `${''.padEnd(18)}Why: ${e.reason}`,
    '',
  ]);
}

export class QuarantineAdmin {
  private expiryTimer?: NodeJS.Timeout;

  constructor(
    readonly store: QuarantineStore,
    /** Starts delivering a released message now, rather than at the scheduler's next look. */
    private readonly deliver: (id: string) => void,
    private readonly logger: Logger,
  ) {}

  async handle(args: string[]): Promise<QuarantineReply> {
    const command = parseAdminCommand(args, QUARANTINE_ACTIONS, 'quarantine');
    if (!command.ok) return command;
    const { action: verb, id, json } = command;
    if (verb === 'list') {
      const entries = await this.store.list();
      if (json) return { ok: true, message: `${entries.length} messages in quarantine`, details: [JSON.stringify(entries)] };
      if (entries.length === 0) return { ok: true, message: 'Quarantine is empty' };
      return { ok: true, message: `${entries.length} message${entries.length === 1 ? '' : 's'} in quarantine:`, details: listing(entries) };
    }
    if (!id) return { ok: false, message: `quarantine ${verb} needs an id (see "postern quarantine list")` };
    const missing = { ok: false, message: `no message ${id} in quarantine` };
    switch (verb) {
      case 'show': {
        const detail = await this.store.show(id);
        return detail ? { ok: true, message: `message ${id} in quarantine`, details: [JSON.stringify(detail, null, 2)] } : missing;
      }
      case 'release':
        if (!this.store.release(id)) return missing;
        this.logger.info({ queueId: id }, 'released from quarantine');
        this.deliver(id);
        return { ok: true, message: `${id}: released from quarantine and queued for delivery` };
      case 'delete':
        if (!this.store.delete(id)) return missing;
        this.logger.info({ queueId: id }, 'deleted from quarantine');
        return { ok: true, message: `${id}: deleted from quarantine` };
    }
  }

  /** Deletes expired entries now and then periodically, until stopExpiry(). */
  startExpiry(): void {
    this.expireNow();
    const every = Math.max(1000, Math.min(EXPIRY_INTERVAL_MAX_MS, Math.floor(this.store.retentionMs / 10)));
    this.expiryTimer = setInterval(() => this.expireNow(), every);
    this.expiryTimer.unref();
  }

  stopExpiry(): void {
    clearInterval(this.expiryTimer);
  }

  private expireNow(): void {
    try {
      for (const { id, mark } of this.store.expire()) this.logger.info({ queueId: id, rule: mark.rule, quarantinedAt: new Date(mark.at).toISOString() }, 'quarantine retention expired; message deleted');
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'quarantine expiry failed');
    }
  }
}
