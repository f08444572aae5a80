// One SMTP session (RFC 5321): reads command lines, answers them in order, and hands message
// data to the sink. Replies to a pipelined group (RFC 2920) are written together once the
// input buffer has no complete command left.
import type { Socket } from 'node:net';
import type { Recipient } from '../../queue/envelope.ts';
import type { DataContext, MailContext, SessionContext, Verdict } from '../../policy/check.ts';
import { runChecks } from './check-chain.ts';
import { DataReader } from './data-reader.ts';
import type { ListenerRole, SmtpServerOptions } from './options.ts';
import { receivedHeader } from './received.ts';
import { formatPlain, formatReply } from './replies.ts';
import type { MessageWriter } from './sink.ts';
import { parseMailCommand, type MailParams } from './syntax/mail.ts';
import { printable } from './syntax/parameters.ts';
import { parseRcptCommand } from './syntax/rcpt.ts';
import { reply, type Reply } from './syntax/reply.ts';

interface Transaction {
  sender: string;
  params: MailParams;
  recipients: Recipient[];
}

const OK = reply(250, '2.0.0', 'Ok');
const NOT_RECOGNIZED = reply(500, '5.5.1', 'Error: command not recognized');
const BAD_LINE = reply(500, '5.5.2', 'Error: bad command line (a bare CR or LF, or a NUL byte)');
const TOO_LONG = reply(500, '5.5.2', 'Error: line too long');
const ANSWERED = Symbol('answered');

export class SmtpSession {
  private input: Buffer = Buffer.alloc(0);
  private output = '';
  private busy = false;
  private closed = false;
  private discardingLongLine = false;
  private errors = 0;
  private helo?: string;
  private esmtp = false;
  private tx?: Transaction;
  private data?: { reader: DataReader; writer: MessageWriter; tx: Transaction };
  private readonly ctx: SessionContext;
  private readonly sessionTimer: NodeJS.Timeout;

  constructor(
    private readonly socket: Socket,
    private readonly role: ListenerRole,
    private readonly options: SmtpServerOptions,
  ) {
    const address = socket.remoteAddress ?? '';
    this.ctx = { client: { address, port: socket.remotePort ?? 0, listener: role }, trusted: options.isTrusted(address), results: new Map() };
    socket.setTimeout(options.limits.commandTimeoutMs);
    socket.on('timeout', () => this.closeWith(reply(421, '4.4.2', `${options.hostname} Error: timeout exceeded`)));
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => this.end());
    socket.on('close', () => this.end());
    this.sessionTimer = setTimeout(() => (this.sessionOver = true), options.limits.sessionTimeoutMs).unref();
  }

  private sessionOver = false;

  async start(): Promise<void> {
    const { verdict, check } = await this.safeChecks('connect', this.ctx);
    if (verdict.kind === 'reject' || verdict.kind === 'defer') {
      this.log(check, verdict, {});
      this.write(formatReply({ ...verdict }));
      this.flushAndClose();
      return;
    }
    this.write(formatPlain(220, [`${this.options.hostname} ESMTP Postern`]));
    this.flush();
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    this.input = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk]);
    if (!this.busy) void this.pump();
  }

  /** Handles everything complete in the input, one command at a time, then writes the replies. */
  private async pump(): Promise<void> {
    this.busy = true;
    try {
      while (!this.closed) {
        if (this.data) {
          if (this.input.length === 0) break;
          const chunk = this.input;
          this.input = Buffer.alloc(0);
          const { rest } = this.data.reader.feed(chunk);
          if (rest === undefined) break;
          this.input = rest;
          await this.endOfData();
          continue;
        }
        const line = this.nextLine();
        if (line === undefined) break;
        if (line !== ANSWERED) await this.command(line);
      }
    } finally {
      this.busy = false;
    }
    this.flush();
  }

  /** The next command line without its CRLF; undefined when no complete line is buffered;
   *  ANSWERED for the end of an over-long line, which got its reply already. */
  private nextLine(): Buffer | typeof ANSWERED | undefined {
    const end = this.input.indexOf('\r\n');
    const max = this.options.limits.maxLineLength;
    if (end < 0) {
      if (this.input.length > max) {
        // Too long: answer once, then drop bytes up to the next CRLF.
        if (!this.discardingLongLine) this.answer(TOO_LONG);
        this.discardingLongLine = true;
        this.input = this.input.subarray(this.input.length - 1);
      }
      return undefined;
    }
    const line = this.input.subarray(0, end);
    this.input = this.input.subarray(end + 2);
    if (this.discardingLongLine) {
      this.discardingLongLine = false;
      return ANSWERED;
    }
    if (line.length > max) {
      this.answer(TOO_LONG);
      return ANSWERED;
    }
    return line;
  }

  private async command(line: Buffer): Promise<void> {
    if (line.includes(0) || line.includes(0x0d) || line.includes(0x0a)) return this.answer(BAD_LINE);
    const text = line.toString('utf8');
    const space = text.indexOf(' ');
    const verb = (space < 0 ? text : text.slice(0, space)).toUpperCase();
    const arg = space < 0 ? '' : text.slice(space);
    switch (verb) {
      case 'EHLO':
      case 'HELO':
        return this.hello(verb === 'EHLO', arg.trim());
      case 'MAIL':
        return this.mail(arg);
      case 'RCPT':
        return this.rcpt(arg);
      case 'DATA':
        return this.startData(arg);
      case 'RSET':
        if (arg.trim() !== '') return this.answer(reply(501, '5.5.4', 'Syntax: RSET'));
        this.tx = undefined;
        return this.answer(OK);
      case 'NOOP':
        return this.answer(OK);
      case 'QUIT':
        this.write(formatReply(reply(221, '2.0.0', 'Bye')));
        return this.flushAndClose();
      case 'VRFY':
        return this.answer(reply(252, '2.0.0', 'Cannot VRFY user, but will accept message and attempt delivery'));
      case 'HELP':
        return this.answer(reply(214, '2.0.0', 'Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP; see RFC 5321'));
      case 'STARTTLS':
      case 'AUTH':
      case 'BDAT':
      case 'EXPN':
      case 'TURN':
      case 'ETRN':
        return this.answer(reply(502, '5.5.1', `Error: ${verb} is not offered here`));
      default:
        return this.answer(NOT_RECOGNIZED);
    }
  }

  private async hello(extended: boolean, name: string): Promise<void> {
    if (name === '' || /\s/.test(name)) return this.answer(reply(501, '5.5.4', `Syntax: ${extended ? 'EHLO' : 'HELO'} hostname`));
    const { verdict, check } = await this.safeChecks('helo', { ...this.ctx, helo: name });
    if (this.refuse(verdict, check, { helo: name })) return;
    this.helo = name;
    this.ctx.client.helo = name;
    this.esmtp = extended;
    this.tx = undefined;
    if (!extended) return this.answer(reply(250, '2.0.0', this.options.hostname), false);
    const keywords = ['PIPELINING', `SIZE ${this.options.limits.maxMessageSize}`, '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'DSN'];
    this.write(formatPlain(250, [this.options.hostname, ...keywords]));
  }

  private async mail(arg: string): Promise<void> {
    if (!this.helo) return this.answer(reply(503, '5.5.1', 'Error: send HELO/EHLO first'));
    if (this.tx) return this.answer(reply(503, '5.5.1', 'Error: nested MAIL command'));
    if (this.sessionOver) return this.closeWith(reply(421, '4.4.2', `${this.options.hostname} Error: session too long`));
    if (this.role !== 'mta') return this.answer(reply(530, '5.7.0', 'Authentication required'));
    const parsed = parseMailCommand(arg, { maxMessageSize: this.options.limits.maxMessageSize, tls: false });
    if (!parsed.ok) return this.answer(parsed.reply);
    if (!this.options.sink.hasRoomFor(parsed.params.declaredSize ?? this.options.limits.maxMessageSize)) {
      return this.answer(reply(452, '4.3.1', 'Insufficient system storage'));
    }
    const ctx: MailContext = { ...this.ctx, sender: parsed.sender, params: parsed.params };
    const { verdict, check } = await this.safeChecks('mail', ctx);
    if (this.refuse(verdict, check, { from: parsed.sender })) return;
    this.tx = { sender: parsed.sender, params: parsed.params, recipients: [] };
    this.answer(reply(250, '2.1.0', 'Ok'));
  }

  private async rcpt(arg: string): Promise<void> {
    const tx = this.tx;
    if (!tx) return this.answer(reply(503, '5.5.1', 'Error: need MAIL command'));
    if (tx.recipients.length >= this.options.limits.maxRecipients) return this.answer(reply(452, '4.5.3', 'Error: too many recipients'));
    const parsed = parseRcptCommand(arg, { smtputf8: tx.params.smtputf8 });
    if (!parsed.ok) return this.answer(parsed.reply);
    const { verdict, check } = await this.safeChecks('rcpt', { ...this.ctx, sender: tx.sender, params: tx.params, recipient: parsed.recipient, accepted: tx.recipients });
    if (this.refuse(verdict, check, { from: tx.sender, to: parsed.recipient.address })) return;
    tx.recipients.push(parsed.recipient);
    this.answer(reply(250, '2.1.5', 'Ok'));
  }

  private async startData(arg: string): Promise<void> {
    const tx = this.tx;
    if (!tx) return this.answer(reply(503, '5.5.1', 'Error: need MAIL command'));
    if (tx.recipients.length === 0) return this.answer(reply(503, '5.5.1', 'Error: need RCPT command'));
    if (arg.trim() !== '') return this.answer(reply(501, '5.5.4', 'Syntax: DATA'));
    const ctx: DataContext = { ...this.ctx, sender: tx.sender, params: tx.params, recipients: tx.recipients };
    const { verdict, check } = await this.safeChecks('data', ctx);
    if (this.refuse(verdict, check, { from: tx.sender })) return;
    const writer = this.options.sink.open();
    const limit = this.options.limits.maxMessageSize;
    const reader = new DataReader((chunk) => {
      if (reader.size <= limit) writer.write(chunk);
    });
    writer.write(
      Buffer.from(
        receivedHeader({ helo: this.helo!, address: this.ctx.client.address, hostname: this.options.hostname, esmtp: this.esmtp, authenticated: false, recipients: tx.recipients, date: new Date() }),
      ),
    );
    this.data = { reader, writer, tx };
    this.socket.setTimeout(this.options.limits.dataTimeoutMs);
    // 3xx replies carry no enhanced code (RFC 3463 classes are 2, 4 and 5), as Postfix sends it
    this.write(formatPlain(354, ['End data with <CR><LF>.<CR><LF>']));
    this.flush();
  }

  private async endOfData(): Promise<void> {
    const { reader, writer, tx } = this.data!;
    this.data = undefined;
    this.tx = undefined;
    this.socket.setTimeout(this.options.limits.commandTimeoutMs);
    if (reader.size > this.options.limits.maxMessageSize) {
      writer.abort();
      return this.answer(reply(552, '5.3.4', 'Message size exceeds fixed maximum message size'));
    }
    if (reader.sawBareLineEnding && this.options.bareLineEndings === 'reject') {
      writer.abort();
      return this.answer(reply(550, '5.5.2', 'Message contains bare CR or LF line endings; only CRLF is allowed'));
    }
    const base: DataContext = { ...this.ctx, sender: tx.sender, params: tx.params, recipients: tx.recipients };
    const { verdict, check } = await this.safeChecks('endOfData', { ...base, size: reader.size, readMessage: () => writer.read() });
    if (this.refuse(verdict, check, { from: tx.sender })) {
      writer.abort();
      return;
    }
    try {
      const id = await writer.commit({
        sender: tx.sender,
        recipients: tx.recipients,
        ...tx.params,
        client: { ...this.ctx.client, helo: this.helo! },
        receivedAt: Date.now(),
      });
      this.options.logger.info({ queueId: id, client: this.ctx.client.address, helo: this.helo, from: tx.sender, to: tx.recipients.map((r) => r.address), size: reader.size }, 'message accepted');
      this.answer(reply(250, '2.0.0', `Ok: queued as ${id}`));
    } catch (err) {
      this.options.logger.error({ err: (err as Error).message, client: this.ctx.client.address }, 'message could not be stored');
      this.answer(reply(451, '4.3.0', 'Error: queue file write error'));
    }
  }

  /** A check that throws is a temporary failure, never a crash or an accept. */
  private async safeChecks<C>(stage: 'connect' | 'helo' | 'mail' | 'rcpt' | 'data' | 'endOfData', ctx: C): Promise<{ verdict: Verdict; check?: string }> {
    try {
      return await runChecks(this.options.checks, stage, ctx);
    } catch (err) {
      this.options.logger.error({ err: (err as Error).message, stage }, 'a check failed');
      return { verdict: { kind: 'defer', code: 451, enhanced: '4.3.0', text: 'Temporary failure, try again later' } };
    }
  }

  private refuse(verdict: Verdict, check: string | undefined, details: Record<string, string>): boolean {
    if (verdict.kind !== 'reject' && verdict.kind !== 'defer') return false;
    this.log(check, verdict, details);
    this.answer({ code: verdict.code, enhanced: verdict.enhanced, text: verdict.text });
    return true;
  }

  private log(check: string | undefined, verdict: Verdict, details: Record<string, string>): void {
    if (verdict.kind !== 'reject' && verdict.kind !== 'defer') return;
    this.options.logger.info(
      { check, client: this.ctx.client.address, helo: this.helo, ...details, reply: `${verdict.code} ${verdict.enhanced} ${verdict.text}` },
      'refused',
    );
  }

  /** Queues a reply; errors count towards the limit that ends the session. */
  private answer(r: Reply, countErrors = true): void {
    this.write(formatReply({ ...r, text: r.text.split('\n').map(printable).join('\n') }));
    if (countErrors && r.code >= 400 && ++this.errors >= this.options.limits.maxErrors) {
      this.closeWith(reply(421, '4.7.0', `${this.options.hostname} Error: too many errors`));
    }
  }

  private write(text: string): void {
    this.output += text;
  }

  private flush(): void {
    if (this.output === '' || this.closed) return;
    this.socket.write(this.output);
    this.output = '';
  }

  private closeWith(r: Reply): void {
    this.write(formatReply(r));
    this.flushAndClose();
  }

  private flushAndClose(): void {
    this.flush();
    this.closed = true;
    this.socket.end();
    this.end();
  }

  private end(): void {
    this.closed = true;
    clearTimeout(this.sessionTimer);
    if (this.data) {
      this.data.writer.abort();
      this.data = undefined;
    }
  }
}
