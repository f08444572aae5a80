// Which zones to NOTIFY and when: every zone with targets once the servers have loaded it at
// start, and again whenever a reload or a dynamic update brings a serial we have not announced.
// Runs in the process that starts the service (the cluster's primary), so each change is
// announced once, however many workers serve it.

import type { Logger } from '../../log/logger.ts';
import { canonicalName } from '../wire/names.ts';
import { nsHostTargets } from './notify-ns-hosts.ts';
import { DEFAULT_NOTIFY_TIMINGS, NotifySender, type NotifyTimings } from './notify-out.ts';
import type { DnsService } from './service.ts';
import type { DnsZoneConfig, ZoneReloadReport } from './zone-loading.ts';

export class ZoneNotifier {
  private readonly sender: NotifySender;
  /** The serial last announced per zone (canonical name). */
  private readonly announced = new Map<string, number>();

  constructor(
    private zones: readonly DnsZoneConfig[],
    private readonly logger: Logger,
    timings: NotifyTimings = DEFAULT_NOTIFY_TIMINGS,
    /** The addresses Postern listens on: never a NOTIFY target among the zone's name servers. */
    private readonly ours: ReadonlySet<string> = new Set(),
  ) {
    this.sender = new NotifySender(logger, timings);
  }

  /** Announces the zones `server` loaded at start, and from then on what its reloads bring. */
  attach(server: DnsService & { loaded: ZoneReloadReport }): DnsService {
    this.announce(server.loaded);
    return {
      endpoints: server.endpoints,
      reload: async (zones) => {
        if (zones !== undefined) this.zones = zones;
        const report = await server.reload(zones);
        this.announce(report);
        return report;
      },
      counters: () => server.counters(),
      close: () => {
        this.sender.close();
        return server.close();
      },
    };
  }

  /** A zone changed outside a reload (a dynamic update). */
  changed(zone: string, serial: number): void {
    const key = canonicalName(zone);
    if (this.announced.get(key) === serial) return;
    this.announced.set(key, serial);
    const config = this.zones.find((z) => canonicalName(z.name) === key);
    const listed = config?.notify ?? [];
    if (!config?.notifyNsHosts) {
      if (listed.length > 0) void this.sender.notify(zone, serial, listed);
      return;
    }
    void nsHostTargets(config, this.ours).then((hosts) => {
      const targets = [...listed, ...hosts.filter((h) => !listed.some((t) => t.address === h.address && t.port === h.port))];
      if (targets.length > 0) return this.sender.notify(zone, serial, targets);
    }, (err: Error) => this.logger.error({ zone, err: err.message }, 'NOTIFY: the zone\'s name servers could not be read'));
  }

  private announce(report: ZoneReloadReport): void {
    for (const zone of report.zones) if (zone.ok && zone.serial !== undefined) this.changed(zone.name, zone.serial);
  }
}

