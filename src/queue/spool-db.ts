// The spool's index: envelopes and recipients in SQLite, and the bodies of small messages (larger
// ones are files beside it). New messages are inserted by the commit thread (commit-thread.ts)
// from the rows insertRows() makes; this connection reads, updates and deletes.
import Database from 'better-sqlite3';
import type { ClientInfo, Envelope, Recipient } from './envelope.ts';

export type RecipientState = 'queued' | 'delivered' | 'deferred' | 'bounced';

export interface StoredRecipient extends Recipient {
  index: number;
  state: RecipientState;
  attempts: number;
  nextAttempt: number;
  lastError?: string;
  /** The sender has had its delay notice for this recipient. */
  delayWarned: boolean;
}

export interface StoredMessage {
  id: string;
  envelope: Envelope;
  size: number;
  recipients: StoredRecipient[];
  /** Held by the administrator: not delivered until released. */
  held: boolean;
  /** Kept from delivery by a content check until released from quarantine. */
  quarantine?: QuarantineMark;
}

/** Why a message is in quarantine: the check's reason, the rule that matched, and when. */
export interface QuarantineMark {
  reason: string;
  rule?: string;
  /** Milliseconds since the epoch. */
  at: number;
}

export interface NewMessage {
  id: string;
  envelope: Envelope;
  size: number;
  /** The body, when it is stored in SQLite rather than as a file. */
  body?: Buffer;
  quarantine?: QuarantineMark;
}

/** The commit thread's settings. WAL with synchronous=FULL: a commit returns only once the WAL is fsync'd. */
export const PRAGMAS = ['journal_mode = WAL', 'synchronous = FULL', 'foreign_keys = ON'];

/**
 * This connection's: delivery states and removals need no fsync of their own. In WAL mode the
 * commit thread's next fsync makes them durable too; a power cut before it can only roll a
 * recipient back to "not yet delivered" (delivered again, never lost), as Postfix's queue
 * manager risks the same. New messages never go through this connection.
 */
const STATE_PRAGMAS = ['journal_mode = WAL', 'synchronous = NORMAL', 'foreign_keys = ON'];

/** The inserts of a new message; an InsertRow names one by its index here. */
export const INSERTS = [
  'INSERT INTO messages (id, sender, body_type, smtputf8, require_tls, ret, envid, declared_size, size, client, received_at, quarantine) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  "INSERT INTO recipients (message_id, idx, address, notify, orcpt_type, orcpt_address, relay_host, state, next_attempt) VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?)",
  'INSERT INTO bodies (message_id, data) VALUES (?, ?)',
] as const;

/** An index into INSERTS and its parameters: flat, so it crosses to the commit thread cheaply. */
export type InsertRow = [statement: number, ...params: Array<string | number | null | Uint8Array>];

/** The rows that store a batch of new messages, in the order they must be inserted. */
export function insertRows(batch: ReadonlyArray<NewMessage>): InsertRow[] {
  const rows: InsertRow[] = [];
  for (const { id, envelope: e, size, body, quarantine } of batch) {
    rows.push([0, id, e.sender, e.body, e.smtputf8 ? 1 : 0, e.requireTls ? 1 : 0, e.ret ?? null, e.envid ?? null, e.declaredSize ?? null, size, JSON.stringify(e.client), e.receivedAt, quarantine ? JSON.stringify(quarantine) : null]);
    e.recipients.forEach((r, idx) =>
      rows.push([1, id, idx, r.address, r.notify === undefined ? null : JSON.stringify(r.notify), r.orcpt?.type ?? null, r.orcpt?.address ?? null, r.relayHost ?? null, e.receivedAt]),
    );
    if (body) rows.push([2, id, body]);
  }
  return rows;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS messages (
  id TEXT PRIMARY KEY, sender TEXT NOT NULL, body_type TEXT NOT NULL, smtputf8 INTEGER NOT NULL,
  require_tls INTEGER NOT NULL, ret TEXT, envid TEXT, declared_size INTEGER, size INTEGER NOT NULL,
  client TEXT NOT NULL, received_at INTEGER NOT NULL, held INTEGER NOT NULL DEFAULT 0, quarantine TEXT
) STRICT;
CREATE TABLE IF NOT EXISTS recipients (
  message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE, idx INTEGER NOT NULL,
  address TEXT NOT NULL, notify TEXT, orcpt_type TEXT, orcpt_address TEXT, relay_host TEXT,
  state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt INTEGER NOT NULL, last_error TEXT,
  delay_warned INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (message_id, idx)
) STRICT;
CREATE TABLE IF NOT EXISTS bodies (
  message_id TEXT PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE, data BLOB NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS recipients_due ON recipients(state, next_attempt);
`;

/** Columns added after the first release of the schema: a spool written by an older Postern gets them. */
const ADDED_COLUMNS = [
  ['messages', 'held', 'INTEGER NOT NULL DEFAULT 0'],
  ['recipients', 'delay_warned', 'INTEGER NOT NULL DEFAULT 0'],
  ['messages', 'quarantine', 'TEXT'],
  ['recipients', 'relay_host', 'TEXT'],
] as const;

function addMissingColumns(db: Database.Database): void {
  for (const [table, column, type] of ADDED_COLUMNS) {
    const columns = db.prepare<[], { name: string }>(`PRAGMA table_info(${table})`).all();
    if (!columns.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
  }
}

interface MessageRow {
  id: string; sender: string; body_type: string; smtputf8: number; require_tls: number; ret: string | null; envid: string | null;
  declared_size: number | null; size: number; client: string; received_at: number; held: number; quarantine: string | null;
}
interface RecipientRow {
  message_id: string; idx: number; address: string; notify: string | null; orcpt_type: string | null; orcpt_address: string | null; relay_host: string | null;
  state: RecipientState; attempts: number; next_attempt: number; last_error: string | null; delay_warned: number;
}

export class SpoolDb {
  private readonly db: Database.Database;
  private readonly selectBody;
  private readonly selectMessage;
  private readonly selectRecipients;
  private readonly selectDue;
  private readonly updateRecipient;
  private readonly deleteMessage;
  private readonly countPending;
  private readonly updateDelayWarned;
  private readonly updateHeld;
  private readonly updateDueNow;

  constructor(file: string) {
    this.db = new Database(file);
    for (const pragma of STATE_PRAGMAS) this.db.pragma(pragma);
    this.db.exec(SCHEMA);
    addMissingColumns(this.db);
    this.selectBody = this.db.prepare<[string], Buffer>('SELECT data FROM bodies WHERE message_id = ?').pluck();
    this.selectMessage = this.db.prepare<[string], MessageRow>('SELECT * FROM messages WHERE id = ?');
    this.selectRecipients = this.db.prepare<[string], RecipientRow>('SELECT * FROM recipients WHERE message_id = ? ORDER BY idx');
    this.selectDue = this.db.prepare<[number, string, number], { message_id: string }>(
      "SELECT DISTINCT message_id FROM recipients JOIN messages ON id = message_id WHERE state IN ('queued', 'deferred') AND next_attempt <= ? AND message_id > ? AND quarantine IS NULL ORDER BY message_id LIMIT ?",
    );
    this.updateRecipient = this.db.prepare(
      'UPDATE recipients SET state = ?, attempts = attempts + ?, next_attempt = ?, last_error = ? WHERE message_id = ? AND idx = ?',
    );
    this.deleteMessage = this.db.prepare('DELETE FROM messages WHERE id = ?');
    this.updateDelayWarned = this.db.prepare('UPDATE recipients SET delay_warned = 1 WHERE message_id = ? AND idx = ?');
    this.updateHeld = this.db.prepare('UPDATE messages SET held = ? WHERE id = ?');
    this.updateDueNow = this.db.prepare("UPDATE recipients SET next_attempt = ? WHERE state IN ('queued', 'deferred') AND (message_id = ? OR ? IS NULL)");
    this.countPending = this.db.prepare<[string], { n: number }>("SELECT count(*) AS n FROM recipients WHERE message_id = ? AND state IN ('queued', 'deferred')");
  }

  /** The body when it is stored here; undefined when it is a file. */
  body(id: string): Buffer | undefined {
    return this.selectBody.get(id);
  }

  message(id: string): StoredMessage | undefined {
    const row = this.selectMessage.get(id);
    if (!row) return undefined;
    const recipients = this.selectRecipients.all(id).map(toRecipient);
    const envelope: Envelope = {
      sender: row.sender,
      recipients: recipients.map(({ address, notify, orcpt, relayHost }) => ({ address, ...(notify === undefined ? {} : { notify }), ...(orcpt === undefined ? {} : { orcpt }), ...(relayHost === undefined ? {} : { relayHost }) })),
      body: row.body_type as Envelope['body'],
      smtputf8: row.smtputf8 === 1,
      requireTls: row.require_tls === 1,
      ...(row.ret === null ? {} : { ret: row.ret as 'full' | 'hdrs' }),
      ...(row.envid === null ? {} : { envid: row.envid }),
      ...(row.declared_size === null ? {} : { declaredSize: row.declared_size }),
      client: JSON.parse(row.client) as ClientInfo,
      receivedAt: row.received_at,
    };
    return { id, envelope, size: row.size, recipients, held: row.held === 1, ...(row.quarantine === null ? {} : { quarantine: JSON.parse(row.quarantine) as QuarantineMark }) };
  }

  /** Ids of messages with a recipient due for delivery at `now`, oldest first, after `afterId` (paging). */
  due(now: number, limit: number, afterId: string): string[] {
    return this.selectDue.all(now, afterId, limit).map((r) => r.message_id);
  }

  setRecipientState(id: string, index: number, state: RecipientState, nextAttempt: number, error?: string): void {
    this.updateRecipient.run(state, state === 'queued' ? 0 : 1, nextAttempt, error ?? null, id, index);
  }

  markDelayWarned(id: string, index: number): void {
    this.updateDelayWarned.run(id, index);
  }

  /** true: the message is held (not delivered); false: released. False when there is no such message. */
  setHeld(id: string, held: boolean): boolean {
    return this.updateHeld.run(held ? 1 : 0, id).changes > 0;
  }

  /** Makes the pending recipients of one message (or of all, when id is undefined) due at `now`; the number of recipients. */
  makeDue(now: number, id?: string): number {
    return this.updateDueNow.run(now, id ?? null, id ?? null).changes;
  }

  /** Every message id in the queue (not in quarantine), oldest first, after `afterId` (paging). */
  page(limit: number, afterId: string): string[] {
    return this.db.prepare<[string, number], { id: string }>('SELECT id FROM messages WHERE id > ? AND quarantine IS NULL ORDER BY id LIMIT ?').all(afterId, limit).map((r) => r.id);
  }

  /** Ids of the messages in quarantine, oldest first, after `afterId` (paging). */
  quarantinePage(limit: number, afterId: string): string[] {
    return this.db.prepare<[string, number], { id: string }>('SELECT id FROM messages WHERE id > ? AND quarantine IS NOT NULL ORDER BY id LIMIT ?').all(afterId, limit).map((r) => r.id);
  }

  /** Takes a message out of quarantine; false when it was not in quarantine. */
  clearQuarantine(id: string): boolean {
    return this.db.prepare('UPDATE messages SET quarantine = NULL WHERE id = ? AND quarantine IS NOT NULL').run(id).changes > 0;
  }

  /** How much is in the spool, for metrics: recipients still to deliver by state, held and quarantined messages. */
  counts(): { queued: number; deferred: number; held: number; quarantined: number; messages: number } {
    const recipients = this.db.prepare<[], { queued: number | null; deferred: number | null }>(
      "SELECT sum(state = 'queued') AS queued, sum(state = 'deferred') AS deferred FROM recipients JOIN messages ON id = message_id WHERE quarantine IS NULL",
    ).get()!;
    const messages = this.db.prepare<[], { held: number | null; quarantined: number | null; messages: number }>('SELECT sum(held) AS held, sum(quarantine IS NOT NULL) AS quarantined, count(*) AS messages FROM messages').get()!;
    return { queued: recipients.queued ?? 0, deferred: recipients.deferred ?? 0, held: messages.held ?? 0, quarantined: messages.quarantined ?? 0, messages: messages.messages };
  }

  /** Recipients due for an attempt at `now` (not held, not in quarantine): what a flush has still to try. */
  dueCount(now: number): number {
    return this.db
      .prepare<[number], { n: number }>("SELECT count(*) AS n FROM recipients JOIN messages ON id = message_id WHERE state IN ('queued', 'deferred') AND next_attempt <= ? AND quarantine IS NULL AND held = 0")
      .get(now)!.n;
  }

  hasPending(id: string): boolean {
    return (this.countPending.get(id)?.n ?? 0) > 0;
  }

  /** The messages whose body is stored here rather than as a file. */
  inlineBodies(): Set<string> {
    return new Set(this.db.prepare<[], { message_id: string }>('SELECT message_id FROM bodies').all().map((r) => r.message_id));
  }

  ids(): Set<string> {
    return new Set(this.db.prepare<[], { id: string }>('SELECT id FROM messages').all().map((r) => r.id));
  }

  delete(id: string): void {
    this.deleteMessage.run(id);
  }

  close(): void {
    this.db.close();
  }
}

function toRecipient(row: RecipientRow): StoredRecipient {
  return {
    index: row.idx,
    address: row.address,
    ...(row.notify === null ? {} : { notify: JSON.parse(row.notify) as Recipient['notify'] }),
    ...(row.orcpt_type === null || row.orcpt_address === null ? {} : { orcpt: { type: row.orcpt_type, address: row.orcpt_address } }),
    ...(row.relay_host === null ? {} : { relayHost: row.relay_host }),
    state: row.state,
    attempts: row.attempts,
    nextAttempt: row.next_attempt,
    delayWarned: row.delay_warned === 1,
    ...(row.last_error === null ? {} : { lastError: row.last_error }),
  };
}
