// The delivery log: the last N recipient outcomes (admin.deliveryLogSize), searchable from the
// API and the console. SQLite in its own file under dataDir/admin (better-sqlite3, as the
// spool): it survives a restart, answers a search by address or queue id with an index instead
// of a scan of log files, and never shares a write lock or an fsync with the spool's commits.
// Written with synchronous=NORMAL: a power cut may lose the last lines of a log, never mail.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { MailEventMap } from '../log/mail-events.ts';

export type DeliveryRecord = MailEventMap['delivery'];

export interface DeliverySearch {
  /** Part of a queue id, sender, recipient or reply. */
  text?: string;
  status?: DeliveryRecord['status'];
  /** Only entries at or after this time (ms since the epoch). */
  since?: number;
  limit: number;
}

/** How often (in inserts) the log is trimmed to its size. */
const TRIM_EVERY = 500;

interface Row {
  at: number; queue_id: string; sender: string; recipient: string; domain: string; status: DeliveryRecord['status']; relay: string; dsn: string; reply: string;
}

export class DeliveryLog {
  private readonly db: Database.Database;
  private readonly insert;
  private readonly trim;
  private inserted = 0;

  constructor(dataDir: string, private readonly size: number) {
    const dir = join(dataDir, 'admin');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.db = new Database(join(dir, 'delivery-log.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS deliveries (
      at INTEGER NOT NULL, queue_id TEXT NOT NULL, sender TEXT NOT NULL, recipient TEXT NOT NULL, domain TEXT NOT NULL,
      status TEXT NOT NULL, relay TEXT NOT NULL, dsn TEXT NOT NULL, reply TEXT NOT NULL) STRICT;
      CREATE INDEX IF NOT EXISTS deliveries_at ON deliveries(at);`);
    this.insert = this.db.prepare('INSERT INTO deliveries (at, queue_id, sender, recipient, domain, status, relay, dsn, reply) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    this.trim = this.db.prepare('DELETE FROM deliveries WHERE rowid <= (SELECT max(rowid) FROM deliveries) - ?');
  }

  add(r: DeliveryRecord): void {
    this.insert.run(r.at, r.queueId, r.sender, r.recipient, r.domain, r.status, r.relay, r.dsn, r.reply);
    if (++this.inserted % TRIM_EVERY === 0) this.trim.run(this.size);
  }

  /** Newest first. */
  search(query: DeliverySearch): DeliveryRecord[] {
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (query.text) {
      // LIKE's own wildcards in the search text are searched for, not used.
      const pattern = `%${query.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      where.push("(queue_id LIKE ? ESCAPE '\\' OR sender LIKE ? ESCAPE '\\' OR recipient LIKE ? ESCAPE '\\' OR reply LIKE ? ESCAPE '\\')");
      params.push(pattern, pattern, pattern, pattern);
    }
    if (query.status) {
      where.push('status = ?');
      params.push(query.status);
    }
    if (query.since !== undefined) {
      where.push('at >= ?');
      params.push(query.since);
    }
    const sql = `SELECT * FROM deliveries ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY rowid DESC LIMIT ?`;
    return this.db
      .prepare<Array<string | number>, Row>(sql)
      .all(...params, query.limit)
      .map((r) => ({ at: r.at, queueId: r.queue_id, sender: r.sender, recipient: r.recipient, domain: r.domain, status: r.status, relay: r.relay, dsn: r.dsn, reply: r.reply }));
  }

  close(): void {
    this.db.close();
  }
}
