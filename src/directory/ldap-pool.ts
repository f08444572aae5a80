// A few service connections to one LDAP server, shared by every SMTP session: operations go to
// them in turn (LDAP multiplexes requests on a connection). A connection that fails is dropped
// and opened again on next use, so a restarted server is used again without a reload; one idle
// for a minute is closed, so a directory replaced by a reload leaves no connections behind.
import type { Client } from 'ldapts';
import { ResultCodeError } from 'ldapts';
import { openLdap, type LdapConnection, type LdapServer } from './ldap-connection.ts';

const IDLE_CLOSE_MS = 60_000;

interface Slot {
  connection: Promise<LdapConnection>;
  lastUsed: number;
}

export class LdapPool {
  private readonly slots: Array<Slot | undefined>;
  private next = 0;
  private readonly idleTimer: NodeJS.Timeout;

  constructor(
    private readonly server: LdapServer,
    size: number,
    private readonly bind: { dn?: string; password?: string },
  ) {
    this.slots = new Array<Slot | undefined>(size).fill(undefined);
    this.idleTimer = setInterval(() => this.closeIdle(), IDLE_CLOSE_MS / 2).unref();
  }

  /** Runs one operation on a service connection; a failure that is not an LDAP result drops the connection. */
  async run<T>(operation: (client: Client) => Promise<T>): Promise<T> {
    const index = this.next;
    this.next = (this.next + 1) % this.slots.length;
    const slot = await this.slot(index);
    slot.lastUsed = Date.now();
    try {
      return await operation((await slot.connection).client);
    } catch (err) {
      // An LDAP result (no such object, size limit…) leaves the connection fine; anything else
      // (closed, timed out, TLS) may have left it broken.
      if (!(err instanceof ResultCodeError) && this.slots[index] === slot) this.drop(index);
      throw err;
    }
  }

  private async slot(index: number): Promise<Slot> {
    const current = this.slots[index];
    if (current) {
      const usable = await current.connection.then((c) => c.isOpen(), () => false);
      // Another operation may have replaced the slot while this one waited: use that one.
      if (this.slots[index] !== current) return this.slot(index);
      if (usable) return current;
      this.drop(index);
    }
    const fresh: Slot = { connection: openLdap(this.server, this.bind.dn, this.bind.password), lastUsed: Date.now() };
    this.slots[index] = fresh;
    return fresh;
  }

  private drop(index: number): void {
    const slot = this.slots[index];
    this.slots[index] = undefined;
    void slot?.connection.then((c) => c.client.unbind()).catch(() => undefined);
  }

  private closeIdle(): void {
    const now = Date.now();
    this.slots.forEach((slot, i) => {
      if (slot && now - slot.lastUsed > IDLE_CLOSE_MS) this.drop(i);
    });
  }

  async close(): Promise<void> {
    clearInterval(this.idleTimer);
    const open = this.slots.map((slot) => slot?.connection);
    this.slots.fill(undefined);
    await Promise.all(open.map((connection) => connection?.then((c) => c.client.unbind()).catch(() => undefined)));
  }
}
