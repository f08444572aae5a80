// An open, greeted connection: transactions one after another (a second send waits for the
// first), RSET when the last one was left open, and QUIT. It stops being usable when the
// conversation broke, the peer said 421, or it closed the connection while idle.
import type { PeerIo } from './peer-io.ts';
import { peerReply } from './reply-parser.ts';
import { runTransaction, type Timeouts } from './transaction.ts';
import type { OutboundMessage, PeerExtensions, RecipientOutcome, SmtpConnection } from './types.ts';

export class ClientConnection implements SmtpConnection {
  private queue: Promise<unknown> = Promise.resolve();
  private needsReset = false;
  private broken = false;

  constructor(
    private readonly io: PeerIo,
    readonly peer: { host: string; address: string; port: number },
    readonly extensions: PeerExtensions,
    readonly tls: SmtpConnection['tls'],
    private readonly protocol: 'smtp' | 'lmtp',
    private readonly timeouts: Timeouts,
  ) {}

  get usable(): boolean {
    return !this.broken && this.io.open;
  }

  send(message: OutboundMessage): Promise<RecipientOutcome[]> {
    const run = this.queue.then(() => this.transaction(message));
    this.queue = run.catch(() => undefined);
    return run;
  }

  quit(): Promise<void> {
    const run = this.queue.then(() => this.sayGoodbye());
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async transaction(message: OutboundMessage): Promise<RecipientOutcome[]> {
    const unusable = (text: string): RecipientOutcome[] => message.recipients.map(() => ({ status: 'deferred', reply: { text } }));
    // A 421 sent while we were idle (the peer's idle timeout) arrives before our next command.
    if (this.io.unsolicited().some((r) => r.code === 421)) this.breakOff();
    if (!this.usable) return unusable(`connection with ${this.io.name} is closed`);
    if (this.needsReset) {
      try {
        await this.io.write('RSET\r\n', this.timeouts.commandMs, 'sending RSET');
        const r = peerReply(await this.io.readReply(this.timeouts.commandMs, 'sending RSET'), 'RSET');
        if (r.code < 200 || r.code >= 300) {
          this.breakOff();
          return unusable(`host ${this.io.name} refused RSET: ${r.code} ${r.text}`);
        }
        this.needsReset = false;
      } catch (err) {
        this.breakOff();
        return unusable((err as Error).message);
      }
    }
    let result;
    try {
      result = await runTransaction({ io: this.io, ext: this.extensions, protocol: this.protocol, timeouts: this.timeouts }, message);
    } catch (err) {
      // A fault of ours: the message stays queued, and the connection, in an unknown state, is dropped.
      this.breakOff();
      return unusable(`local error while delivering to ${this.io.name}: ${(err as Error).message}`);
    }
    this.needsReset = result.needsReset;
    if (result.broken) this.breakOff();
    return result.outcomes;
  }

  private async sayGoodbye(): Promise<void> {
    if (!this.usable) return this.breakOff();
    try {
      await this.io.write('QUIT\r\n', this.timeouts.commandMs, 'sending QUIT');
      this.io.end();
      // Its reply is only waited for briefly: nothing depends on it.
      await this.io.readReply(Math.min(this.timeouts.commandMs, 5000), 'sending QUIT');
    } catch {
      // The peer closing without a 221 is no problem at this point.
    }
    this.breakOff();
  }

  private breakOff(): void {
    this.broken = true;
    this.io.close();
  }
}
