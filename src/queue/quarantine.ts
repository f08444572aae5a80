// The quarantine: messages a content check kept from delivery, stored in the spool with a mark
// (why, which rule, when) and never due while it is there. Releasing one clears the mark and
// makes it due: it goes on to delivery without passing the SMTP checks again, so the check that
// held it is skipped. Entries older than the retention are deleted unseen.
import type { Readable } from 'node:stream';
import type { Envelope } from './envelope.ts';
import { headerSection, subjectOf } from './header-section.ts';
import type { QuarantineMark, StoredMessage } from './spool-db.ts';
import type { Spool } from './spool.ts';
import type { QuarantineEntry } from './quarantine-entry.ts';

export type { QuarantineEntry };

export interface QuarantineDetail extends QuarantineEntry {
  envelope: Envelope;
  /** The message's header section, as stored. */
  header: string;
}

const PAGE = 500;

export class QuarantineStore {
  constructor(
    private readonly spool: Spool,
    /** How long an entry is kept (content.quarantine.retention); changes on reload. */
    public retentionMs: number,
  ) {}

  /** Every quarantined message, oldest first. */
  async list(): Promise<QuarantineEntry[]> {
    const entries: QuarantineEntry[] = [];
    for (const message of this.messages()) entries.push(await this.entry(message));
    return entries;
  }

  async show(id: string): Promise<QuarantineDetail | undefined> {
    const message = this.quarantined(id);
    if (!message) return undefined;
    return { ...(await this.entry(message)), envelope: message.envelope, header: (await headerSection(this.spool.readBody(id))).toString('utf8') };
  }

  /** The raw message (CRLF line endings), for a preview; undefined when it is not in quarantine. */
  preview(id: string): Readable | undefined {
    return this.quarantined(id) ? this.spool.readBody(id) : undefined;
  }

  /** Takes it out of quarantine and makes it due now; false when it is not in quarantine. */
  release(id: string, now = Date.now()): boolean {
    if (!this.spool.clearQuarantine(id)) return false;
    this.spool.makeDue(now, id);
    return true;
  }

  delete(id: string): boolean {
    return this.quarantined(id) !== undefined && this.spool.delete(id);
  }

  /** Deletes the entries quarantined longer than the retention ago; what it deleted, with their marks. */
  expire(now = Date.now()): Array<{ id: string; mark: QuarantineMark }> {
    const cutoff = now - this.retentionMs;
    const expired = [...this.messages()].filter((m) => m.quarantine!.at <= cutoff).map((m) => ({ id: m.id, mark: m.quarantine! }));
    for (const { id } of expired) this.spool.delete(id);
    return expired;
  }

  private quarantined(id: string): StoredMessage | undefined {
    const message = this.spool.message(id);
    return message?.quarantine ? message : undefined;
  }

  private *messages(): Generator<StoredMessage> {
    for (let page = this.spool.quarantinePage(PAGE); page.length > 0; page = this.spool.quarantinePage(PAGE, page.at(-1)!)) {
      for (const id of page) {
        const message = this.quarantined(id);
        if (message) yield message;
      }
    }
  }

  private async entry(message: StoredMessage): Promise<QuarantineEntry> {
    const mark = message.quarantine!;
    return {
      id: message.id,
      time: new Date(mark.at).toISOString(),
      sender: message.envelope.sender,
      recipients: message.envelope.recipients.map((r) => r.address),
      subject: await subjectOf(await headerSection(this.spool.readBody(message.id))),
      rule: mark.rule ?? null,
      reason: mark.reason,
      size: message.size,
    };
  }
}
