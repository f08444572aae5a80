// The DNS server on all cores: N node:cluster workers each run a LocalDnsServer; the UDP socket
// and the TCP listener of each address are shared through the primary (Node 20's dgram has no
// reusePort). The primary chooses the port numbers first, so every worker binds the same ones.

import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../log/logger.ts';
import type { DnsServiceOptions } from './service.ts';
import type { FromWorker, ToWorker, WorkerStartOptions } from './cluster-messages.ts';
import { sumCounters, type CounterSnapshot } from './counters.ts';
import { openEndpoints, type Endpoint } from './endpoints.ts';
import type { NotifyHandler } from './transport.ts';
import { loadZones, type DnsZoneConfig, type ZoneReloadReport } from './zone-loading.ts';
import { Exclusive, TCP_CLOSE_GRACE_MS, type UpdateSettings } from './local-server.ts';
import { UpdateProcessor } from '../update/processor.ts';
import { keyRing } from '../tsig/keys.ts';
import { Opcode } from '../wire/model.ts';
import { ZoneSet } from '../zone/store.ts';
import { silentLogger } from '../../log/logger.ts';

const WORKER_ENTRY = fileURLToPath(new URL('./cluster-worker.ts', import.meta.url));
/** Workers run the TypeScript sources too: through tsx, found from here (not from the cwd). */
const WORKER_EXEC_ARGV = ['--import', import.meta.resolve('tsx')];
/** Time a worker gets to exit after "close" before it is killed. */
const WORKER_EXIT_MS = TCP_CLOSE_GRACE_MS + 3000;
/** Pause before replacing a worker that died, so a worker that cannot run does not spin. */
const RESPAWN_DELAY_MS = 1000;

const PINO_LEVELS: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };


export class ClusterDnsService {
  private readonly workers = new Set<Worker>();
  /** Workers that have started serving: the ones a reload goes to (one still starting loads
   *  the current zone list anyway, and ignores messages until it serves). */
  private readonly serving = new Set<Worker>();
  /** The worker that logs zone loads; a replacement takes over when it dies. */
  private zoneReporter?: Worker;
  private closing = false;
  private nextRequestId = 1;
  /** The zones as the first worker to serve loaded them at start. */
  loaded: ZoneReloadReport = { zones: [] };
  /** Reloads and dynamic updates, one at a time. */
  private readonly exclusive = new Exclusive();
  /** The primary's own copy of the dynamically updated zones: updates are applied here, once. */
  private dynamic = new ZoneSet();
  private updates?: UpdateProcessor;
  private notify?: NotifyHandler;

  private constructor(
    readonly endpoints: Endpoint[],
    private startOptions: WorkerStartOptions,
    private readonly logger: Logger,
  ) {}

  static async start(opts: DnsServiceOptions): Promise<ClusterDnsService> {
    const endpoints = await choosePorts(opts.listen, opts.logger);
    cluster.setupPrimary({ exec: WORKER_ENTRY, execArgv: WORKER_EXEC_ARGV });
    const startOptions: WorkerStartOptions = {
      listen: endpoints,
      zones: opts.zones,
      tcpIdleTimeoutMs: opts.tcpIdleTimeoutMs,
      maxTcpConnections: opts.maxTcpConnections,
      maxTcpQueriesPerConnection: opts.maxTcpQueriesPerConnection,
      logLevel: opts.logger.level,
      runAs: opts.runAs ?? {},
      logZones: false,
      forwardOpcodes: [...(opts.updates ? [Opcode.UPDATE] : []), ...(opts.notify ? [Opcode.NOTIFY] : [])],
      stages: opts.stages,
      keys: opts.keys,
    };
    const service = new ClusterDnsService(endpoints, startOptions, opts.logger);
    if (opts.updates) await service.takeUpdates(opts.updates, opts.zones);
    // NOTIFY goes to the secondary zones' refreshers, which run here.
    service.notify = opts.notify;
    const started = await Promise.allSettled(Array.from({ length: opts.workers }, () => service.spawn()));
    const failure = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure !== undefined) {
      await service.close();
      throw failure.reason;
    }
    opts.logger.info({ workers: opts.workers, endpoints }, 'DNS cluster workers started');
    return service;
  }

  /** Forks a worker and resolves once it serves. */
  private spawn(): Promise<void> {
    const worker = cluster.fork();
    this.workers.add(worker);
    if (this.zoneReporter === undefined || !this.workers.has(this.zoneReporter)) this.zoneReporter = worker;
    worker.on('message', (message: FromWorker) => {
      if (message.kind === 'log') this.relayLog(message.line, worker.id);
      else if (message.kind === 'forward') void this.answerForwarded(worker, message);
    });
    return new Promise((resolve, reject) => {
      let started = false;
      worker.on('message', (message: FromWorker) => {
        if (message.kind === 'loaded') {
          this.post(worker, { kind: 'start', options: { ...this.startOptions, logZones: this.zoneReporter === worker } });
        } else if (message.kind === 'started') {
          if (!started && this.serving.size === 0) this.loaded = message.report;
          started = true;
          this.serving.add(worker);
          resolve();
        } else if (message.kind === 'start-failed') {
          reject(new Error(message.message));
        }
      });
      worker.on('exit', (code, signal) => {
        this.workers.delete(worker);
        this.serving.delete(worker);
        if (!started) {
          reject(new Error(`DNS worker exited during start (${signal ?? `code ${code}`})`));
          return;
        }
        if (this.closing) return;
        this.logger.error({ worker: worker.id, code, signal }, 'DNS worker died; starting a replacement');
        setTimeout(() => {
          if (!this.closing) this.spawn().catch((err: Error) => this.logger.error({ err: err.message }, 'DNS replacement worker failed to start'));
        }, RESPAWN_DELAY_MS).unref();
      });
    });
  }

  /** Dynamic updates are applied by the primary alone (one journal writer); workers serve the result after a reload. */
  private async takeUpdates(settings: UpdateSettings, zones: DnsZoneConfig[]): Promise<void> {
    const names = new Set(settings.zones.map((z) => z.name));
    this.dynamic = (await loadZones(zones.filter((z) => names.has(z.name)), new ZoneSet(), silentLogger())).zones;
    this.updates = new UpdateProcessor({
      ...settings,
      keys: keyRing(this.startOptions.keys ?? []),
      current: () => this.dynamic,
      publish: async (zone) => {
        this.dynamic = this.dynamic.with(zone);
        await this.reloadWorkers();
      },
      exclusive: (work) => this.exclusive.run(work),
      logger: this.logger,
    });
  }

  private async answerForwarded(worker: Worker, message: FromWorker & { kind: 'forward' }): Promise<void> {
    const query = Buffer.from(message.query, 'base64');
    let response: Buffer | undefined;
    if (message.opcode === Opcode.UPDATE && this.updates) response = await this.updates.handle(query, message.client);
    else if (message.opcode === Opcode.NOTIFY && this.notify) response = this.notify(query, message.transport, message.client);
    this.post(worker, { kind: 'forwarded', id: message.id, response: response?.toString('base64') });
  }

  private post(worker: Worker, message: ToWorker): void {
    if (worker.isConnected()) worker.send(message);
  }

  private relayLog(line: string, workerId: number): void {
    try {
      const { level, msg, time: _time, pid: _pid, hostname: _hostname, ...fields } = JSON.parse(line) as Record<string, unknown>;
      this.logger[PINO_LEVELS[Number(level)] ?? 'info']({ ...fields, worker: workerId }, String(msg ?? ''));
    } catch {
      this.logger.info({ worker: workerId }, line.trim());
    }
  }

  /** Every worker reloads the zone files; the report is the first worker's (they read the same files). */
  reload(zones?: DnsZoneConfig[]): Promise<ZoneReloadReport> {
    return this.exclusive.run(async () => {
      if (zones !== undefined) this.startOptions = { ...this.startOptions, zones };
      if (this.updates) this.dynamic = (await loadZones(this.startOptions.zones.filter((z) => z.journal !== undefined), this.dynamic, silentLogger())).zones;
      return this.reloadWorkers();
    });
  }

  private async reloadWorkers(): Promise<ZoneReloadReport> {
    const id = this.nextRequestId++;
    const reports = await Promise.all([...this.serving].map((worker) => this.reloadWorker(worker, id)));
    const answered = reports.filter((r): r is ZoneReloadReport => r !== undefined);
    if (answered.length === 0) throw new Error('DNS: no worker is running to reload the zones');
    return answered[0];
  }

  private reloadWorker(worker: Worker, id: number): Promise<ZoneReloadReport | undefined> {
    return this.ask(worker, { kind: 'reload', id, zones: this.startOptions.zones }, (m) => (m.kind === 'reloaded' && m.id === id ? m.report : undefined));
  }

  /** Every serving worker's counters, added up. */
  async counters(): Promise<CounterSnapshot> {
    const id = this.nextRequestId++;
    const each = await Promise.all([...this.serving].map((worker) => this.ask(worker, { kind: 'counters', id }, (m) => (m.kind === 'counted' && m.id === id ? m.counters : undefined))));
    return sumCounters(each.filter((c): c is CounterSnapshot => c !== undefined));
  }

  /** Sends a request and waits for the reply `pick` recognises; undefined if the worker exits first. */
  private ask<T>(worker: Worker, request: ToWorker, pick: (message: FromWorker) => T | undefined): Promise<T | undefined> {
    return new Promise((resolve) => {
      const onMessage = (message: FromWorker): void => {
        const reply = pick(message);
        if (reply === undefined) return;
        worker.off('exit', onExit);
        worker.off('message', onMessage);
        resolve(reply);
      };
      const onExit = (): void => {
        worker.off('message', onMessage);
        resolve(undefined);
      };
      worker.on('message', onMessage);
      worker.once('exit', onExit);
      this.post(worker, request);
    });
  }

  /** Asks every worker to finish and exit; kills those that do not within a bound. */
  async close(): Promise<void> {
    this.closing = true;
    await this.updates?.flush();
    await Promise.all(
      [...this.workers].map(
        (worker) =>
          new Promise<void>((resolve) => {
            const kill = setTimeout(() => worker.process.kill('SIGKILL'), WORKER_EXIT_MS);
            worker.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            if (worker.isConnected()) this.post(worker, { kind: 'close' });
            else worker.process.kill('SIGTERM');
          }),
      ),
    );
  }
}

/** Binds every endpoint once in the primary to learn the port numbers (port 0: the OS chooses),
 *  then releases them for the workers. */
async function choosePorts(listen: Endpoint[], logger: Logger): Promise<Endpoint[]> {
  const probe = await openEndpoints(listen, () => undefined, { idleTimeoutMs: 1, maxConnections: 1 }, logger);
  await probe.close(0);
  return probe.endpoints;
}
