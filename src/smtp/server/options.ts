import type { Logger } from '../../log/logger.ts';
import type { SmtpCheck } from '../../policy/check.ts';
import type { Authenticator } from './authenticator.ts';
import type { MessageSink } from './sink.ts';
import type { ServerTls } from './tls-contexts.ts';

export type ListenerRole = 'mta' | 'submission' | 'submissions';

export interface SmtpLimits {
  maxMessageSize: number;
  maxRecipients: number;
  maxErrors: number;
  commandTimeoutMs: number;
  dataTimeoutMs: number;
  sessionTimeoutMs: number;
  maxConnections: number;
  maxConnectionsPerClient: number;
  maxLineLength: number;
}

export interface SmtpServerOptions {
  hostname: string;
  listeners: Array<{ address: string; port: number; role: ListenerRole }>;
  limits: SmtpLimits;
  bareLineEndings: 'normalize' | 'reject';
  /** relay.networks: whether a client address is trusted to relay. */
  isTrusted(address: string): boolean;
  checks: SmtpCheck[];
  /**
   * policy.greetDelay: when set, the 220 waits this long after the connect checks, and a client
   * that sends anything before it is refused (postscreen's pregreet test; 0 still refuses what
   * arrived during the connect checks). Unset, early input is read after the greeting.
   */
  greetDelayMs?: number;
  /** Certificates for STARTTLS and implicit TLS; without them STARTTLS is not offered. */
  tls?: ServerTls;
  /** SMTP AUTH; without it AUTH is not offered. */
  auth?: AuthOptions;
  sink: MessageSink;
  logger: Logger;
}

export interface AuthOptions {
  /** Checks passwords. */
  authenticator: Authenticator;
  /** Offer AUTH without TLS (smtp.auth.allowPlaintext). */
  allowPlaintext: boolean;
  /** Offer AUTH on mta listeners too (smtp.auth.onMta); submission listeners always offer it. */
  onMta: boolean;
  /** How long a failed AUTH waits before its 535. */
  failureDelayMs: number;
  /** Failed AUTH attempts after which the session is closed. */
  maxFailures: number;
}
