// The greylisting triplets (RFC 6647) in SQLite under dataDir: when each was first seen and,
// once a retry passed, until when it is remembered. Opened on first use, because dataDir's files
// must be created after the privilege drop; one connection per file however often the policy
// is rebuilt (each reload makes new checks).
import Database from 'better-sqlite3';

export interface GreylistTiming {
  delayMs: number;
  windowMs: number;
  rememberMs: number;
}

export interface Triplet {
  network: string;
  sender: string;
  recipient: string;
}

/** pass, or wait this many more seconds (at least 1). */
export type GreylistDecision = { pass: true } | { pass: false; waitSeconds: number };

/** How often expired triplets are deleted, at most. */
const PRUNE_INTERVAL_MS = 10 * 60_000;
/** A remembered triplet's end is moved on only when it is older than this. */
const REFRESH_SLACK_MS = 60 * 60_000;

const SCHEMA = `CREATE TABLE IF NOT EXISTS triplets (
  network TEXT NOT NULL,
  sender TEXT NOT NULL,
  recipient TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  -- NULL until a retry came after the delay and within the window; then the end of its memory.
  remembered_until INTEGER,
  PRIMARY KEY (network, sender, recipient)
) WITHOUT ROWID`;

interface Statements {
  select: Database.Statement<string[], Row>;
  remember: Database.Statement;
  firstSight: Database.Statement;
  prune: Database.Statement;
}

interface Row {
  first_seen: number;
  remembered_until: number | null;
}

export class GreylistStore {
  private static readonly open = new Map<string, GreylistStore>();
  private db?: Database.Database;
  private sql?: Statements;
  private lastPrune = 0;

  private constructor(private readonly file: string) {}

  /** The one store for this file in the process. */
  static at(file: string): GreylistStore {
    let store = GreylistStore.open.get(file);
    if (!store) GreylistStore.open.set(file, (store = new GreylistStore(file)));
    return store;
  }

  decide(triplet: Triplet, timing: GreylistTiming, now: number): GreylistDecision {
    const sql = this.statements();
    this.pruneNow(sql, timing, now);
    const key = [triplet.network, triplet.sender, triplet.recipient];
    const row = sql.select.get(...key);
    const rememberedUntil = row?.remembered_until ?? -Infinity;
    const remembered = rememberedUntil >= now;
    const inWindow = row !== undefined && now >= row.first_seen + timing.delayMs && now <= row.first_seen + timing.windowMs;
    if (remembered || inWindow) {
      // One write an hour per busy triplet is enough: its memory lasts weeks.
      if (rememberedUntil < now + timing.rememberMs - REFRESH_SLACK_MS) sql.remember.run(now + timing.rememberMs, ...key);
      return { pass: true };
    }
    // Too early: the delay runs from the first sight. Never seen, or seen too long ago (past the window, or forgotten): start again.
    const early = row !== undefined && now < row.first_seen + timing.delayMs;
    const firstSeen = early ? row.first_seen : now;
    if (!early) sql.firstSight.run(...key, now);
    return { pass: false, waitSeconds: Math.max(1, Math.ceil((firstSeen + timing.delayMs - now) / 1000)) };
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
    this.sql = undefined;
    GreylistStore.open.delete(this.file);
  }

  private statements(): Statements {
    if (!this.sql) {
      const db = new Database(this.file);
      // A lost decision only greylists a triplet once more: no fsync per message needed.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.exec(SCHEMA);
      this.db = db;
      this.sql = {
        select: db.prepare<string[], Row>('SELECT first_seen, remembered_until FROM triplets WHERE network = ? AND sender = ? AND recipient = ?'),
        remember: db.prepare('UPDATE triplets SET remembered_until = ? WHERE network = ? AND sender = ? AND recipient = ?'),
        firstSight: db.prepare('INSERT OR REPLACE INTO triplets (network, sender, recipient, first_seen, remembered_until) VALUES (?, ?, ?, ?, NULL)'),
        prune: db.prepare('DELETE FROM triplets WHERE (remembered_until IS NULL AND first_seen < ?) OR remembered_until < ?'),
      };
    }
    return this.sql;
  }

  private pruneNow(sql: Statements, timing: GreylistTiming, now: number): void {
    if (now - this.lastPrune < PRUNE_INTERVAL_MS) return;
    this.lastPrune = now;
    sql.prune.run(now - timing.windowMs, now);
  }
}
