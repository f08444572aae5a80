// The queue manager: takes every due recipient from the spool to its route (Maildir, SMTP/LMTP
// to a next hop, MX delivery, discard), records what happened, retries with backoff, warns the
// sender after queue.delayWarning, returns the message after queue.lifetime, and removes a
// message once no recipient is left. A message's first attempt starts as soon as it is committed;
// later ones when their time comes (the schedule is in the spool, so it survives a restart).
import { deliveryRoute, type Route, type Routes } from '../config/sections/routes.ts';
import type { Logger } from '../log/logger.ts';
import type { MailEvents } from '../log/mail-events.ts';
import type { StoredMessage, StoredRecipient } from '../queue/spool-db.ts';
import type { Spool } from '../queue/spool.ts';
import type { OutboundMessage } from '../smtp/client/types.ts';
import { retryDelay } from './backoff.ts';
import type { ConnectionPool } from './connection-pool.ts';
import { DsnNotices, wants, type Notice } from './dsn-notices.ts';
import { deliverToMaildir } from './maildir.ts';
import { relayText, replyText, statusOf, tlsText, type AttemptResult } from './outcome.ts';
import { deliverBySmtp, destinationKey, type SmtpTarget, type SmtpTransportOptions } from './smtp-transport.ts';

export interface Clock {
  now(): number;
}

export interface QueueTiming {
  retryMinMs: number;
  retryMaxMs: number;
  delayWarningMs: number;
  lifetimeMs: number;
}

export interface QueueManagerOptions {
  spool: Spool;
  routes: Routes;
  hostname: string;
  timing: QueueTiming;
  pool: ConnectionPool;
  smtp: Omit<SmtpTransportOptions, 'pool'>;
  logger: Logger;
  /** Told of every recipient's outcome and every DSN (metrics, the delivery log). */
  events?: MailEvents;
  /** Injectable, so tests can let days pass in a moment. */
  clock?: Clock;
  /** How often the queue is looked at for recipients whose retry time has come. */
  scanIntervalMs?: number;
}

const PAGE = 200;
const SYSTEM_CLOCK: Clock = { now: () => Date.now() };

type Job =
  | { kind: 'smtp'; target: SmtpTarget; recipients: StoredRecipient[] }
  | { kind: 'maildir'; path: string; recipients: StoredRecipient[] }
  | { kind: 'final'; result: AttemptResult; recipients: StoredRecipient[] };

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

function targetOf(route: Route, domain: string): SmtpTarget | undefined {
  if (route.type === 'mx') return { kind: 'mx', domain };
  if (route.type === 'smtp') return { kind: 'host', host: route.host, port: route.port, protocol: 'smtp' };
  if (route.type === 'lmtp') return route.socket !== undefined ? { kind: 'socket', path: route.socket } : { kind: 'host', host: route.host!, port: route.port!, protocol: 'lmtp' };
  return undefined;
}

/** A recipient the directory routes to its own host: on the port and protocol of the domain's route when that names a host, else SMTP on 25. */
export function relayHostTarget(route: Route, host: string): SmtpTarget | undefined {
  if (route.type === 'discard' || route.type === 'reject') return undefined;
  if (route.type === 'smtp') return { kind: 'host', host, port: route.port, protocol: 'smtp' };
  if (route.type === 'lmtp' && route.port !== undefined) return { kind: 'host', host, port: route.port, protocol: 'lmtp' };
  return { kind: 'host', host, port: 25, protocol: 'smtp' };
}

export class QueueManager {
  private readonly running = new Map<string, Promise<void>>();
  private readonly clock: Clock;
  private readonly notices: DsnNotices;
  private timer?: NodeJS.Timeout;
  private stopOnCommit?: () => void;
  private stopped = false;
  private scanning?: Promise<void>;

  constructor(private options: QueueManagerOptions) {
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.notices = new DsnNotices(options.spool, options.hostname, options.logger, options.events);
  }

  start(): void {
    this.stopOnCommit = this.options.spool.onCommitted((id) => void this.deliver(id));
    void this.scan();
  }

  /** New routes take effect for the next attempt (reload). */
  setRoutes(routes: Routes): void {
    this.options = { ...this.options, routes };
  }

  /** Attempts every recipient that is due now; resolves when those attempts are done. */
  runDue(): Promise<void> {
    this.scanning ??= this.scanOnce().finally(() => (this.scanning = undefined));
    return this.scanning;
  }

  private async scan(): Promise<void> {
    await this.runDue();
    if (!this.stopped) this.timer = setTimeout(() => void this.scan(), this.options.scanIntervalMs ?? 10_000).unref();
  }

  private async scanOnce(): Promise<void> {
    let after = '';
    for (;;) {
      const ids = this.options.spool.due(this.clock.now(), PAGE, after);
      if (ids.length === 0 || this.stopped) return;
      await Promise.all(ids.map((id) => this.deliver(id)));
      after = ids.at(-1)!;
    }
  }

  /** Resolves once no attempt on the message is running (an administrator's change waits for it). */
  async idle(id: string): Promise<void> {
    await this.running.get(id);
  }

  /** Returns the message to its sender now (`postern queue bounce`): every pending recipient fails with 5.0.0. */
  async bounceNow(id: string): Promise<boolean> {
    await this.idle(id);
    const { spool, logger } = this.options;
    const message = spool.message(id);
    if (!message) return false;
    const notices: Notice[] = [];
    const reason = { status: '5.0.0', text: 'message returned by the mail administrator' };
    for (const r of message.recipients) {
      if (r.state !== 'queued' && r.state !== 'deferred') continue;
      spool.setRecipientState(id, r.index, 'bounced', { error: reason.text });
      logger.info({ queueId: id, to: r.address, status: 'bounced', dsn: reason.status, reason: reason.text }, 'delivery');
      this.tell(message, r.address, { status: 'bounced', relay: 'none', dsn: reason.status, reply: reason.text });
      if (wants(r, 'failure')) notices.push({ kind: 'failure', recipient: r, reason });
    }
    await this.notices.send(message, notices, new Date(this.clock.now()));
    spool.removeIfDone(id);
    return true;
  }

  /** One attempt per message at a time: a commit event and a scan never run it twice at once. */
  deliver(id: string): Promise<void> {
    const current = this.running.get(id);
    if (current) return current;
    const run = this.attempt(id)
      .catch((err: Error) => this.options.logger.error({ queueId: id, err: err.message }, 'delivery attempt failed'))
      .finally(() => this.running.delete(id));
    this.running.set(id, run);
    return run;
  }

  private async attempt(id: string): Promise<void> {
    const { spool, logger } = this.options;
    const message = spool.message(id);
    if (!message || message.held || message.quarantine) return;
    const now = this.clock.now();
    const due = message.recipients.filter((r) => (r.state === 'queued' || r.state === 'deferred') && r.nextAttempt <= now);
    if (due.length === 0) return;

    const notices: Notice[] = [];
    const expiresAt = message.envelope.receivedAt + this.options.timing.lifetimeMs;
    if (now >= expiresAt) {
      for (const r of due) {
        const reason = { status: '4.4.7', text: `message delivery time expired${r.lastError ? `: ${r.lastError}` : ''}` };
        spool.setRecipientState(id, r.index, 'bounced', { error: reason.text });
        logger.info({ queueId: id, to: r.address, status: 'bounced', dsn: '4.4.7', reason: reason.text }, 'delivery');
        this.tell(message, r.address, { status: 'bounced', relay: 'none', dsn: '4.4.7', reply: reason.text });
        if (wants(r, 'failure')) notices.push({ kind: 'failure', recipient: r, reason });
      }
    } else {
      const jobs = this.jobsFor(message, due);
      await Promise.all(jobs.map(async (job) => this.record(message, job.recipients, await this.run(message, job), now, notices)));
    }
    await this.notices.send(message, notices, new Date(now));
    if (spool.removeIfDone(id)) logger.debug({ queueId: id }, 'removed from the queue: every recipient done');
  }

  private jobsFor(message: StoredMessage, due: StoredRecipient[]): Job[] {
    const smtp = new Map<string, Job & { kind: 'smtp' }>();
    const maildir = new Map<string, Job & { kind: 'maildir' }>();
    const jobs: Job[] = [];
    for (const r of due) {
      const domain = domainOf(r.address);
      const route = deliveryRoute(this.options.routes, domain);
      const routed = r.relayHost === undefined ? undefined : relayHostTarget(route, r.relayHost);
      if (route.type === 'maildir' && !routed) {
        const job = maildir.get(route.path) ?? { kind: 'maildir', path: route.path, recipients: [] };
        maildir.set(route.path, job);
        job.recipients.push(r);
        continue;
      }
      if (route.type === 'discard' || route.type === 'reject') {
        const outcome: AttemptResult['outcome'] =
          route.type === 'discard' ? { status: 'sent', reply: { text: 'discarded by route', enhanced: '2.0.0' }, relayed: false } : { status: 'bounced', reply: { text: route.message, enhanced: '5.7.1' } };
        jobs.push({ kind: 'final', result: { outcome, final: true }, recipients: [r] });
        continue;
      }
      // RFC 8689's REQUIRETLS is judged per host by the TLS policy (smtp-transport.ts, tls-policy.ts).
      const target = routed ?? targetOf(route, domain)!;
      const key = destinationKey(target);
      const job = smtp.get(key) ?? { kind: 'smtp', target, recipients: [] };
      smtp.set(key, job);
      job.recipients.push(r);
    }
    return [...jobs, ...smtp.values(), ...maildir.values()];
  }

  private async run(message: StoredMessage, job: Job): Promise<AttemptResult[]> {
    const { spool, hostname, pool } = this.options;
    if (job.kind === 'final') return [job.result];
    if (job.kind === 'maildir') {
      const results: AttemptResult[] = [];
      for (const r of job.recipients) {
        try {
          const done = await deliverToMaildir({ root: job.path, queueId: message.id, sender: message.envelope.sender, recipient: r.address, hostname, message: spool.readBody(message.id) });
          results.push({ outcome: { status: 'sent', reply: { text: `delivered to maildir ${done.path}${done.duplicate ? ' (already there)' : ''}`, enhanced: '2.0.0' }, relayed: false }, relay: { host: 'maildir' }, final: true });
        } catch (err) {
          results.push({ outcome: { status: 'deferred', reply: { text: `maildir ${job.path}: ${(err as Error).message}`, enhanced: '4.2.0' } }, relay: { host: 'maildir' } });
        }
      }
      return results;
    }
    const outbound: OutboundMessage = {
      sender: message.envelope.sender,
      recipients: job.recipients.map(({ address, notify, orcpt }) => ({ address, notify, orcpt })),
      body: message.envelope.body,
      smtputf8: message.envelope.smtputf8,
      ret: message.envelope.ret,
      envid: message.envelope.envid,
      requireTls: message.envelope.requireTls,
      size: message.size,
      open: () => spool.readBody(message.id),
    };
    return pool.withSlot(destinationKey(job.target), () => deliverBySmtp(job.target, outbound, { ...this.options.smtp, pool }));
  }

  private record(message: StoredMessage, recipients: StoredRecipient[], results: AttemptResult[], now: number, notices: Notice[]): void {
    const { spool, logger, timing } = this.options;
    const { receivedAt } = message.envelope;
    recipients.forEach((r, i) => {
      const result = results[i]!;
      const { outcome } = result;
      const reply = replyText(outcome.reply);
      const seconds = (ms: number) => Math.round(ms) / 1000;
      // As Postfix's delay= and delays=: the total, then time in the queue before this attempt, connecting, and the transaction.
      const delays = { queue: seconds(now - receivedAt), connect: seconds(result.timing?.connectMs ?? 0), transfer: seconds(result.timing?.transferMs ?? 0) };
      const line = { queueId: message.id, to: r.address, relay: relayText(result.relay), delay: seconds(this.clock.now() - receivedAt), delays, dsn: statusOf(outcome), reply, ...(result.tls && { tls: tlsText(result.tls) }) };
      this.tell(message, r.address, { status: outcome.status, relay: line.relay, dsn: line.dsn, reply });
      if (outcome.status === 'sent') {
        spool.setRecipientState(message.id, r.index, 'delivered');
        logger.info({ ...line, status: 'sent' }, 'delivery');
        const relayed = outcome.relayed;
        if (wants(r, 'success') && (result.final || relayed)) notices.push({ kind: relayed ? 'relayed' : 'success', recipient: r, result });
        return;
      }
      if (outcome.status === 'bounced') {
        spool.setRecipientState(message.id, r.index, 'bounced', { error: reply });
        logger.info({ ...line, status: 'bounced' }, 'delivery');
        if (wants(r, 'failure')) notices.push({ kind: 'failure', recipient: r, result });
        return;
      }
      const expiresAt = receivedAt + timing.lifetimeMs;
      // The last retry falls on the expiry, so the message is returned on time, not an hour late.
      const next = Math.min(now + retryDelay(r.attempts + 1, timing.retryMinMs, timing.retryMaxMs), expiresAt);
      spool.setRecipientState(message.id, r.index, 'deferred', { nextAttempt: next, error: reply });
      logger.info({ ...line, status: 'deferred' }, 'delivery');
      if (!r.delayWarned && now - receivedAt >= timing.delayWarningMs && wants(r, 'delay')) {
        spool.markDelayWarned(message.id, r.index);
        notices.push({ kind: 'delay', recipient: r, result, willRetryUntil: new Date(expiresAt) });
      }
    });
  }

  private tell(message: StoredMessage, recipient: string, outcome: { status: 'sent' | 'deferred' | 'bounced'; relay: string; dsn: string; reply: string }): void {
    this.options.events?.emit('delivery', { queueId: message.id, sender: message.envelope.sender, recipient, domain: domainOf(recipient), ...outcome, at: this.clock.now() });
  }

  /** Stops taking new work, waits for attempts in progress, closes kept connections. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopOnCommit?.();
    clearTimeout(this.timer);
    await Promise.all(this.running.values());
    await this.options.pool.close();
  }
}
