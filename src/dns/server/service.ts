// The authoritative DNS service as the application starts it: zones from master files, UDP and
// TCP on every listen address, in this process (workers = 1) or on N cluster workers.

import type { RunAs } from '../../system/privileges.ts';
import type { Logger } from '../../log/logger.ts';
import { ClusterDnsService } from './cluster-service.ts';
import type { Endpoint } from './endpoints.ts';
import { LocalDnsServer } from './local-server.ts';
import type { DnsZoneConfig, ZoneReloadReport } from './zone-loading.ts';
import type { UpdateSettings } from './local-server.ts';
import type { StageSettings } from '../recursor/server-stages.ts';
import type { CounterSnapshot } from './counters.ts';
import { SecondaryZones } from '../secondary/secondary-zones.ts';
import { ZoneNotifier } from './notify-zones.ts';
import type { NotifyHandler } from './transport.ts';
import type { TsigKeySpec } from '../tsig/keys.ts';

export type { DnsZoneConfig, ZoneReloadReport, ZoneReport } from './zone-loading.ts';

export interface DnsServiceOptions {
  listen: Endpoint[];
  zones: DnsZoneConfig[];
  /** 1: answer in this process; N > 1: N node:cluster workers sharing the sockets. */
  workers: number;
  tcpIdleTimeoutMs: number;
  maxTcpConnections: number;
  /** Queries one TCP connection may send before it is closed (default: the listener's). */
  maxTcpQueriesPerConnection?: number;
  /** Cluster workers become this user and group once serving; a single process is dropped by its caller. */
  runAs?: RunAs;
  /** Zones that take dynamic updates (RFC 2136), and who may send them. */
  updates?: UpdateSettings;
  /** Recursion and response rate limiting in front of the zones. */
  stages?: StageSettings;
  /** NOTIFY messages, answered in this process (cluster workers hand them over). */
  notify?: NotifyHandler;
  /** TSIG keys (dns.keys): signed queries and zone transfers. */
  keys?: TsigKeySpec[];
  logger: Logger;
}

export interface DnsService {
  /** The bound addresses and ports (an OS-chosen port when 0 was asked); UDP and TCP share it. */
  readonly endpoints: Endpoint[];
  /** Re-reads the zone files; a zone with errors keeps serving its previous version. */
  reload(zones?: DnsZoneConfig[]): Promise<ZoneReloadReport>;
  /** Queries by type, responses by rcode and the other counters, summed over the workers. */
  counters(): CounterSnapshot | Promise<CounterSnapshot>;
  /** Stops listening; open TCP connections get a bounded time to send their answers. */
  close(): Promise<void>;
}

export async function startDnsService(opts: DnsServiceOptions): Promise<DnsService> {
  if (!Number.isInteger(opts.workers) || opts.workers < 1) throw new Error(`DNS: workers must be a whole number of at least 1, got ${opts.workers}`);
  if (!opts.zones.some((zone) => zone.secondary !== undefined)) return startServers(opts);
  // Secondary zones are refreshed once, in this process; the servers reload when one changes.
  const secondaries = await SecondaryZones.prepare(opts.zones, opts.logger);
  return secondaries.attach(await startServers({ ...opts, zones: secondaries.served(), notify: secondaries.notify }));
}

/** The servers, and NOTIFY of each zone's new serials (from here: once, not per worker). */
async function startServers(opts: DnsServiceOptions): Promise<DnsService> {
  const notifier = new ZoneNotifier(opts.zones, opts.logger, undefined, new Set(opts.listen.map((endpoint) => endpoint.address)));
  const given = opts.updates;
  const updates = given && {
    ...given,
    changed: (zone: string, serial: number) => {
      given.changed?.(zone, serial);
      notifier.changed(zone, serial);
    },
  };
  const withUpdates = { ...opts, updates };
  return notifier.attach(opts.workers === 1 ? await LocalDnsServer.start(withUpdates) : await ClusterDnsService.start(withUpdates));
}
