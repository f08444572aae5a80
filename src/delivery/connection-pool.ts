// Outbound connections: how many may be open to one destination and in all (with Postfix's
// slow start: a destination starts at `initial` concurrent deliveries and earns one more with
// each success, up to `max`; a failure takes one away), and idle connections kept for a moment
// so the next message to the same place reuses them instead of a new TCP and TLS handshake.
import type { SmtpConnection } from '../smtp/client/types.ts';

export interface PoolLimits {
  maxConnections: number;
  perDestination: { initial: number; max: number };
  messagesPerConnection: number;
  /** How long an idle connection is kept for reuse. */
  idleMs: number;
}

interface Idle {
  connection: SmtpConnection;
  timer: NodeJS.Timeout;
}

interface Destination {
  limit: number;
  active: number;
  waiting: Array<() => void>;
  idle: Map<string, Idle[]>;
}

export class ConnectionPool {
  private readonly destinations = new Map<string, Destination>();
  private active = 0;
  private readonly waitingGlobal: Array<() => void> = [];
  private readonly sentBy = new WeakMap<SmtpConnection, number>();

  constructor(private readonly limits: PoolLimits) {}

  private destination(key: string): Destination {
    let d = this.destinations.get(key);
    if (!d) {
      d = { limit: this.limits.perDestination.initial, active: 0, waiting: [], idle: new Map() };
      this.destinations.set(key, d);
    }
    return d;
  }

  /** Runs `work` once the destination and the global limit allow one more delivery. */
  async withSlot<T>(key: string, work: () => Promise<T>): Promise<T> {
    const d = this.destination(key);
    while (d.active >= d.limit || this.active >= this.limits.maxConnections) {
      await new Promise<void>((resolve) => (d.active >= d.limit ? d.waiting : this.waitingGlobal).push(resolve));
    }
    d.active++;
    this.active++;
    try {
      return await work();
    } finally {
      d.active--;
      this.active--;
      d.waiting.shift()?.();
      this.waitingGlobal.shift()?.();
    }
  }

  /** A delivery to the destination worked (slow start: one more allowed) or could not connect (one fewer). */
  feedback(key: string, ok: boolean): void {
    const d = this.destination(key);
    const { initial, max } = this.limits.perDestination;
    d.limit = ok ? Math.min(max, d.limit + 1) : Math.max(1, Math.min(initial, d.limit - 1));
    if (ok) d.waiting.shift()?.();
  }

  /** An idle connection to this address of the destination, if one is open. */
  take(key: string, address: string): SmtpConnection | undefined {
    const list = this.destinations.get(key)?.idle.get(address);
    const idle = list?.pop();
    if (!idle) return undefined;
    clearTimeout(idle.timer);
    return idle.connection.usable ? idle.connection : (void idle.connection.quit(), undefined);
  }

  /** Hands a connection back after a message: kept for reuse while it may carry more, else closed. */
  give(key: string, address: string, connection: SmtpConnection): void {
    const sent = (this.sentBy.get(connection) ?? 0) + 1;
    this.sentBy.set(connection, sent);
    if (!connection.usable || sent >= this.limits.messagesPerConnection) {
      void connection.quit();
      return;
    }
    const d = this.destination(key);
    const list = d.idle.get(address) ?? [];
    d.idle.set(address, list);
    const idle: Idle = {
      connection,
      timer: setTimeout(() => {
        list.splice(list.indexOf(idle), 1);
        void connection.quit();
      }, this.limits.idleMs).unref(),
    };
    list.push(idle);
  }

  async close(): Promise<void> {
    const all: Promise<void>[] = [];
    for (const d of this.destinations.values()) {
      for (const list of d.idle.values()) {
        for (const idle of list.splice(0)) {
          clearTimeout(idle.timer);
          all.push(idle.connection.quit());
        }
      }
    }
    await Promise.allSettled(all);
  }
}
