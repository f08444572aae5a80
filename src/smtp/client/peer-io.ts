// One connection's bytes: writes that time out when the peer stops reading, reply reads that
// time out when it stops answering, and the switch to TLS. Every failure becomes a
// ConversationError worded like Postfix's ("conversation with mx[192.0.2.1] timed out while
// sending RCPT TO"), which is what ends up in logs and DSNs.
import type { Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import { MalformedReplyError, ReplyParser, printable, type RawReply } from './reply-parser.ts';

export class ConversationError extends Error {
  constructor(
    message: string,
    readonly kind: 'timeout' | 'lost' | 'malformed',
  ) {
    super(message);
  }
}

export class TlsHandshakeError extends Error {}

interface Waiter {
  resolve(reply: RawReply): void;
  reject(err: ConversationError): void;
  where: string;
}

export class PeerIo {
  private socket: Socket;
  private readonly parser = new ReplyParser();
  private waiter: Waiter | undefined;
  private failure: ConversationError | undefined;
  private ended = false;

  constructor(
    socket: Socket,
    /** "host[address]" for messages. */
    readonly name: string,
  ) {
    this.socket = socket;
    this.attach(socket);
  }

  /** False once the connection is closed or the conversation failed. */
  get open(): boolean {
    return !this.ended && this.failure === undefined;
  }

  /** Replies that arrived without being asked for (a 421 sent to an idle connection). */
  unsolicited(): RawReply[] {
    const replies: RawReply[] = [];
    for (let r = this.parser.next(); r; r = this.parser.next()) replies.push(r);
    return replies;
  }

  readReply(timeoutMs: number, where: string): Promise<RawReply> {
    const ready = this.parser.next();
    if (ready) return Promise.resolve(ready);
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.reject(this.fail(new ConversationError(`lost connection with ${this.name} while ${where}`, 'lost')));
    return new Promise<RawReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(this.fail(new ConversationError(`conversation with ${this.name} timed out while ${where}`, 'timeout')));
      }, timeoutMs);
      this.waiter = {
        where,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  /** Resolves once the socket has taken the bytes (at once unless its buffer is full: then on drain). */
  write(data: string | Buffer, timeoutMs: number, where: string): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.reject(this.fail(new ConversationError(`lost connection with ${this.name} while ${where}`, 'lost')));
    if (this.socket.write(data)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const done = (err?: ConversationError) => {
        clearTimeout(timer);
        this.socket.off('drain', drained);
        this.socket.off('close', closed);
        if (err) reject(err);
        else resolve();
      };
      const drained = () => done();
      const closed = () => done(this.fail(new ConversationError(`lost connection with ${this.name} while ${where}`, 'lost')));
      const timer = setTimeout(() => done(this.fail(new ConversationError(`conversation with ${this.name} timed out while ${where}`, 'timeout'))), timeoutMs);
      this.socket.on('drain', drained);
      this.socket.once('close', closed);
    });
  }

  /** STARTTLS after the peer's 220: anything it sent before the handshake is dropped, as it was not protected.
   *  The certificate is never refused here: the caller's policy judges it (against `ca` when given). */
  async startTls(servername: string, timeoutMs: number, ca?: string[]): Promise<TLSSocket> {
    this.parser.clear();
    this.detach(this.socket);
    const plain = this.socket;
    // TLS reads and writes through it from now on and reports its errors; one still emitted here must not go unheard.
    plain.on('error', () => undefined);
    const secure = await new Promise<TLSSocket>((resolve, reject) => {
      const s = tlsConnect({ socket: plain, servername: isIP(servername) === 0 && !servername.startsWith('/') ? servername : undefined, rejectUnauthorized: false, ca });
      const timer = setTimeout(() => fail(new Error('timed out')), timeoutMs);
      const fail = (err: Error) => {
        clearTimeout(timer);
        s.destroy();
        plain.destroy();
        reject(new TlsHandshakeError(`TLS handshake with ${this.name} failed: ${err.message}`));
      };
      s.once('error', fail);
      s.once('secureConnect', () => {
        clearTimeout(timer);
        s.off('error', fail);
        resolve(s);
      });
    });
    this.socket = secure;
    this.attach(secure);
    return secure;
  }

  close(): void {
    this.ended = true;
    this.socket.destroy();
  }

  /** Half-close after QUIT: the peer closes its side when it has answered. */
  end(): void {
    this.socket.end();
  }

  private attach(socket: Socket): void {
    socket.on('data', this.onData);
    socket.on('close', this.onClose);
    socket.on('error', this.onError);
  }

  private detach(socket: Socket): void {
    socket.off('data', this.onData);
    socket.off('close', this.onClose);
    socket.off('error', this.onError);
  }

  private readonly onData = (data: Buffer) => {
    if (this.failure) return;
    try {
      this.parser.push(data);
    } catch (err) {
      if (!(err instanceof MalformedReplyError)) throw err;
      const where = this.waiter?.where ?? 'waiting for the next command';
      this.fail(new ConversationError(`malformed reply from ${this.name} while ${where}: ${printable(err.message)}`, 'malformed'));
      this.socket.destroy();
      return;
    }
    const reply = this.waiter && this.parser.next();
    if (reply) {
      const w = this.waiter!;
      this.waiter = undefined;
      w.resolve(reply);
    }
  };

  private readonly onClose = () => {
    this.ended = true;
    if (this.waiter) this.fail(new ConversationError(`lost connection with ${this.name} while ${this.waiter.where}`, 'lost'));
  };

  private readonly onError = () => {
    // 'close' follows and reports it; the error object itself only says "ECONNRESET".
  };

  private fail(err: ConversationError): ConversationError {
    this.failure ??= err;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(this.failure);
    return this.failure;
  }
}
