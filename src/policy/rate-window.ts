// Counting events per key over a sliding window, in memory (Postfix's anvil, one process).
// Two fixed windows weighted by overlap approximate the sliding one with two numbers per key:
// within the first window of a key the count is exact, afterwards it errs by at most the
// share of the previous window's events that fell just before the cut.

interface Counts {
  /** Start of the current fixed window, in ms. */
  start: number;
  current: number;
  previous: number;
}

export class RateWindow {
  private readonly counts = new Map<string, Counts>();
  private lastSweep = 0;

  constructor(
    private readonly windowMs: number,
    private readonly limit: number,
  ) {}

  /** Counts one event for the key and returns true, or returns false (and counts nothing) when the key is at its limit. */
  take(key: string, now: number): boolean {
    this.sweep(now);
    const counts = this.advanced(key, now);
    const weight = 1 - (now - counts.start) / this.windowMs;
    if (counts.current + counts.previous * weight >= this.limit) return false;
    counts.current++;
    return true;
  }

  private advanced(key: string, now: number): Counts {
    const start = now - (now % this.windowMs);
    let counts = this.counts.get(key);
    if (!counts) {
      counts = { start, current: 0, previous: 0 };
      this.counts.set(key, counts);
    } else if (counts.start !== start) {
      counts.previous = start - counts.start === this.windowMs ? counts.current : 0;
      counts.current = 0;
      counts.start = start;
    }
    return counts;
  }

  /** Once a window, keys quiet for two windows are forgotten, so a flood of addresses costs memory only while it lasts. */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.windowMs) return;
    this.lastSweep = now;
    for (const [key, counts] of this.counts) if (now - counts.start >= 2 * this.windowMs) this.counts.delete(key);
  }
}
