// The relay benchmark's load generator: N parallel SMTP sessions, each sending MAIL, RCPT and
// DATA in one pipelined group, then the message, and noting when the server's 250 for it came:
// the moment the relay took responsibility for it. Every message carries an X-Bench-Id header,
// by which the sink (smtp-sink.ts) matches its arrival to that moment. smtp-source cannot put a
// distinct header in each message, hence this generator.
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { BENCH_ID_HEADER } from './smtp-sink.ts';

export interface RelayLoad {
  sessions: number;
  messages: number;
  /** Bytes of the message, headers and body, to within a line (78 bytes). */
  size: number;
  /** Messages a session sends before QUIT and a new connection. */
  perConnection: number;
  to: string;
  /** The id of the first message; the others follow. */
  firstId: number;
  /** A message of its own (e.g. MIME with an attachment): more header fields and the body, CRLF lines; `size` is then unused. */
  content?: { headers: string; body: Buffer };
}

export interface LoadRun {
  /** Wall-clock ms of the start, and of each message's 250 by index (id - firstId). */
  startedAt: number;
  acceptedAt: Float64Array;
  /** Wall-clock ms of the last 250. */
  finishedAt: number;
}

const FROM = 'bench@client.example.test';
const now = () => performance.timeOrigin + performance.now();

/** The message for `id`: a few headers and a body of 76-character lines up to `size` bytes, dot-terminated. */
function messageFor(id: number, to: string, body: Buffer, moreHeaders = ''): Buffer {
  const headers = `From: <${FROM}>\r\nTo: <${to}>\r\nSubject: bench ${id}\r\nMessage-ID: <${id}.bench@client.example.test>\r\n${BENCH_ID_HEADER}: ${id}\r\n${moreHeaders}\r\n`;
  return Buffer.concat([Buffer.from(headers, 'latin1'), body, Buffer.from('.\r\n')]);
}

// Whole lines, so that the final "." is a line of its own; the headers take about 200 bytes.
function bodyOf(size: number): Buffer {
  const line = `${'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(3).slice(0, 76)}\r\n`;
  return Buffer.from(line.repeat(Math.max(1, Math.round((size - 200) / line.length))), 'latin1');
}

/** Reads SMTP replies off a socket, one promise per reply, in order (pipelined replies come in a burst). */
class ReplyReader {
  private buffered = '';
  private readonly replies: string[] = [];
  private readonly waiting: Array<{ done: (reply: string) => void; fail: (err: Error) => void }> = [];
  private failure: Error | undefined;

  constructor(socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => {
      this.buffered += text;
      let end: number;
      while ((end = this.buffered.indexOf('\r\n')) >= 0) {
        const line = this.buffered.slice(0, end);
        this.buffered = this.buffered.slice(end + 2);
        if (line[3] !== '-') this.deliver(line);
      }
    });
    socket.on('error', (err) => this.stop(err));
    socket.on('close', () => this.stop(new Error('connection closed by the server')));
  }

  private deliver(reply: string): void {
    const waiter = this.waiting.shift();
    if (waiter) waiter.done(reply);
    else this.replies.push(reply);
  }

  private stop(err: Error): void {
    this.failure ??= err;
    for (const waiter of this.waiting.splice(0)) waiter.fail(err);
  }

  /** The next reply; fails unless it starts with `code`. */
  async expect(code: string, what: string): Promise<void> {
    const reply = this.replies.shift() ?? (await new Promise<string>((done, fail) => (this.failure ? fail(this.failure) : this.waiting.push({ done, fail }))));
    if (!reply.startsWith(code)) throw new Error(`${what}: expected ${code}, got "${reply}"`);
  }
}

async function session(port: number, load: RelayLoad, body: Buffer, nextIndex: () => number | undefined, run: LoadRun): Promise<void> {
  let index = nextIndex();
  while (index !== undefined) {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    const reader = new ReplyReader(socket);
    try {
      await reader.expect('220', 'greeting');
      socket.write('EHLO client.example.test\r\n');
      await reader.expect('250', 'EHLO');
      for (let sent = 0; sent < load.perConnection && index !== undefined; sent++, index = nextIndex()) {
        const id = load.firstId + index;
        socket.write(`MAIL FROM:<${FROM}>\r\nRCPT TO:<${load.to}>\r\nDATA\r\n`);
        await reader.expect('250', `message ${id}: MAIL`);
        await reader.expect('250', `message ${id}: RCPT`);
        await reader.expect('354', `message ${id}: DATA`);
        socket.write(messageFor(id, load.to, body, load.content?.headers));
        await reader.expect('250', `message ${id}: end of data`);
        run.acceptedAt[index] = now();
      }
      socket.write('QUIT\r\n');
      await reader.expect('221', 'QUIT');
    } finally {
      socket.destroy();
    }
  }
}

/** Sends `load.messages` messages to 127.0.0.1:port; fails on the first reply that is not a success. */
export async function runLoad(port: number, load: RelayLoad): Promise<LoadRun> {
  const body = load.content?.body ?? bodyOf(load.size);
  let next = 0;
  const nextIndex = () => (next < load.messages ? next++ : undefined);
  const run: LoadRun = { startedAt: now(), acceptedAt: new Float64Array(load.messages), finishedAt: 0 };
  await Promise.all(Array.from({ length: Math.min(load.sessions, load.messages) }, () => session(port, load, body, nextIndex, run)));
  run.finishedAt = now();
  return run;
}
