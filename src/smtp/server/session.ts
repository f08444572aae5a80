// One SMTP session (RFC 5321): reads command lines, answers them in order, and hands message
// data to the sink. Replies to a pipelined group (RFC 2920) are written together once the
// input buffer has no complete command left. STARTTLS (RFC 3207), AUTH (RFC 4954) and BDAT
// (RFC 3030) are here too; the pieces they use (TLS contexts, SASL, the message being received)
// each have their own file.
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Recipient } from '../../queue/envelope.ts';
import type { DataContext, EndOfDataContext, EndOfDataVerdict, MailContext, SessionContext, Verdict } from '../../policy/check.ts';
import { CheckFailure, runChecks } from './check-chain.ts';
import { EditableMessage } from './editable-message.ts';
import { IncomingMessage } from './incoming-message.ts';
import type { ListenerRole, SmtpServerOptions } from './options.ts';
import { receivedHeader } from './received.ts';
import { formatPlain, formatReply } from './replies.ts';
import { isSaslMechanism, SaslExchange, type SaslStep } from './sasl.ts';
import { parseMailCommand, type MailParams } from './syntax/mail.ts';
import { asciiText, printable } from './syntax/parameters.ts';
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
/** Unread input beyond this pauses reading from the client until the session has caught up. */
const INPUT_HIGH_WATER = 64 * 1024;
const NEED_MAIL = reply(503, '5.5.1', 'Error: need MAIL command');
const NEED_RCPT = reply(503, '5.5.1', 'Error: need RCPT command');

/** What a refusal's log line says besides the check and the client: helo, from, to. */
type RefusalDetails = Record<string, string | string[]>;

/** A BDAT chunk being read: its bytes go to the message, or are skipped when the command was refused. */
interface Chunk {
  remaining: number;
  last: boolean;
  /** The reply to give once the chunk's bytes are consumed, instead of accepting them. */
  refusal?: Reply;
}

export class SmtpSession {
  private input: Buffer = Buffer.alloc(0);
  private output = '';
  /** True while commands are being handled, and before the greeting: input waits meanwhile. */
  private busy = true;
  private readPaused = false;
  private writeBlocked = false;
  private closed = false;
  private discardingLongLine = false;
  private errors = 0;
  private helo?: string;
  private esmtp = false;
  private tx?: Transaction;
  /** The message of the transaction while DATA or BDAT chunks arrive. */
  private message?: { incoming: IncomingMessage; tx: Transaction; by: 'data' | 'bdat' };
  private chunk?: Chunk;
  /** Set while a SASL exchange waits for the client's next line. */
  private sasl?: SaslExchange;
  private authFailures = 0;
  /** Between the 220 to STARTTLS and the end of the handshake: nothing is read as a command. */
  private upgrading = false;
  private readonly ctx: SessionContext;
  private readonly sessionTimer: NodeJS.Timeout;

  constructor(
    private socket: Socket,
    private readonly role: ListenerRole,
    private readonly options: SmtpServerOptions,
  ) {
    const address = socket.remoteAddress ?? '';
    this.ctx = { client: { address, port: socket.remotePort ?? 0, listener: role }, trusted: options.isTrusted(address), results: new Map() };
    if (socket instanceof TLSSocket) this.ctx.client.tls = tlsInfo(socket);
    this.attach(socket);
    this.sessionTimer = setTimeout(() => (this.sessionOver = true), options.limits.sessionTimeoutMs).unref();
  }

  private attach(socket: Socket): void {
    socket.setTimeout(this.options.limits.commandTimeoutMs);
    socket.on('timeout', () => (this.upgrading ? socket.destroy() : this.closeWith(reply(421, '4.4.2', `${this.options.hostname} Error: timeout exceeded`))));
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => this.end());
    socket.on('close', () => this.end());
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
    const { greetDelayMs } = this.options;
    if (greetDelayMs !== undefined && (await this.talksBeforeGreeting(greetDelayMs))) {
      // A real MTA waits for the greeting; spamware that fires its commands blind does not.
      const early = reply(554, '5.5.1', 'Protocol error: talked before the greeting');
      this.log('pregreet', { kind: 'reject', ...early }, { sent: this.input.subarray(0, 64).toString('latin1') });
      return this.closeWith(early);
    }
    if (this.closed) return;
    this.write(formatPlain(220, [`${this.options.hostname} ESMTP Postern`]));
    this.flush();
    // What a client sent before the greeting is read only now, after the connect checks.
    void this.pump();
  }

  /** Waits up to delayMs for the client to send something it should not yet; true when it did. */
  private async talksBeforeGreeting(delayMs: number): Promise<boolean> {
    if (this.input.length === 0 && delayMs > 0 && !this.closed) {
      const spoke = new AbortController();
      const wake = () => spoke.abort();
      this.socket.once('data', wake).once('close', wake);
      await sleep(delayMs, undefined, { signal: spoke.signal }).catch(() => undefined);
      this.socket.off('data', wake).off('close', wake);
    }
    return this.input.length > 0;
  }

  private receive(chunk: Buffer): void {
    if (this.closed || this.upgrading) return;
    this.input = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk]);
    if (this.input.length > INPUT_HIGH_WATER) this.pauseReading();
    if (!this.busy) void this.pump();
  }

  /** Back-pressure: a client that sends faster than the session handles, or reads no replies, waits. */
  private pauseReading(): void {
    if (this.readPaused) return;
    this.readPaused = true;
    this.socket.pause();
  }

  private resumeReading(): void {
    if (!this.readPaused || this.writeBlocked || this.input.length > INPUT_HIGH_WATER || this.closed) return;
    this.readPaused = false;
    this.socket.resume();
  }

  /** Handles everything complete in the input, one command at a time, then writes the replies. */
  private async pump(): Promise<void> {
    this.busy = true;
    try {
      while (!this.closed && !this.upgrading) {
        if (this.chunk) {
          if (!this.readChunk()) break;
          await this.chunkDone(this.chunk);
          continue;
        }
        if (this.message?.by === 'data') {
          if (this.input.length === 0) break;
          const chunk = this.input;
          this.input = Buffer.alloc(0);
          const { rest } = this.message.incoming.feed(chunk);
          if (rest === undefined) break;
          this.input = rest;
          await this.endOfMessage();
          continue;
        }
        const line = this.nextLine();
        if (line === undefined) break;
        if (line === ANSWERED) continue;
        if (this.sasl) await this.saslResponse(line);
        else await this.command(line);
      }
    } finally {
      this.busy = false;
    }
    this.flush();
    this.resumeReading();
  }

  /** The next command line without its CRLF; undefined when no complete line is buffered;
   *  ANSWERED for the end of an over-long line, which got its reply already. */
  private nextLine(): Buffer | typeof ANSWERED | undefined {
    const end = this.input.indexOf('\r\n');
    const max = this.options.limits.maxLineLength;
    if (end < 0) {
      // A CR at the very end may be the start of the CRLF: not part of the line's length.
      const length = this.input.length - (this.input[this.input.length - 1] === 0x0d ? 1 : 0);
      if (length > max) {
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
      case 'BDAT':
        return this.bdat(arg);
      case 'RSET':
        if (arg.trim() !== '') return this.answer(reply(501, '5.5.4', 'Syntax: RSET'));
        this.resetTransaction();
        return this.answer(OK);
      case 'NOOP':
        return this.answer(OK);
      case 'QUIT':
        this.write(formatReply(reply(221, '2.0.0', 'Bye')));
        return this.flushAndClose();
      case 'VRFY':
        return this.answer(reply(252, '2.0.0', 'Cannot VRFY user, but will accept message and attempt delivery'));
      case 'HELP':
        return this.answer(reply(214, '2.0.0', 'Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH; see RFC 5321'));
      case 'STARTTLS':
        return this.startTls(arg);
      case 'AUTH':
        return this.auth(arg);
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
    this.resetTransaction();
    if (!extended) return this.answer(reply(250, '2.0.0', this.options.hostname), false);
    const keywords = ['PIPELINING', `SIZE ${this.options.limits.maxMessageSize}`, '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'DSN', 'CHUNKING'];
    if (this.options.tls && !this.ctx.client.tls) keywords.push('STARTTLS');
    if (this.ctx.client.tls) keywords.push('REQUIRETLS');
    if (this.authOffered() && !this.ctx.client.authUser) keywords.push('AUTH PLAIN LOGIN');
    this.write(formatPlain(250, [this.options.hostname, ...keywords]));
  }

  private async mail(arg: string): Promise<void> {
    if (!this.helo) return this.answer(reply(503, '5.5.1', 'Error: send HELO/EHLO first'));
    if (this.tx) return this.answer(reply(503, '5.5.1', 'Error: nested MAIL command'));
    if (this.sessionOver) return this.closeWith(reply(421, '4.4.2', `${this.options.hostname} Error: session too long`));
    if (this.role !== 'mta' && !this.ctx.client.authUser) {
      const needsTls = !this.ctx.client.tls && !this.options.auth?.allowPlaintext;
      return this.answer(needsTls ? reply(530, '5.7.0', 'Must issue a STARTTLS command first') : reply(530, '5.7.0', 'Authentication required'));
    }
    const parsed = parseMailCommand(arg, { maxMessageSize: this.options.limits.maxMessageSize, tls: this.ctx.client.tls !== undefined });
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
    if (!tx) return this.answer(NEED_MAIL);
    if (this.message) return this.answer(reply(503, '5.5.1', 'Error: RCPT after BDAT'));
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
    if (!tx) return this.answer(NEED_MAIL);
    if (this.message) return this.answer(reply(503, '5.5.1', 'Error: DATA after BDAT; send BDAT LAST or RSET'));
    if (tx.recipients.length === 0) return this.answer(NEED_RCPT);
    if (arg.trim() !== '') return this.answer(reply(501, '5.5.4', 'Syntax: DATA'));
    const refusal = await this.dataRefusal(tx);
    if (refusal) return this.answer(refusal);
    this.openMessage(tx, 'data');
    this.socket.setTimeout(this.options.limits.dataTimeoutMs);
    // 3xx replies carry no enhanced code (RFC 3463 classes are 2, 4 and 5), as Postfix sends it
    this.write(formatPlain(354, ['End data with <CR><LF>.<CR><LF>']));
    this.flush();
  }

  /** BDAT size [LAST] (RFC 3030): the chunk's bytes are always read, even when the command is refused. */
  private async bdat(arg: string): Promise<void> {
    const match = /^ ([0-9]{1,15})( LAST)? *$/i.exec(arg);
    if (!match) {
      // Without a size there is no telling where the chunk ends; reading on would run its bytes as commands.
      this.write(formatReply(reply(501, '5.5.4', 'Syntax: BDAT size [LAST]')));
      return this.flushAndClose();
    }
    const size = Number(match[1]);
    const last = match[2] !== undefined;
    const tx = this.tx;
    let refusal: Reply | undefined;
    if (!tx) refusal = NEED_MAIL;
    else if (tx.recipients.length === 0) refusal = NEED_RCPT;
    else if (!this.message) {
      refusal = await this.dataRefusal(tx);
      if (refusal) this.tx = undefined;
      else this.openMessage(tx, 'bdat');
    }
    this.chunk = { remaining: size, last, refusal };
    if (size > 0) this.socket.setTimeout(this.options.limits.dataTimeoutMs);
  }

  /** Takes what has arrived of the current chunk; true once all of it is in. */
  private readChunk(): boolean {
    const chunk = this.chunk!;
    if (chunk.remaining === 0) return true;
    if (this.input.length === 0) return false;
    const take = Math.min(chunk.remaining, this.input.length);
    if (!chunk.refusal) this.message!.incoming.feed(this.input.subarray(0, take));
    this.input = this.input.subarray(take);
    chunk.remaining -= take;
    return chunk.remaining === 0;
  }

  private async chunkDone(chunk: Chunk): Promise<void> {
    this.chunk = undefined;
    this.socket.setTimeout(this.options.limits.commandTimeoutMs);
    if (chunk.refusal) return this.answer(chunk.refusal);
    const incoming = this.message!.incoming;
    if (incoming.tooBig) return this.endOfMessage();
    if (chunk.last) return this.endOfMessage();
    this.answer(reply(250, '2.0.0', `Ok: ${incoming.size} octets received`));
  }

  /** What the checks say to DATA or the first BDAT, as the reply to give; undefined: go ahead. */
  private async dataRefusal(tx: Transaction): Promise<Reply | undefined> {
    const ctx: DataContext = { ...this.ctx, sender: tx.sender, params: tx.params, recipients: tx.recipients };
    const { verdict, check } = await this.safeChecks('data', ctx);
    return this.refusal(verdict, check, { from: tx.sender, to: tx.recipients.map((r) => r.address) });
  }

  private openMessage(tx: Transaction, by: 'data' | 'bdat'): void {
    const client = this.ctx.client;
    const writer = this.options.sink.open();
    const trace = receivedHeader({
      helo: this.helo!,
      address: client.address,
      hostname: this.options.hostname,
      queueId: writer.id,
      esmtp: this.esmtp,
      tls: client.tls,
      authenticated: client.authUser !== undefined,
      recipients: tx.recipients,
      date: new Date(),
    });
    const incoming = new IncomingMessage(writer, {
      maxSize: this.options.limits.maxMessageSize,
      dotStuffed: by === 'data',
      trace,
      addMissingHeadersAs: client.authUser !== undefined ? this.options.hostname : undefined,
    });
    this.message = { incoming, tx, by };
  }

  private async endOfMessage(): Promise<void> {
    const { incoming, tx } = this.message!;
    const writer = incoming.writer;
    this.message = undefined;
    this.tx = undefined;
    this.socket.setTimeout(this.options.limits.commandTimeoutMs);
    incoming.finish();
    if (incoming.tooBig) {
      writer.abort();
      return this.answer(reply(552, '5.3.4', 'Message size exceeds fixed maximum message size'));
    }
    if (incoming.sawBareLineEnding && this.options.bareLineEndings === 'reject') {
      writer.abort();
      return this.answer(reply(550, '5.5.2', 'Message contains bare CR or LF line endings; only CRLF is allowed'));
    }
    const message = new EditableMessage(writer, incoming.size);
    const ctx: EndOfDataContext = {
      ...this.ctx,
      sender: tx.sender,
      params: tx.params,
      recipients: tx.recipients,
      get size() {
        return message.size;
      },
      readMessage: () => message.read(),
      addHeader: (field) => message.addHeader(field),
      replaceMessage: (replacement) => message.replace(replacement),
    };
    const { verdict, check } = await this.safeChecks('endOfData', ctx);
    const to = tx.recipients.map((r) => r.address);
    const refusal = this.refusal(verdict, check, { from: tx.sender, to });
    if (refusal) {
      writer.abort();
      return this.answer(refusal);
    }
    const logged = { queueId: writer.id, client: this.ctx.client.address, helo: this.helo, user: this.ctx.client.authUser, from: tx.sender, to };
    if (verdict.kind === 'discard') {
      writer.abort();
      this.options.logger.info({ ...logged, check, reason: verdict.reason }, 'message discarded');
      return this.answer(reply(250, '2.0.0', `Ok: queued as ${writer.id}`));
    }
    const quarantine = verdict.kind === 'quarantine' ? { reason: verdict.reason, ...(verdict.rule === undefined ? {} : { rule: verdict.rule }) } : undefined;
    try {
      await message.settle();
      const id = await writer.commit(
        {
          sender: tx.sender,
          recipients: tx.recipients,
          ...tx.params,
          client: { ...this.ctx.client, helo: this.helo! },
          receivedAt: Date.now(),
        },
        { quarantine },
      );
      if (quarantine) this.options.logger.info({ ...logged, size: message.size, check, ...quarantine }, 'message quarantined');
      else this.options.logger.info({ ...logged, size: message.size }, 'message accepted');
      this.answer(reply(250, '2.0.0', `Ok: queued as ${id}`));
    } catch (err) {
      this.options.logger.error({ err: (err as Error).message, client: this.ctx.client.address }, 'message could not be stored');
      this.answer(reply(451, '4.3.0', 'Error: queue file write error'));
    }
  }

  private resetTransaction(): void {
    this.tx = undefined;
    this.message?.incoming.writer.abort();
    this.message = undefined;
  }

  /** STARTTLS (RFC 3207): whatever the client sent after it in the clear is dropped (CVE-2011-0411). */
  private startTls(arg: string): void {
    const tls = this.options.tls;
    if (!tls) return this.answer(reply(502, '5.5.1', 'Error: STARTTLS is not offered here'));
    if (this.ctx.client.tls) return this.answer(reply(503, '5.5.1', 'Error: TLS already active'));
    if (arg.trim() !== '') return this.answer(reply(501, '5.5.4', 'Syntax: STARTTLS'));
    if (this.tx) return this.answer(reply(503, '5.5.1', 'Error: MAIL transaction in progress'));
    this.write(formatReply(reply(220, '2.0.0', 'Ready to start TLS')));
    this.flush();
    this.input = Buffer.alloc(0);
    this.upgrading = true;
    const plain = this.socket;
    plain.removeAllListeners('data');
    this.readPaused = false;
    plain.resume();
    plain.removeAllListeners('timeout');
    plain.setTimeout(0);
    const secure = new TLSSocket(plain, { isServer: true, secureContext: tls.defaultContext, SNICallback: tls.SNICallback });
    this.socket = secure;
    this.attach(secure);
    secure.once('secure', () => {
      // RFC 3207 §4.2: everything learnt before TLS is forgotten; the client starts again with EHLO.
      this.upgrading = false;
      this.helo = undefined;
      this.esmtp = false;
      this.ctx.client.helo = undefined;
      this.ctx.client.authUser = undefined;
      this.ctx.client.tls = tlsInfo(secure);
      this.resetTransaction();
    });
  }

  private authOffered(): boolean {
    const auth = this.options.auth;
    if (!auth || (this.role === 'mta' && !auth.onMta)) return false;
    return this.ctx.client.tls !== undefined || auth.allowPlaintext;
  }

  /** AUTH mechanism [initial-response] (RFC 4954). */
  private async auth(arg: string): Promise<void> {
    const auth = this.options.auth;
    if (!this.authOffered()) {
      const tlsWouldHelp = auth && (this.role !== 'mta' || auth.onMta) && !this.ctx.client.tls;
      if (tlsWouldHelp) return this.answer(reply(538, '5.7.11', 'Encryption required for requested authentication mechanism'));
      return this.answer(reply(502, '5.5.1', 'Error: authentication not enabled'));
    }
    if (!this.esmtp) return this.answer(reply(503, '5.5.1', 'Error: send EHLO first'));
    if (this.ctx.client.authUser) return this.answer(reply(503, '5.5.1', 'Error: already authenticated'));
    if (this.tx) return this.answer(reply(503, '5.5.1', 'Error: MAIL transaction in progress'));
    const [mechanism = '', initial, ...extra] = arg.trim().split(' ');
    if (mechanism === '' || extra.length > 0) return this.answer(reply(501, '5.5.4', 'Syntax: AUTH mechanism [initial-response]'));
    const name = mechanism.toUpperCase();
    if (!isSaslMechanism(name)) return this.answer(reply(504, '5.5.4', 'Unsupported authentication mechanism'));
    const exchange = new SaslExchange(name);
    return this.saslStep(exchange, exchange.begin(initial));
  }

  private saslResponse(line: Buffer): Promise<void> {
    const exchange = this.sasl!;
    this.sasl = undefined;
    if (line.includes(0)) return Promise.resolve(this.answer(BAD_LINE));
    return this.saslStep(exchange, exchange.respond(line.toString('latin1')));
  }

  private async saslStep(exchange: SaslExchange, step: SaslStep): Promise<void> {
    if (step.kind === 'error') return this.answer(step.reply);
    if (step.kind === 'challenge') {
      this.sasl = exchange;
      this.write(`334 ${step.challenge}\r\n`);
      return;
    }
    const auth = this.options.auth!;
    // An authzid naming someone else would let one user send as another: not offered.
    const result = step.authzid !== '' && step.authzid !== step.authcid ? 'fail' : await auth.authenticator.verify(step.authcid, step.password);
    const user = printable(step.authcid).slice(0, 256);
    if (result === 'ok') {
      this.ctx.client.authUser = step.authcid;
      this.options.logger.info({ client: this.ctx.client.address, user, mechanism: exchange.mechanism }, 'authenticated');
      return this.answer(reply(235, '2.7.0', 'Authentication successful'));
    }
    if (result === 'unavailable') return this.answer(reply(454, '4.7.0', 'Temporary authentication failure'));
    this.authFailures++;
    this.options.logger.info({ check: 'auth', client: this.ctx.client.address, helo: this.helo, user, mechanism: exchange.mechanism, failures: this.authFailures }, 'authentication failed');
    // The same wait for every failure, so guessing is slow and the timing tells nothing.
    await sleep(auth.failureDelayMs);
    this.answer(reply(535, '5.7.8', 'Authentication credentials invalid'));
    if (this.authFailures >= auth.maxFailures && !this.closed) this.closeWith(reply(421, '4.7.0', `${this.options.hostname} Error: too many failed authentications`));
  }

  /** A check that throws is a temporary failure, never a crash or an accept. */
  private async safeChecks<C>(stage: 'connect' | 'helo' | 'mail' | 'rcpt' | 'data' | 'endOfData', ctx: C): Promise<{ verdict: EndOfDataVerdict; check?: string }> {
    try {
      return await runChecks(this.options.checks, stage, ctx);
    } catch (err) {
      const check = err instanceof CheckFailure ? err.check : undefined;
      this.options.logger.error({ err: (err as Error).message, check, stage, client: this.ctx.client.address }, 'a check failed');
      return { verdict: { kind: 'defer', code: 451, enhanced: '4.3.0', text: 'Temporary failure, try again later' }, check };
    }
  }

  private refuse(verdict: EndOfDataVerdict, check: string | undefined, details: RefusalDetails): boolean {
    const refusal = this.refusal(verdict, check, details);
    // RFC 5321 §3.8: a 421 closes the channel, so a check can end a session (a directory harvest).
    if (refusal?.code === 421) this.closeWith(refusal);
    else if (refusal) this.answer(refusal);
    return refusal !== undefined;
  }

  /** A refusal is logged and returned as the reply to give; undefined when the verdict lets the session go on. */
  private refusal(verdict: EndOfDataVerdict, check: string | undefined, details: RefusalDetails): Reply | undefined {
    if (verdict.kind !== 'reject' && verdict.kind !== 'defer') return undefined;
    this.log(check, verdict, details);
    return { code: verdict.code, enhanced: verdict.enhanced, text: verdict.text };
  }

  /** One line per refusal: the check, the client, and what the session had said so far. */
  private log(check: string | undefined, verdict: EndOfDataVerdict, details: RefusalDetails): void {
    if (verdict.kind !== 'reject' && verdict.kind !== 'defer') return;
    this.options.logger.info(
      { check, client: this.ctx.client.address, helo: this.helo, user: this.ctx.client.authUser, ...details, reply: `${verdict.code} ${verdict.enhanced} ${verdict.text}` },
      'refused',
    );
  }

  /** Queues a reply; errors count towards the limit that ends the session. */
  private answer(r: Reply, countErrors = true): void {
    this.write(formatReply({ ...r, text: r.text.split('\n').map(asciiText).join('\n') }));
    if (countErrors && r.code >= 400 && ++this.errors >= this.options.limits.maxErrors) {
      this.closeWith(reply(421, '4.7.0', `${this.options.hostname} Error: too many errors`));
    }
  }

  private write(text: string): void {
    this.output += text;
  }

  private flush(): void {
    if (this.output === '' || this.closed) return;
    const written = this.socket.write(this.output);
    this.output = '';
    if (!written && !this.writeBlocked) {
      this.writeBlocked = true;
      this.pauseReading();
      this.socket.once('drain', () => {
        this.writeBlocked = false;
        this.resumeReading();
      });
    }
  }

  /** Postern is stopping: a last reply, then the connection ends. */
  shutdown(text: string): void {
    if (this.closed) return;
    this.socket.end(text);
    this.end();
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
    this.resetTransaction();
  }
}

function tlsInfo(socket: TLSSocket): { version: string; cipher: string } {
  return { version: socket.getProtocol() ?? 'TLS', cipher: socket.getCipher()?.standardName ?? 'unknown' };
}
