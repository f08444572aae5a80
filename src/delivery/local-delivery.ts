// Takes messages from the spool to Maildir for the recipients whose domain has a maildir
// route. Recipients of other domains stay queued for remote delivery (the delivery issue).
import { routeFor, type Routes } from '../config/sections/routes.ts';
import type { Logger } from '../log/logger.ts';
import type { Spool } from '../queue/spool.ts';
import { deliverToMaildir } from './maildir.ts';

export interface LocalDeliveryOptions {
  spool: Spool;
  routes: Routes;
  hostname: string;
  logger: Logger;
  /** How long a recipient whose Maildir could not be written waits before the next try. */
  retryMs: number;
}

const PAGE = 200;

export class LocalDelivery {
  private readonly running = new Map<string, Promise<void>>();
  private timer?: NodeJS.Timeout;
  private stopOnCommit?: () => void;
  private stopped = false;

  constructor(private options: LocalDeliveryOptions) {}

  /** Delivers what is due now (recovery after a start), then each message as it is committed. */
  start(): void {
    // A fresh commit's envelope says whether it has a local recipient: mail that only waits for
    // remote delivery is not read back from the spool at all.
    this.stopOnCommit = this.options.spool.onCommitted((id, envelope) => {
      if (envelope.recipients.some((r) => this.routeOf(r.address)?.type === 'maildir')) void this.deliver(id);
    });
    void this.sweep();
  }

  private routeOf(address: string): Routes[string] | undefined {
    return routeFor(this.options.routes, address.slice(address.lastIndexOf('@') + 1));
  }

  /** New routes take effect for the next delivery (reload). */
  setRoutes(routes: Routes): void {
    this.options = { ...this.options, routes };
  }

  private async sweep(): Promise<void> {
    let after = '';
    for (;;) {
      const ids = this.options.spool.due(Date.now(), PAGE, after);
      if (ids.length === 0 || this.stopped) break;
      for (const id of ids) await this.deliver(id);
      after = ids.at(-1)!;
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.sweep(), this.options.retryMs).unref();
  }

  /** One message at a time per id: a commit event and a sweep never deliver it twice at once. */
  private deliver(id: string): Promise<void> {
    const current = this.running.get(id);
    if (current) return current;
    const run = this.deliverNow(id).finally(() => this.running.delete(id));
    this.running.set(id, run);
    return run;
  }

  private async deliverNow(id: string): Promise<void> {
    const { spool, hostname, logger } = this.options;
    const message = spool.message(id);
    if (!message) return;
    const now = Date.now();
    for (const r of message.recipients) {
      if ((r.state !== 'queued' && r.state !== 'deferred') || r.nextAttempt > now) continue;
      const route = this.routeOf(r.address);
      if (route?.type !== 'maildir') continue;
      try {
        const result = await deliverToMaildir({ root: route.path, queueId: id, sender: message.envelope.sender, recipient: r.address, hostname, message: spool.readBody(id) });
        spool.setRecipientState(id, r.index, 'delivered');
        logger.info({ queueId: id, to: r.address, maildir: result.path, duplicate: result.duplicate }, 'delivered to maildir');
      } catch (err) {
        const error = `maildir ${route.path}: ${(err as Error).message}`;
        spool.setRecipientState(id, r.index, 'deferred', { nextAttempt: now + this.options.retryMs, error });
        logger.warn({ queueId: id, to: r.address, err: error }, 'maildir delivery deferred');
      }
    }
    if (spool.removeIfDone(id)) logger.info({ queueId: id }, 'removed from the queue: every recipient done');
  }

  /** Stops taking new work and waits for deliveries in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopOnCommit?.();
    clearTimeout(this.timer);
    await Promise.all(this.running.values());
  }
}
