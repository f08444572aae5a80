// Where notices go: straight into the spool, as DSNs do, from the null sender (RFC 3834 §3.3:
// an automatic message is never answered or bounced). The spool opens after the checks are
// built, so it is attached when it exists.
import type { Spool } from '../queue/spool.ts';

export class NoticeOutbox {
  private spool?: Spool;

  constructor(private readonly hostname: string) {}

  attach(spool: Spool): void {
    this.spool = spool;
  }

  /** Queues one message to the recipients; its queue id. */
  async enqueue(message: Buffer, recipients: string[]): Promise<string> {
    if (!this.spool) throw new Error('the spool is not open yet');
    const writer = this.spool.open();
    writer.write(message);
    return writer.commit({
      sender: '',
      recipients: recipients.map((address) => ({ address, notify: 'never' })),
      body: '8bitmime',
      smtputf8: false,
      requireTls: false,
      // port 0 marks a message Postern wrote itself
      client: { address: '127.0.0.1', port: 0, helo: this.hostname, listener: 'mta' },
      receivedAt: Date.now(),
    });
  }
}
