import type { Logger } from '../../log/logger.ts';
import type { SmtpCheck } from '../../policy/check.ts';
import type { MessageSink } from './sink.ts';

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
  sink: MessageSink;
  logger: Logger;
}
