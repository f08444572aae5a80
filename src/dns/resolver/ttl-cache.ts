// A size-bounded cache whose entries expire: a Map kept in least-recently-used order
// (a hit moves the key to the end, eviction takes from the front).

import { performance } from 'node:perf_hooks';

export interface CacheHit<V> {
  value: V;
  /** Seconds the entry was stored for. */
  storedTtl: number;
  /** Seconds left, rounded up; what a later reader sees as the records' TTL. */
  remainingTtl: number;
}

interface Entry<V> {
  value: V;
  storedTtl: number;
  expiresAt: number;
}

export class TtlLruCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(
    private readonly capacity: number,
    /** Milliseconds on a clock that never goes back (wall-clock steps must not revive entries). */
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`cache size must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): CacheHit<V> | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const left = entry.expiresAt - this.now();
    this.entries.delete(key);
    if (left <= 0) return undefined;
    this.entries.set(key, entry);
    return { value: entry.value, storedTtl: entry.storedTtl, remainingTtl: Math.ceil(left / 1000) };
  }

  /** Stores for `ttl` seconds; a TTL of 0 means "use once" (RFC 1035 §3.2.1) and is not stored. */
  set(key: string, value: V, ttl: number): void {
    this.entries.delete(key);
    if (ttl <= 0) return;
    this.entries.set(key, { value, storedTtl: ttl, expiresAt: this.now() + ttl * 1000 });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
