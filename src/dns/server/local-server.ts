// One process serving the zones on every listen address: the whole server when workers = 1,
// and what each node:cluster worker runs otherwise.

import type { Logger } from '../../log/logger.ts';
import { ZoneSet } from '../zone/store.ts';
import { openEndpoints, type Endpoint, type OpenEndpoints } from './endpoints.ts';
import { UpdateProcessor, type DynamicZone } from '../update/processor.ts';
import { Opcode } from '../wire/model.ts';
import { withOpcodeHandlers } from './dispatch.ts';
import { Responder } from './responder.ts';
import type { NotifyHandler, QueryHandler } from './transport.ts';
import { loadZones, type DnsZoneConfig, type ZoneReloadReport } from './zone-loading.ts';
import { withServerStages, type ServerStages, type StageSettings } from '../recursor/server-stages.ts';
import type { CounterSnapshot } from './counters.ts';
import { keyRing, type TsigKeySpec } from '../tsig/keys.ts';
import { TransferPolicy, ZoneTransfers } from './zone-transfer.ts';
import { withTransfersAndTsig } from './zone-transfer-stage.ts';

export interface LocalServerOptions {
  listen: Endpoint[];
  zones: DnsZoneConfig[];
  tcpIdleTimeoutMs: number;
  maxTcpConnections: number;
  /** Queries one TCP connection may send before it is closed (default: the listener's). */
  maxTcpQueriesPerConnection?: number;
  logger: Logger;
  /** Where zone loads and their problems are logged (default: logger). Cluster workers other
   *  than the first pass a silent one, so each zone event is logged once. */
  zoneLogger?: Logger;
  /** Dynamic updates carried out in this process (workers = 1). */
  updates?: UpdateSettings;
  /** Messages of these opcodes go elsewhere (a cluster worker hands UPDATE to the primary). */
  forwarded?: ReadonlyMap<number, QueryHandler>;
  /** NOTIFY for our secondary zones, answered in this process (workers = 1). */
  notify?: NotifyHandler;
  /** Recursion, rate limiting and the counters they feed, in front of the responder. */
  stages?: StageSettings;
  /** TSIG keys (dns.keys): signed queries and zone transfers. */
  keys?: TsigKeySpec[];
}

export interface UpdateSettings {
  zones: DynamicZone[];
  changed?(zone: string, serial: number): void;
}

/** How long open TCP connections get to send their answers when the server closes. */
export const TCP_CLOSE_GRACE_MS = 2000;

export class LocalDnsServer {
  private constructor(
    private zoneConfigs: DnsZoneConfig[],
    private readonly responder: Responder,
    private readonly open: OpenEndpoints,
    private readonly zoneLogger: Logger,
    private readonly exclusive: Exclusive,
    private readonly stages: ServerStages,
    private readonly transferPolicy: TransferPolicy,
    /** The zones as loaded at start (their serials: NOTIFY compares a reload's with them). */
    readonly loaded: ZoneReloadReport,
    private readonly updates?: UpdateProcessor,
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
    const exclusive = new Exclusive();
    const handlers = new Map<number, QueryHandler>(opts.forwarded);
    if (opts.notify) handlers.set(Opcode.NOTIFY, opts.notify);
    let processor: UpdateProcessor | undefined;
    if (opts.updates) {
      processor = new UpdateProcessor({
        ...opts.updates,
        keys: keyRing(opts.keys ?? []),
        current: () => responder.zones,
        publish: async (zone) => responder.swap(responder.zones.with(zone)),
        exclusive: (work) => exclusive.run(work),
        logger: opts.logger,
      });
      const run = processor;
      handlers.set(Opcode.UPDATE, (query, _transport, client) => run.handle(query, client));
    }
    const transferPolicy = new TransferPolicy();
    transferPolicy.configure(opts.zones);
    const transfers = new ZoneTransfers(transferPolicy, () => responder.zones, opts.logger);
    const answer = withTransfersAndTsig(responder.respond, { transfers, keys: keyRing(opts.keys ?? []), logger: opts.logger });
    const stages = await withServerStages(withOpcodeHandlers(answer, handlers), opts.stages ?? {}, () => responder.zones, opts.logger);
    const open = await openEndpoints(opts.listen, stages.handler, { idleTimeoutMs: opts.tcpIdleTimeoutMs, maxConnections: opts.maxTcpConnections, maxQueriesPerConnection: opts.maxTcpQueriesPerConnection }, opts.logger);
    return new LocalDnsServer(opts.zones, responder, open, zoneLogger, exclusive, stages, transferPolicy, report, processor);
  }

  get endpoints(): Endpoint[] {
    return this.open.endpoints;
  }

  /** Re-reads the zone files (of `zones` when given, which then become the configured set).
   *  Reloads run one at a time, and never while an update is applied. */
  reload(zones?: DnsZoneConfig[]): Promise<ZoneReloadReport> {
    return this.exclusive.run(async () => {
      if (zones !== undefined) this.zoneConfigs = zones;
      this.transferPolicy.configure(this.zoneConfigs);
      const loaded = await loadZones(this.zoneConfigs, this.responder.zones, this.zoneLogger);
      this.responder.swap(loaded.zones);
      return loaded.report;
    });
  }

  /** Stops serving; zone files with updates not yet written back are written first. */
  /** This process's counters. */
  counters(): CounterSnapshot {
    return this.stages.counters.snapshot();
  }

  async close(): Promise<void> {
    this.stages.close();
    await this.open.close(TCP_CLOSE_GRACE_MS);
    await this.updates?.flush();
  }
}

/** Runs one piece of zone-changing work at a time: reloads and dynamic updates. */
export class Exclusive {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(work);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
