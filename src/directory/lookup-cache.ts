// Directory answers kept for a while, so a busy relay asks LDAP once per recipient and TTL rather
// than once per RCPT: "found" for positiveTtl, "unknown" for negativeTtl (shorter, so a new user
// gets mail soon). "unavailable" is never kept: the next RCPT asks again. Concurrent lookups of
// one address share a single question, so a cold cache under load does not multiply queries.
import type { Lookup } from './lookup.ts';

export interface LookupCacheOptions {
  positiveTtlMs: number;
  negativeTtlMs: number;
  maxEntries: number;
  now?: () => number;
}

interface Kept {
  lookup: Lookup;
  expires: number;
}

export class LookupCache {
  private readonly kept = new Map<string, Kept>();
  private readonly asking = new Map<string, Promise<Lookup>>();
  private readonly now: () => number;

  constructor(private readonly options: LookupCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  get(key: string, ask: () => Promise<Lookup>): Promise<Lookup> {
    const kept = this.kept.get(key);
    if (kept && kept.expires > this.now()) {
      // Map order is insertion order: moving a hit to the end makes eviction least-recently-used.
      this.kept.delete(key);
      this.kept.set(key, kept);
      return Promise.resolve(kept.lookup);
    }
    if (kept) this.kept.delete(key);
    const pending = this.asking.get(key);
    if (pending) return pending;
    const question = ask()
      .then((lookup) => {
        this.keep(key, lookup);
        return lookup;
      })
      .finally(() => this.asking.delete(key));
    this.asking.set(key, question);
    return question;
  }

  private keep(key: string, lookup: Lookup): void {
    const ttl = lookup.kind === 'found' ? this.options.positiveTtlMs : lookup.kind === 'unknown' ? this.options.negativeTtlMs : 0;
    if (ttl <= 0) return;
    this.kept.set(key, { lookup, expires: this.now() + ttl });
    if (this.kept.size > this.options.maxEntries) this.kept.delete(this.kept.keys().next().value!);
  }
}
