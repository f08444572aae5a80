// What the admin API reads and changes, as the composition root provides it. admin/ sees the
// services only through this, so it never builds or wires them itself.
import type { Readable } from 'node:stream';
import type { MailEvents } from '../log/mail-events.ts';

/** A reply as the control socket's commands give it. */
export interface CommandReply {
  ok: boolean;
  message: string;
  details?: string[];
}

export interface QueueCounts {
  queued: number;
  deferred: number;
  held: number;
  quarantined: number;
  messages: number;
}

export interface ZoneSummary {
  name: string;
  type: 'primary' | 'secondary';
  source: string;
}

export interface AdminBackend {
  events: MailEvents;
  /** `postern queue ACTION [ID] [--json]`; undefined when there is no mail side. */
  queue?(args: string[]): Promise<CommandReply>;
  /** `postern quarantine ACTION [ID] [--json]`; undefined when there is no mail side. */
  quarantine?(args: string[]): Promise<CommandReply>;
  queueCounts(): QueueCounts | undefined;
  /** SMTP connections open now and refused for the connection limits since start; undefined without SMTP listeners. */
  smtpConnections(): { open: number; refused: number } | undefined;
  /** A stored message's bytes, queued or in quarantine (subject, attachment names, preview). */
  readMessage?(id: string): Readable | undefined;
  /** The DNS server's counters summed over its workers; {} without a DNS server. */
  dnsCounters(): Promise<Record<string, number>>;
  dnsZones(): ZoneSummary[];
  dnsReload(): Promise<CommandReply>;
  /** What Postern would do with mail to the address (as `postern directory lookup`): RCPT answer, expansion steps, destinations. */
  directoryLookup(address: string): Promise<unknown>;
  /** Re-reads and validates the configuration file without applying it. */
  checkConfig(): Promise<CommandReply>;
}
