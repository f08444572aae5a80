// The composition root: builds the services from the configuration and wires them together.
import { unlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { storedCopyPath } from '../dns/secondary/stored-copy.ts';
import type { StageSettings } from '../dns/recursor/server-stages.ts';
import { accessList } from '../dns/acl.ts';
import type { UpdateSettings } from '../dns/server/local-server.ts';
import { startDnsService, type DnsService, type DnsZoneConfig } from '../dns/server/service.ts';
import type { Logger } from '../log/logger.ts';
import { controlSocketPath, pidFilePath, type ControlCommand, type ControlReply } from './control-protocol.ts';
import { isControlSocketLive, startControlServer } from './control-server.ts';
import { dropPrivileges, prepareStateDir } from '../system/privileges.ts';
import { MailService, mailPolicyOf, type MailPolicy } from './mail-service.ts';
import { resolverFromConfig } from './resolver-from-config.ts';
import type { Resolver } from '../dns/resolver/resolver.ts';
import { MailEvents } from '../log/mail-events.ts';
import { adminSettingsOf } from '../admin/settings.ts';
import { startAdminServer, type AdminServer } from '../admin/server.ts';
import { adminBackend } from './admin-backend.ts';

/** On stop, SMTP sessions get this long to finish their transaction before 421 and close. */
const SMTP_CLOSE_GRACE_MS = 5000;

/** Keys that only take effect at start: a reload that changes them says so. */
const RESTART_KEYS = ['dataDir', 'user', 'group', 'smtp.listeners', 'smtp.limits', 'smtp.bareLineEndings', 'queue.minFree', 'delivery.tls', 'dns.listen', 'dns.workers', 'dns.tcpIdleTimeout', 'dns.maxTcpConnections', 'dns.maxTcpQueriesPerConnection', 'dns.recursion', 'dns.rateLimit', 'dns.keys', 'admin'] as const;

/** Where a dynamically updated zone keeps its journal. */
function journalPath(config: Config, zone: string): string {
  return join(config.dataDir, 'dns', 'journal', `${zone || 'root'}.jnl`);
}

export function dnsZonesOf(config: Config): DnsZoneConfig[] {
  return config.dns.zones.map((z) => ({
    ...(z.allowUpdate.length > 0 ? { journal: journalPath(config, z.name) } : {}),
    ...(z.type === 'secondary' ? { name: z.name, file: storedCopyPath(config.dataDir, z.name), secondary: { primaries: (z.primaries ?? []).map((p) => ({ ...p.address, key: keyNamed(config, p.key) })), allowNotify: { rules: z.allowNotify, keys: config.dns.keys } } } : { name: z.name, file: z.file! }),
    allowTransfer: z.allowTransfer,
    notify: z.notify.map((target) => ({ ...target.address, key: config.dns.keys.find((key) => key.name === target.key) })),
    notifyNsHosts: z.notifyNsHosts,
  }));
}

/** The dns.keys entry of that name (the schema has checked it exists). */
function keyNamed(config: Config, name: string | undefined): Config['dns']['keys'][number] | undefined {
  return name === undefined ? undefined : config.dns.keys.find((key) => key.name === name.toLowerCase());
}

/** The zones that take RFC 2136 updates, with who may send them. */
export function dnsUpdatesOf(config: Config): UpdateSettings | undefined {
  const zones = config.dns.zones.filter((z) => z.type === 'primary' && z.allowUpdate.length > 0);
  if (zones.length === 0) return undefined;
  return { zones: zones.map((z) => ({ name: z.name, file: z.file!, journal: journalPath(config, z.name), allow: accessList(z.allowUpdate), zonefileSyncMs: z.zonefileSync })) };
}

/** Recursion (when enabled) and rate limiting, in front of the zones. */
export function dnsStagesOf(config: Config): StageSettings {
  const { recursion, rateLimit } = config.dns;
  return {
    recursion: recursion.enabled
      ? { allow: recursion.allow, rootHints: recursion.rootHints, forwarders: recursion.forwarders, serveStale: recursion.serveStale, qnameMinimisation: recursion.qnameMinimisation, serverPort: recursion.serverPort, cacheEntries: recursion.cacheSize }
      : undefined,
    rateLimit,
    keys: config.dns.keys,
  };
}

export function dnsWorkersOf(config: Config): number {
  return config.dns.workers === 'auto' ? availableParallelism() : config.dns.workers;
}

/** dataDir, created while Postern may still be root and given to the user it will become. */
function openStateDir(config: Config): void {
  try {
    prepareStateDir(config.dataDir, { user: config.user, group: config.group });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === undefined) throw err;
    throw new Error(`dataDir: cannot create ${config.dataDir}: ${code}; make its parent writable by the user starting Postern`);
  }
}

export class Postern {
  private control?: Server;
  private admin?: AdminServer;
  private stopping?: Promise<void>;
  private markStopped!: (done: Promise<void>) => void;
  private readonly stoppedPromise = new Promise<void>((resolve) => {
    this.markStopped = (done) => void done.then(resolve);
  });

  private constructor(
    private config: Config,
    private readonly logger: Logger,
    private readonly resolver: Resolver,
    private readonly dns: DnsService | undefined,
    private readonly mail: MailService | undefined,
    private readonly events: MailEvents,
  ) {}

  /** Binds every listener, then drops privileges, then opens the control socket in dataDir. */
  static async start(config: Config, logger: Logger): Promise<Postern> {
    const controlPath = controlSocketPath(config.dataDir);
    if (await isControlSocketLive(controlPath)) throw new Error(`another Postern is running with dataDir ${config.dataDir} (its control socket answers); stop it first with "postern stop"`);
    // Certificates and users files are read now, as root, like Postfix reads its keys before dropping privileges.
    const resolver = resolverFromConfig(config, logger);
    const events = new MailEvents();
    const mailPolicy = mailPolicyOf(config, logger, resolver, events);
    const adminSettings = adminSettingsOf(config);
    openStateDir(config);
    const dns = config.dns.listen.length === 0 ? undefined : await startDnsService({
      listen: config.dns.listen,
      zones: dnsZonesOf(config),
      workers: dnsWorkersOf(config),
      tcpIdleTimeoutMs: config.dns.tcpIdleTimeout,
      maxTcpConnections: config.dns.maxTcpConnections,
      maxTcpQueriesPerConnection: config.dns.maxTcpQueriesPerConnection,
      stages: dnsStagesOf(config),
      keys: config.dns.keys,
      updates: dnsUpdatesOf(config),
      runAs: { user: config.user, group: config.group },
      logger,
    });
    let mail: MailService | undefined;
    try {
      mail = await MailService.bind(config, mailPolicy, resolver, logger);
    } catch (err) {
      resolver.close();
      await dns?.close();
      throw err;
    }
    const postern = new Postern(config, logger, resolver, dns, mail, events);
    try {
      dropPrivileges({ user: config.user, group: config.group }, logger);
      await mail?.serve(config, events);
      postern.control = await startControlServer(controlPath, (command, args) => postern.command(command, args), logger);
      if (adminSettings) postern.admin = await startAdminServer(adminSettings, postern.adminBackend(), logger);
    } catch (err) {
      postern.control?.close();
      await Promise.all([dns?.close(), mail?.close(0)]);
      resolver.close();
      throw err;
    }
    writeFileSync(pidFilePath(config.dataDir), `${process.pid}\n`);
    logger.info({ config: config.configFile, smtp: mail?.endpoints, dns: dns?.endpoints, admin: postern.admin?.endpoint, pid: process.pid }, 'postern started');
    return postern;
  }

  private adminBackend() {
    return adminBackend({ events: this.events, mail: this.mail, dns: this.dns, resolver: this.resolver, config: () => this.config, reloadZones: () => this.reloadZones(dnsZonesOf(this.config)) });
  }

  async command(command: ControlCommand, args: string[] = []): Promise<ControlReply> {
    switch (command) {
      case 'status': {
        const counters = this.dns === undefined ? {} : await this.dns.counters();
        const counted = Object.entries(counters).map(([name, count]) => `${name}=${count}`);
        return {
          ok: true,
          message: `running, pid ${process.pid}`,
          details: [
            ...(this.mail?.endpoints.map((e) => `smtp ${e.address}:${e.port} (${e.role})`) ?? []),
            ...(this.dns?.endpoints.map((e) => `dns ${e.address}:${e.port}`) ?? []),
            ...(counted.length > 0 ? [`dns counters: ${counted.join(' ')}`] : []),
          ],
        };
      }
      case 'reload':
        return this.reload();
      case 'dns-reload':
        return this.reloadZones(dnsZonesOf(this.config));
      case 'queue':
        return this.mail ? this.mail.queueCommand(args) : { ok: false, message: 'no SMTP listeners are configured: there is no mail queue' };
      case 'quarantine':
        return this.mail ? this.mail.quarantineCommand(args) : { ok: false, message: 'no SMTP listeners are configured: there is no quarantine' };
      case 'stop':
        setImmediate(() => void this.stop());
        return { ok: true, message: 'stopping' };
    }
  }

  /** Re-reads the configuration file; a bad one is refused and the running one stays. */
  async reload(): Promise<ControlReply> {
    let next: Config;
    let mailPolicy: MailPolicy;
    try {
      next = loadConfig(this.config.configFile);
      mailPolicy = mailPolicyOf(next, this.logger, this.resolver, this.events);
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'reload refused: the configuration has errors; the running configuration stays');
      return { ok: false, message: 'reload refused: the configuration has errors; the running configuration stays', details: [(err as Error).message] };
    }
    const needRestart = RESTART_KEYS.filter((key) => JSON.stringify(valueAt(this.config, key)) !== JSON.stringify(valueAt(next, key)));
    if (needRestart.length > 0) this.logger.warn({ keys: needRestart }, 'changed keys take effect only after a restart');
    this.logger.level = next.log.level;
    this.config = next;
    this.mail?.reload(next, mailPolicy);
    const zones = await this.reloadZones(dnsZonesOf(next));
    const restartNote = needRestart.length > 0 ? [`needs a restart to take effect: ${needRestart.join(', ')}`] : [];
    this.logger.info({ zonesOk: zones.ok }, 'configuration reloaded');
    return { ok: zones.ok, message: zones.ok ? 'configuration reloaded' : 'configuration reloaded; some zones kept their previous version', details: [...(zones.details ?? []), ...restartNote] };
  }

  private async reloadZones(zones: DnsZoneConfig[]): Promise<ControlReply> {
    if (!this.dns) return { ok: true, message: 'no DNS listener configured', details: [] };
    const report = await this.dns.reload(zones);
    const details = report.zones.map((z) => (z.ok ? `zone ${z.name}: serial ${z.serial}` : `zone ${z.name}: not reloaded, previous version keeps serving: ${z.problems.join('; ')}`));
    const ok = report.zones.every((z) => z.ok);
    return { ok, message: ok ? 'zones reloaded' : 'some zones were not reloaded', details };
  }

  /** Stops accepting, lets work in progress finish within shutdownTimeout, then closes. */
  stop(): Promise<void> {
    this.stopping ??= this.shutDown();
    this.markStopped(this.stopping);
    return this.stopping;
  }

  /** Settles once a stop, from any source, has finished. */
  stopped(): Promise<void> {
    return this.stoppedPromise;
  }

  private async shutDown(): Promise<void> {
    this.logger.info('stopping');
    this.control?.close();
    await this.admin?.close();
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, this.config.shutdownTimeout, 'timeout').unref());
    const outcome = await Promise.race([Promise.all([this.dns?.close(), this.mail?.close(Math.min(this.config.shutdownTimeout, SMTP_CLOSE_GRACE_MS))]), timeout]);
    this.resolver.close();
    if (outcome === 'timeout') this.logger.warn({ shutdownTimeout: this.config.shutdownTimeout }, 'shutdown timeout reached; closing what is still open');
    for (const file of [pidFilePath(this.config.dataDir), controlSocketPath(this.config.dataDir)]) {
      try {
        unlinkSync(file);
      } catch {
        // already gone: nothing to clean up
      }
    }
    this.logger.info('stopped');
  }
}

function valueAt(config: Config, key: string): unknown {
  return key.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], config);
}
