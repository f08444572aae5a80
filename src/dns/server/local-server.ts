// One process serving the zones on every listen address: the whole server when workers = 1,
// and what each node:cluster worker runs otherwise.

import type { Logger } from '../../log/logger.ts';
import { ZoneSet } from '../zone/store.ts';
import { openEndpoints, type Endpoint, type OpenEndpoints } from './endpoints.ts';
import { Responder } from './responder.ts';
import { loadZones, type DnsZoneConfig, type ZoneReloadReport } from './zone-loading.ts';

export interface LocalServerOptions {
  listen: Endpoint[];
  zones: DnsZoneConfig[];
  tcpIdleTimeoutMs: number;
  maxTcpConnections: number;
  logger: Logger;
  /** Where zone loads and their problems are logged (default: logger). Cluster workers other
   *  than the first pass a silent one, so each zone event is logged once. */
  zoneLogger?: Logger;
}

/** How long open TCP connections get to send their answers when the server closes. */
export const TCP_CLOSE_GRACE_MS = 2000;

export class LocalDnsServer {
  private reloading: Promise<unknown> = Promise.resolve();

  private constructor(
    private zoneConfigs: DnsZoneConfig[],
    private readonly responder: Responder,
    private readonly open: OpenEndpoints,
    private readonly zoneLogger: Logger,
  ) {}

  /** Loads every zone (any zone with errors fails the start, naming its problems), then binds. */
  static async start(opts: LocalServerOptions): Promise<LocalDnsServer> {
    const zoneLogger = opts.zoneLogger ?? opts.logger;
    const { zones, report } = await loadZones(opts.zones, new ZoneSet(), zoneLogger);
    const failed = report.zones.filter((z) => !z.ok);
    if (failed.length > 0) {
      throw new Error(`DNS: zones failed to load: ${failed.map((z) => `${z.name || '.'} (${z.problems.join('; ')})`).join(', ')}`);
    }
    const responder = new Responder(zones, opts.logger);
    const open = await openEndpoints(opts.listen, responder.respond, { idleTimeoutMs: opts.tcpIdleTimeoutMs, maxConnections: opts.maxTcpConnections }, opts.logger);
    return new LocalDnsServer(opts.zones, responder, open, zoneLogger);
  }

  get endpoints(): Endpoint[] {
    return this.open.endpoints;
  }

  /** Re-reads the zone files (of `zones` when given, which then become the configured set).
   *  Reloads run one at a time. */
  reload(zones?: DnsZoneConfig[]): Promise<ZoneReloadReport> {
    const run = this.reloading.then(async () => {
      if (zones !== undefined) this.zoneConfigs = zones;
      const loaded = await loadZones(this.zoneConfigs, this.responder.zones, this.zoneLogger);
      this.responder.swap(loaded.zones);
      return loaded.report;
    });
    this.reloading = run.catch(() => undefined);
    return run;
  }

  close(): Promise<void> {
    return this.open.close(TCP_CLOSE_GRACE_MS);
  }
}
