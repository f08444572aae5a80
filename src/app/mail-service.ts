// The mail side, built from the configuration: SMTP listeners, the spool behind them, relay
// control, and local delivery. Listeners are bound first (port 25 needs root); the spool and
// delivery start once privileges are dropped, so every file they write belongs to Postern's user.
import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import { LocalDelivery } from '../delivery/local-delivery.ts';
import { openDirectory } from '../directory/directory.ts';
import type { Logger } from '../log/logger.ts';
import type { SmtpCheck } from '../policy/check.ts';
import { networkMatcher } from '../policy/networks.ts';
import { rejectRouteCheck } from '../policy/reject-route.ts';
import { relayCheck } from '../policy/relay.ts';
import { Spool } from '../queue/spool.ts';
import type { SmtpServerOptions } from '../smtp/server/options.ts';
import { startSmtpServer, type SmtpServer } from '../smtp/server/server.ts';
import type { MessageSink, MessageWriter } from '../smtp/server/sink.ts';
import { loadServerTls } from '../smtp/server/tls-contexts.ts';

const LOCAL_RETRY_MS = 5 * 60_000;

function checksOf(config: Config): SmtpCheck[] {
  return [relayCheck({ domains: config.domains }), rejectRouteCheck(config.routes)];
}

export type MailPolicy = Pick<SmtpServerOptions, 'checks' | 'isTrusted' | 'tls' | 'auth'>;

/**
 * What the SMTP server applies from the configuration and may change on reload. Reads the
 * certificates and users files: a problem with them is a ConfigError naming the key.
 */
export function mailPolicyOf(config: Config, logger: Logger): MailPolicy {
  const tls = loadServerTls(config.configFile, config.smtp.tls.certificates, config.smtp.tls.minVersion);
  const directory = openDirectory(config.directory.backends, logger);
  const { auth } = config.smtp;
  return {
    checks: checksOf(config),
    isTrusted: networkMatcher(config.relay.networks),
    tls,
    auth: directory && { authenticator: directory, allowPlaintext: auth.allowPlaintext, onMta: auth.onMta, failureDelayMs: auth.failureDelay, maxFailures: auth.maxFailures },
  };
}

/** Until the spool is open (a moment after the bind), there is no room: MAIL gets 452 4.3.1. */
class SpoolSink implements MessageSink {
  spool?: Spool;
  open(): MessageWriter {
    if (!this.spool) throw new Error('the spool is not open yet');
    return this.spool.open();
  }
  hasRoomFor(size: number): boolean {
    return this.spool?.hasRoomFor(size) ?? false;
  }
}

export class MailService {
  private spool?: Spool;
  private delivery?: LocalDelivery;

  private constructor(
    private readonly smtp: SmtpServer,
    private readonly sink: SpoolSink,
    private readonly logger: Logger,
  ) {}

  get endpoints(): SmtpServer['endpoints'] {
    return this.smtp.endpoints;
  }

  /** Binds the listeners; undefined when the configuration has none. */
  static async bind(config: Config, policy: MailPolicy, logger: Logger): Promise<MailService | undefined> {
    if (config.smtp.listeners.length === 0) return undefined;
    const sink = new SpoolSink();
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
      ...policy,
      sink,
      logger,
    });
    return new MailService(smtp, sink, logger);
  }

  /** Opens the spool (recovering what a crash left), then starts delivering. */
  async serve(config: Config): Promise<void> {
    this.spool = await Spool.open({
      dir: join(config.dataDir, 'queue'),
      minFreeBytes: config.queue.minFree ?? Math.ceil(1.5 * config.smtp.limits.maxMessageSize),
      logger: this.logger,
    });
    this.sink.spool = this.spool;
    this.delivery = new LocalDelivery({ spool: this.spool, routes: config.routes, hostname: config.hostname, logger: this.logger, retryMs: LOCAL_RETRY_MS });
    this.delivery.start();
  }

  /** Domains, relay networks, certificates, users and routes take effect at once; listeners and limits need a restart. */
  reload(config: Config, policy: MailPolicy): void {
    this.smtp.setPolicy(policy);
    this.delivery?.setRoutes(config.routes);
  }

  async close(graceMs: number): Promise<void> {
    await this.smtp.close(graceMs);
    await this.delivery?.stop();
    this.spool?.close();
  }
}
