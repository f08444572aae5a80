// The secondary zones of a DNS service: one refresher per zone, run once (in the single server's
// process, or in the cluster's primary), in front of the servers. Whenever a refresher stores a
// new copy or a zone expires or comes back, the servers reload the zones (every cluster worker
// does); NOTIFY messages are answered here (cluster workers hand them over).

import type { Logger } from '../../log/logger.ts';
import { canonicalName } from '../wire/names.ts';
import type { DnsService, DnsZoneConfig, ZoneReloadReport } from '../server/service.ts';
import type { NotifyHandler } from '../server/transport.ts';
import { receiveNotify } from './notify-in.ts';
import { DEFAULT_REFRESH_TIMINGS, ZoneRefresher, type RefreshTimings } from './refresher.ts';

export class SecondaryZones {
  private readonly refreshers = new Map<string, ZoneRefresher>();
  private server?: DnsService;
  /** A zone expired while the servers were starting with the list from before: reload them once attached. */
  private changedBeforeAttach = false;
  private closed = false;

  private constructor(
    private zones: DnsZoneConfig[],
    private readonly logger: Logger,
    private readonly timings: RefreshTimings,
  ) {}

  /** Reads the stored copies, so that the servers start with them (or with SERVFAIL for expired ones). */
  static async prepare(zones: DnsZoneConfig[], logger: Logger, timings: RefreshTimings = DEFAULT_REFRESH_TIMINGS): Promise<SecondaryZones> {
    const secondaries = new SecondaryZones(zones, logger, timings);
    await secondaries.sync(zones);
    return secondaries;
  }

  /** The zone list as the servers load it: each secondary zone with its expiry state. */
  served(): DnsZoneConfig[] {
    return this.zones.map((zone) => {
      const refresher = this.refreshers.get(canonicalName(zone.name));
      return zone.secondary === undefined || refresher === undefined ? zone : { ...zone, secondary: { ...zone.secondary, expired: refresher.expired } };
    });
  }

  readonly notify: NotifyHandler = (query, _transport, client) =>
    receiveNotify(
      query,
      client,
      (name) => {
        const refresher = this.refreshers.get(name);
        const zone = this.zones.find((z) => z.secondary !== undefined && canonicalName(z.name) === name);
        return refresher === undefined || zone?.secondary === undefined ? undefined : { name: zone.name, primaries: zone.secondary.primaries, allowNotify: zone.secondary.allowNotify, notified: () => refresher.notified() };
      },
      this.logger,
    );

  /** Serves through `server` from now on and starts refreshing. */
  attach(server: DnsService): DnsService {
    this.server = server;
    if (this.changedBeforeAttach) this.publish();
    for (const refresher of this.refreshers.values()) refresher.begin();
    return {
      endpoints: server.endpoints,
      reload: (zones) => this.reload(zones),
      counters: () => server.counters(),
      close: () => this.close(),
    };
  }

  private async reload(zones?: DnsZoneConfig[]): Promise<ZoneReloadReport> {
    if (zones !== undefined) {
      const added = await this.sync(zones);
      for (const refresher of added) refresher.begin();
    }
    return this.server!.reload(this.served());
  }

  /** Takes a new zone list: refreshers for new secondary zones (returned, loaded but not begun), none for dropped ones. */
  private async sync(zones: DnsZoneConfig[]): Promise<ZoneRefresher[]> {
    this.zones = zones;
    const wanted = new Map(zones.filter((z) => z.secondary !== undefined).map((z) => [canonicalName(z.name), z]));
    for (const [name, refresher] of this.refreshers) {
      if (wanted.has(name)) continue;
      this.refreshers.delete(name);
      await refresher.close();
    }
    const added: ZoneRefresher[] = [];
    for (const [name, zone] of wanted) {
      const existing = this.refreshers.get(name);
      if (existing !== undefined) {
        existing.setPrimaries(zone.secondary!.primaries);
        continue;
      }
      const refresher = new ZoneRefresher({
        name: zone.name,
        file: zone.file,
        primaries: zone.secondary!.primaries,
        timings: this.timings,
        logger: this.logger,
        changed: () => this.publish(),
      });
      await refresher.load();
      this.refreshers.set(name, refresher);
      added.push(refresher);
    }
    return added;
  }

  private publish(): void {
    if (this.server === undefined) this.changedBeforeAttach = true;
    if (this.closed || this.server === undefined) return;
    this.server.reload(this.served()).then(
      (report) => {
        for (const zone of report.zones.filter((z) => !z.ok)) this.logger.error({ zone: zone.name, problems: zone.problems }, 'zone reload after a secondary zone changed failed');
      },
      (err: Error) => this.logger.error({ err: err.message }, 'zone reload after a secondary zone changed failed'),
    );
  }

  private async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.refreshers.values()].map((r) => r.close()));
    await this.server?.close();
  }
}
