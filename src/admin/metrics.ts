// Prometheus metrics (prom-client): counters fed by MailEvents as things happen, gauges and the
// DNS server's counters read when /metrics is scraped. One registry per admin server, so two
// Posterns in one test process never share counts.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AdminBackend } from './backend.ts';

/** Destination domains are a label: past this many distinct ones, the rest count as "other". */
const MAX_DESTINATIONS = 500;

export function metricsRegistry(backend: AdminBackend): Registry {
  const registry = new Registry();
  const registers = [registry];
  const { events } = backend;

  const sessions = new Counter({ name: 'postern_smtp_sessions_total', help: 'SMTP sessions started, by listener role', labelNames: ['listener'], registers });
  const refusals = new Counter({ name: 'postern_smtp_refusals_total', help: 'Refusals by a policy check, by stage, check and kind (reject 5xx, defer 4xx)', labelNames: ['stage', 'check', 'kind'], registers });
  const accepted = new Counter({ name: 'postern_messages_accepted_total', help: 'Messages stored and answered 250 (quarantined ones included)', registers });
  const quarantined = new Counter({ name: 'postern_messages_quarantined_total', help: 'Messages put in quarantine, by check', labelNames: ['check'], registers });
  const discarded = new Counter({ name: 'postern_messages_discarded_total', help: 'Messages discarded by a check, by check', labelNames: ['check'], registers });
  const deliveries = new Counter({ name: 'postern_delivery_attempts_total', help: 'Delivery attempts per recipient, by result (sent, deferred, bounced) and destination domain', labelNames: ['result', 'destination'], registers });
  const dsns = new Counter({ name: 'postern_dsn_sent_total', help: 'Delivery status notifications queued, by kind', labelNames: ['kind'], registers });
  const scans = new Histogram({ name: 'postern_scan_seconds', help: 'Content scanner latency, by scanner and result', labelNames: ['scanner', 'result'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers });

  const destinations = new Set<string>();
  const destinationLabel = (domain: string): string => {
    if (destinations.has(domain) || destinations.size < MAX_DESTINATIONS) {
      destinations.add(domain);
      return domain;
    }
    return 'other';
  };
  events.on('session', (e) => sessions.inc({ listener: e.listener }));
  events.on('refused', (e) => refusals.inc({ stage: e.stage, check: e.check, kind: e.kind }));
  events.on('accepted', () => accepted.inc());
  events.on('quarantined', (e) => quarantined.inc({ check: e.check }));
  events.on('discarded', (e) => discarded.inc({ check: e.check }));
  events.on('delivery', (e) => deliveries.inc({ result: e.status, destination: destinationLabel(e.domain) }));
  events.on('dsn', (e) => dsns.inc({ kind: e.kind }));
  events.on('scan', (e) => scans.observe({ scanner: e.scanner, result: e.result }, e.seconds));

  new Gauge({
    name: 'postern_smtp_connections',
    help: 'SMTP connections open now',
    registers,
    collect() {
      this.set(backend.smtpConnections()?.open ?? 0);
    },
  });
  new Counter({
    name: 'postern_smtp_connections_refused_total',
    help: 'SMTP connections refused with 421 for smtp.limits (maxConnections, maxConnectionsPerClient)',
    registers,
    collect() {
      this.reset();
      this.inc(backend.smtpConnections()?.refused ?? 0);
    },
  });
  new Gauge({
    name: 'postern_queue_recipients',
    help: 'Recipients still to deliver, by state (queued: not yet tried; deferred: waiting for a retry)',
    labelNames: ['state'],
    registers,
    collect() {
      const counts = backend.queueCounts();
      this.set({ state: 'queued' }, counts?.queued ?? 0);
      this.set({ state: 'deferred' }, counts?.deferred ?? 0);
    },
  });
  new Gauge({
    name: 'postern_queue_messages',
    help: 'Messages in the spool: all, held by the administrator, in quarantine',
    labelNames: ['state'],
    registers,
    collect() {
      const counts = backend.queueCounts();
      this.set({ state: 'all' }, counts?.messages ?? 0);
      this.set({ state: 'held' }, counts?.held ?? 0);
      this.set({ state: 'quarantined' }, counts?.quarantined ?? 0);
    },
  });
  dnsMetrics(backend, registers);
  return registry;
}

/** The DNS server keeps its own counters (summed over workers): copied in at each scrape. */
function dnsMetrics(backend: AdminBackend, registers: Registry[]): void {
  let latest: Promise<Record<string, number>> | undefined;
  // The four DNS metrics are collected one after the other in one scrape: one read serves them all.
  const snapshot = (): Promise<Record<string, number>> => {
    latest ??= backend.dnsCounters().finally(() => setImmediate(() => (latest = undefined)));
    return latest;
  };
  const byPrefix = (counts: Record<string, number>, prefix: string) =>
    Object.entries(counts).filter(([name]) => name.startsWith(prefix)).map(([name, count]) => [name.slice(prefix.length), count] as const);

  /** A counter whose values are copied from the snapshot's names, picked and labelled by `entries`. */
  const copied = (name: string, help: string, label: string, entries: (counts: Record<string, number>) => ReadonlyArray<readonly [string, number]>) =>
    new Counter({
      name,
      help,
      labelNames: [label],
      registers,
      async collect() {
        const counts = await snapshot();
        this.reset();
        for (const [value, count] of entries(counts)) this.inc({ [label]: value }, count);
      },
    });
  copied('postern_dns_queries_total', 'DNS queries answered, by query type', 'type', (counts) => byPrefix(counts, 'query.type.'));
  copied('postern_dns_responses_total', 'DNS responses, by rcode', 'rcode', (counts) => byPrefix(counts, 'response.rcode.'));
  copied('postern_dns_events_total', 'DNS server events: cache hits and misses, recursion, rate limiting, transfers, updates, NOTIFY', 'event', (counts) =>
    Object.entries(counts).filter(([event]) => !event.startsWith('query.') && !event.startsWith('response.')),
  );
  new Gauge({
    name: 'postern_dns_cache_hit_ratio',
    help: 'Cache hits over cache lookups since start (0 before the first lookup)',
    registers,
    async collect() {
      const counts = await snapshot();
      const hits = counts['cache.hit'] ?? 0;
      const lookups = hits + (counts['cache.miss'] ?? 0);
      this.set(lookups === 0 ? 0 : hits / lookups);
    },
  });
}
