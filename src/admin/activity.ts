// The console's charts: what happened per minute over the last hour (accepted, delivered,
// deferred, bounced, refused, DNS queries) and the most frequent refusal reasons. Kept in
// memory: a restart starts the charts afresh, as the counters in /metrics do.
import type { ActivityReport, MinuteBucket } from './activity-report.ts';
import type { AdminBackend } from './backend.ts';

export type { ActivityReport, MinuteBucket };

const MINUTE_MS = 60_000;
const MINUTES_KEPT = 60;
const DNS_SAMPLE_MS = 10_000;
const TOP_REASONS = 10;

type Series = Exclude<keyof MinuteBucket, 'minute'>;

export class Activity {
  private readonly buckets: MinuteBucket[] = [];
  private readonly refusals = new Map<string, { check: string; reply: string; count: number }>();
  private lastDnsTotal?: number;
  private readonly sampler: NodeJS.Timeout;
  private readonly unsubscribe: Array<() => void>;

  constructor(private readonly backend: AdminBackend, private readonly now: () => number = Date.now) {
    const { events } = backend;
    this.unsubscribe = [
      events.on('accepted', () => this.count('accepted')),
      events.on('delivery', (e) => this.count(e.status === 'sent' ? 'delivered' : e.status)),
      events.on('refused', (e) => {
        this.count('refused');
        // Reasons are counted by check and reply text without the variable parts (addresses, numbers).
        const reply = e.reply.replace(/<[^>]*>/g, '<…>').replace(/\d+\.\d+\.\d+\.\d+/g, '…');
        const key = `${e.check}\u0000${reply}`;
        const entry = this.refusals.get(key) ?? { check: e.check, reply, count: 0 };
        entry.count++;
        this.refusals.set(key, entry);
      }),
    ];
    this.sampler = setInterval(() => void this.sampleDns(), DNS_SAMPLE_MS).unref();
    void this.sampleDns();
  }

  report(): ActivityReport {
    this.bucket();
    const topRefusals = [...this.refusals.values()].sort((a, b) => b.count - a.count).slice(0, TOP_REASONS);
    return { minutes: this.buckets.map((b) => ({ ...b })), topRefusals };
  }

  close(): void {
    clearInterval(this.sampler);
    for (const off of this.unsubscribe) off();
  }

  private count(series: Series, amount = 1): void {
    this.bucket()[series] += amount;
  }

  /** The current minute's bucket; minutes without events get empty buckets, so the chart's time axis has no gaps. */
  private bucket(): MinuteBucket {
    const minute = Math.floor(this.now() / MINUTE_MS) * MINUTE_MS;
    let last = this.buckets.at(-1);
    if (last && minute - last.minute > MINUTES_KEPT * MINUTE_MS) this.buckets.length = 0;
    last = this.buckets.at(-1);
    for (let m = last ? last.minute + MINUTE_MS : minute; m <= minute; m += MINUTE_MS) {
      this.buckets.push({ minute: m, accepted: 0, delivered: 0, deferred: 0, bounced: 0, refused: 0, dnsQueries: 0 });
    }
    if (this.buckets.length > MINUTES_KEPT) this.buckets.splice(0, this.buckets.length - MINUTES_KEPT);
    return this.buckets.at(-1)!;
  }

  private async sampleDns(): Promise<void> {
    const counts = await this.backend.dnsCounters().catch(() => undefined);
    if (!counts) return;
    const total = Object.entries(counts).reduce((n, [name, count]) => (name.startsWith('query.type.') ? n + count : n), 0);
    if (this.lastDnsTotal !== undefined && total >= this.lastDnsTotal) this.count('dnsQueries', total - this.lastDnsTotal);
    this.lastDnsTotal = total;
  }
}
