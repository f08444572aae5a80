// The mail side, built from the configuration: SMTP listeners, the spool behind them, relay
// control, and local delivery. Listeners are bound first (port 25 needs root); the spool and
// delivery start once privileges are dropped, so every file they write belongs to Postern's user.
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Config } from '../config/schema.ts';
import { ConnectionPool } from '../delivery/connection-pool.ts';
import { QueueAdmin, type AdminReply } from '../delivery/queue-admin.ts';
import { QueueManager } from '../delivery/queue-manager.ts';
import { tlsPolicyOf, type ConfiguredTlsPolicy } from '../delivery/tls-policy-config.ts';
import type { Resolver } from '../dns/resolver/resolver.ts';
import { openDirectory, type Directory } from '../directory/directory.ts';
import { dkimSignChecks, senderAuthChecks } from './auth-checks.ts';
import { blocklistChecks } from './blocklist-checks.ts';
import { contentChecks } from './content-checks.ts';
import { clamdScannerOf } from '../content/clamd.ts';
import { contentFollowUp } from '../content/notify.ts';
import { NoticeOutbox } from '../content/notify-outbox.ts';
import type { Logger } from '../log/logger.ts';
import type { MailEvents } from '../log/mail-events.ts';
import { observedChecks } from './observed-checks.ts';
import { timedScanner } from './timed-scanner.ts';
import { envelopeExpanderOf, recipientChecks } from './directory-checks.ts';
import type { EnvelopeExpander } from '../policy/recipient-expansion.ts';
import type { SmtpCheck } from '../policy/check.ts';
import { networkMatcher } from '../policy/networks.ts';
import { hopCountCheck } from '../policy/hop-count.ts';
import { rejectRouteCheck } from '../policy/reject-route.ts';
import { QuarantineAdmin, type QuarantineReply } from '../queue/quarantine-admin.ts';
import { QuarantineStore } from '../queue/quarantine.ts';
import { Spool } from '../queue/spool.ts';
import type { SmtpServerOptions } from '../smtp/server/options.ts';
import { startSmtpServer, type SmtpServer } from '../smtp/server/server.ts';
import type { MessageSink, MessageWriter } from '../smtp/server/sink.ts';
import { loadServerTls } from '../smtp/server/tls-contexts.ts';
import { connectSmtp } from '../smtp/client/connect.ts';
import { relayGuardChecks } from './relay-checks.ts';
import { selfIdentity } from './self-identity.ts';

/** How long an outbound connection is kept open for the next message to the same place. */
const IDLE_CONNECTION_MS = 5000;

/** What checks may use beyond their own configuration: one resolver and one directory for the whole service. */
export interface PolicyServices {
  resolver: Resolver;
  directory?: Directory;
  logger: Logger;
  /** Told of scanner latencies (metrics), when the admin side listens. */
  events?: MailEvents;
  /** Where the content check's notices (notify, copyPostmaster) are queued. */
  outbox?: NoticeOutbox;
}

function checksOf(config: Config, services: PolicyServices): SmtpCheck[] {
  return [
    // Relay control, anti-spoofing, HELO, submission senders, rate limits.
    ...relayGuardChecks(config, services.directory),
    // Recipients of our domains against the directory: after relay control, which accepts the postmaster.
    ...recipientChecks(config, services.directory),
    // DNS blocklists for the client, its HELO name and sender domain, then greylisting: all refuse at RCPT.
    ...blocklistChecks(config, services),
    rejectRouteCheck(config.routes),
    hopCountCheck(),
    // End of data: sender authentication before every other check, DKIM signing after all of them.
    ...senderAuthChecks(config, services),
    // Content filtering: may refuse, quarantine, discard or rewrite the message the signer then signs.
    ...contentChecks(config, services.logger, {
      scanner: timedScanner(clamdScannerOf(config.content.clamav), 'clamd', services.events),
      failOpen: config.content.clamav?.failOpen,
      followUp: services.outbox && contentFollowUp({ ...config.content, domains: config.domains, hostname: config.hostname, outbox: services.outbox, logger: services.logger }),
    }),
    ...dkimSignChecks(config, services.logger),
  ];
}

export type MailPolicy = Pick<SmtpServerOptions, 'checks' | 'isTrusted' | 'tls' | 'auth'> & {
  /** Rewrites the recipients of our domains to what the directory expands them to, before the commit. */
  expandRecipients?: EnvelopeExpander;
  /** The content check's notices, queued once the spool is open (attached by MailService). */
  outbox?: NoticeOutbox;
};

/**
 * What the SMTP server applies from the configuration and may change on reload. Reads the
 * certificates and users files: a problem with them is a ConfigError naming the key.
 */
export function mailPolicyOf(config: Config, logger: Logger, resolver: Resolver, events?: MailEvents): MailPolicy {
  const tls = loadServerTls(config.configFile, config.smtp.tls.certificates, config.smtp.tls.minVersion);
  const directory = openDirectory(config.directory, { configFile: config.configFile, logger });
  const { auth } = config.smtp;
  const outbox = new NoticeOutbox(config.hostname);
  return {
    checks: events ? observedChecks(checksOf(config, { resolver, directory, logger, events, outbox }), events) : checksOf(config, { resolver, directory, logger, outbox }),
    isTrusted: networkMatcher(config.relay.networks),
    tls,
    auth: directory && { authenticator: directory, allowPlaintext: auth.allowPlaintext, onMta: auth.onMta, failureDelayMs: auth.failureDelay, maxFailures: auth.maxFailures },
    expandRecipients: envelopeExpanderOf(config, directory, logger),
    outbox,
  };
}

/** Until the spool is open (a moment after the bind), there is no room: MAIL gets 452 4.3.1. */
class SpoolSink implements MessageSink {
  spool?: Spool;
  expandRecipients?: EnvelopeExpander;
  /** The policy's notice outbox, attached to the spool when it opens. */
  outbox?: NoticeOutbox;
  open(): MessageWriter {
    if (!this.spool) throw new Error('the spool is not open yet');
    const writer = this.spool.open();
    const expand = this.expandRecipients;
    if (!expand) return writer;
    return {
      id: writer.id,
      write: (chunk) => writer.write(chunk),
      commit: async (envelope, options) => writer.commit(await expand(envelope), options),
      read: () => writer.read(),
      replace: (message) => writer.replace(message),
      prepend: (bytes) => writer.prepend(bytes),
      abort: () => writer.abort(),
    };
  }
  hasRoomFor(size: number): boolean {
    return this.spool?.hasRoomFor(size) ?? false;
  }
}

export class MailService {
  private spool?: Spool;
  private delivery?: QueueManager;
  private admin?: QueueAdmin;
  private quarantine?: QuarantineAdmin;

  private constructor(
    private readonly smtp: SmtpServer,
    private readonly sink: SpoolSink,
    private readonly resolver: Resolver,
    private readonly deliveryTls: ConfiguredTlsPolicy,
    private readonly logger: Logger,
  ) {}

  get endpoints(): SmtpServer['endpoints'] {
    return this.smtp.endpoints;
  }

  /** Binds the listeners; undefined when the configuration has none. */
  static async bind(config: Config, policy: MailPolicy, resolver: Resolver, logger: Logger): Promise<MailService | undefined> {
    if (config.smtp.listeners.length === 0) return undefined;
    // Before the bind and the privilege drop: the CA files are read as the user who may read them, and a bad one stops start-up.
    const deliveryTls = tlsPolicyOf(config, resolver, logger);
    const sink = new SpoolSink();
    const { expandRecipients, outbox, ...serverPolicy } = policy;
    sink.outbox = outbox;
    sink.expandRecipients = expandRecipients;
    const limits = config.smtp.limits;
    const smtp = await startSmtpServer({
      hostname: config.hostname,
      listeners: config.smtp.listeners,
      limits: {
        maxMessageSize: limits.maxMessageSize,
        maxRecipients: limits.maxRecipients,
        maxErrors: limits.maxErrors,
        commandTimeoutMs: limits.commandTimeout,
        dataTimeoutMs: limits.dataTimeout,
        sessionTimeoutMs: limits.sessionTimeout,
        maxConnections: limits.maxConnections,
        maxConnectionsPerClient: limits.maxConnectionsPerClient,
        maxLineLength: limits.maxLineLength,
      },
      bareLineEndings: config.smtp.bareLineEndings,
      greetDelayMs: config.policy.greetDelay,
      ...serverPolicy,
      sink,
      logger,
    });
    return new MailService(smtp, sink, resolver, deliveryTls, logger);
  }

  /** Opens the spool (recovering what a crash left), then starts delivering. */
  async serve(config: Config, events?: MailEvents): Promise<void> {
    this.spool = await Spool.open({
      dir: join(config.dataDir, 'queue'),
      minFreeBytes: config.queue.minFree ?? Math.ceil(1.5 * config.smtp.limits.maxMessageSize),
      logger: this.logger,
    });
    this.sink.spool = this.spool;
    this.sink.outbox?.attach(this.spool);
    // Port 0 marks the messages Postern writes itself (DSNs): they were not accepted from anyone.
    this.spool.onCommitted((queueId, envelope) => {
      if (envelope.client.port !== 0) events?.emit('accepted', { queueId, client: envelope.client.address, recipients: envelope.recipients.length });
    });
    const { delivery, queue } = config;
    this.delivery = new QueueManager({
      spool: this.spool,
      routes: config.routes,
      hostname: config.hostname,
      timing: { retryMinMs: queue.retry.min, retryMaxMs: queue.retry.max, delayWarningMs: queue.delayWarning, lifetimeMs: queue.lifetime },
      pool: new ConnectionPool({ maxConnections: delivery.maxConnections, perDestination: delivery.perDestination, messagesPerConnection: delivery.messagesPerConnection, idleMs: IDLE_CONNECTION_MS }),
      smtp: {
        resolver: this.resolver,
        self: selfIdentity(config),
        connect: connectSmtp,
        heloName: delivery.heloName ?? config.hostname,
        sourceAddress: delivery.sourceAddress,
        mxPort: delivery.port,
        timeouts: { connectMs: delivery.connectTimeout },
        tls: this.deliveryTls.policy,
      },
      logger: this.logger,
      events,
    });
    this.admin = new QueueAdmin(this.spool, this.delivery, { now: () => Date.now() });
    const manager = this.delivery;
    this.quarantine = new QuarantineAdmin(new QuarantineStore(this.spool, config.content.quarantine.retention), (id) => void manager.deliver(id), this.logger);
    this.quarantine.startExpiry();
    this.delivery.start();
  }

  /** Domains, relay networks, certificates, users and routes take effect at once; listeners and limits need a restart. */
  reload(config: Config, policy: MailPolicy): void {
    const { expandRecipients, outbox, ...serverPolicy } = policy;
    if (this.spool) outbox?.attach(this.spool);
    this.sink.outbox = outbox;
    this.smtp.setPolicy(serverPolicy);
    this.sink.expandRecipients = expandRecipients;
    this.delivery?.setRoutes(config.routes);
    if (this.quarantine) this.quarantine.store.retentionMs = config.content.quarantine.retention;
  }

  /** `postern queue ACTION [ID]`, carried out on the running queue. */
  queueCommand(args: string[]): Promise<AdminReply> {
    if (!this.admin) return Promise.resolve({ ok: false, message: 'the queue is not open yet; try again in a moment' });
    return this.admin.handle(args);
  }

  /** `postern quarantine ACTION [ID]`, carried out on the running quarantine. */
  quarantineCommand(args: string[]): Promise<QuarantineReply> {
    if (!this.quarantine) return Promise.resolve({ ok: false, message: 'the quarantine is not open yet; try again in a moment' });
    return this.quarantine.handle(args);
  }

  /** The quarantine (list, show, preview, release, delete) for the admin API; undefined until the spool is open. */
  quarantineStore(): QuarantineStore | undefined {
    return this.quarantine?.store;
  }

  /** A queued message's bytes; undefined when there is no such message (or the spool is not open yet). */
  messageBody(id: string): Readable | undefined {
    return this.spool?.message(id) ? this.spool.readBody(id) : undefined;
  }

  /** SMTP connections open now and refused for smtp.limits since start (metrics). */
  connections(): ReturnType<SmtpServer['connections']> {
    return this.smtp.connections();
  }

  /** What the spool holds, for metrics; undefined until it is open. */
  queueCounts(): ReturnType<Spool['counts']> | undefined {
    return this.spool?.counts();
  }

  async close(graceMs: number): Promise<void> {
    await this.smtp.close(graceMs);
    this.quarantine?.stopExpiry();
    await this.delivery?.stop();
    this.deliveryTls.close();
    this.spool?.close();
  }
}
