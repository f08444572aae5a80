// The relay benchmark's final destination: a minimal SMTP server that accepts every message and
// notes when each one arrived, by the X-Bench-Id header the load generator put in it. It runs as a
// child process of the benchmark (`startSink`), so that its event loop is not delayed by the load
// generator's and the arrival times are taken when the last byte comes in. Arrival times are
// wall-clock milliseconds (timeOrigin + now), comparable with the generator's in the parent.
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { onAbort } from './cleanup.ts';

export const BENCH_ID_HEADER = 'X-Bench-Id';

/** [message id, arrival time in wall-clock ms] */
export type Arrival = [number, number];

type SinkMessage = { type: 'listening'; port: number } | { type: 'arrivals'; arrivals: Arrival[]; unidentified: number };

// The relays put their Received (and other) headers above ours; the id is in the header block.
const ID_PATTERN = new RegExp(`\\r\\n${BENCH_ID_HEADER}: (\\d+)\\r\\n`, 'i');
const HEAD_BYTES = 16_384;
const END_OF_DATA = Buffer.from('\r\n.\r\n');

const EHLO_REPLY = '250-bench-sink.example.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 104857600\r\n';

function serveSession(socket: Socket, arrived: (id: number | undefined) => void): void {
  let pending: Buffer = Buffer.alloc(0); // command bytes not yet ending in CRLF
  let inData = false;
  let head = ''; // the first HEAD_BYTES of the message being received, for its id
  let tail: Buffer = Buffer.alloc(0); // the last bytes of data seen, for an end-of-data split across chunks
  socket.setNoDelay(true);
  socket.write('220 bench-sink.example.test ESMTP\r\n');

  const command = (line: string): string => {
    const verb = line.slice(0, 4).toUpperCase();
    switch (verb) {
      case 'EHLO':
        return EHLO_REPLY;
      case 'HELO':
      case 'LHLO':
        return '250 bench-sink.example.test\r\n';
      case 'MAIL':
      case 'RCPT':
      case 'RSET':
      case 'NOOP':
        return '250 2.0.0 OK\r\n';
      case 'DATA':
        inData = true;
        head = '';
        // A message that ends right away ("\r\n.\r\n" right after DATA) ends with ".\r\n".
        tail = Buffer.from('\r\n');
        return '354 go ahead\r\n';
      case 'QUIT':
        socket.end('221 2.0.0 bye\r\n');
        return '';
      default:
        return '502 5.5.2 not here\r\n';
    }
  };

  // Returns the bytes after the end of data (pipelined commands), or undefined if the message goes on.
  const data = (chunk: Buffer): Buffer | undefined => {
    if (head.length < HEAD_BYTES) head += chunk.subarray(0, HEAD_BYTES - head.length).toString('latin1');
    const joined = Buffer.concat([tail, chunk.subarray(0, END_OF_DATA.length)]);
    let end = joined.indexOf(END_OF_DATA);
    let after: number;
    if (end >= 0) after = end + END_OF_DATA.length - tail.length;
    else {
      end = chunk.indexOf(END_OF_DATA);
      if (end < 0) {
        const seen = chunk.length >= END_OF_DATA.length ? chunk : Buffer.concat([tail, chunk]);
        tail = Buffer.from(seen.subarray(Math.max(0, seen.length - END_OF_DATA.length + 1)));
        return undefined;
      }
      after = end + END_OF_DATA.length;
    }
    inData = false;
    const id = ID_PATTERN.exec(`\r\n${head}`);
    arrived(id ? Number(id[1]) : undefined);
    socket.write('250 2.0.0 delivered\r\n');
    return chunk.subarray(after);
  };

  socket.on('data', (chunk: Buffer) => {
    let rest: Buffer | undefined = chunk;
    while (rest && rest.length > 0) {
      if (inData) {
        rest = data(rest);
        continue;
      }
      pending = pending.length === 0 ? rest : Buffer.concat([pending, rest]);
      rest = undefined;
      let replies = '';
      let lineEnd: number;
      while (!inData && (lineEnd = pending.indexOf('\r\n')) >= 0) {
        replies += command(pending.subarray(0, lineEnd).toString('latin1'));
        pending = pending.subarray(lineEnd + 2);
      }
      if (replies !== '' && !socket.writableEnded) socket.write(replies);
      if (inData) {
        rest = pending;
        pending = Buffer.alloc(0);
      }
    }
  });
  socket.on('error', () => socket.destroy());
}

function runSink(): void {
  let arrivals: Arrival[] = [];
  let unidentified = 0;
  const server = createServer((socket) =>
    serveSession(socket, (id) => {
      if (id === undefined) unidentified++;
      else arrivals.push([id, performance.timeOrigin + performance.now()]);
    }),
  );
  server.listen(0, '127.0.0.1', () => process.send!({ type: 'listening', port: (server.address() as { port: number }).port } satisfies SinkMessage));
  process.on('message', () => {
    process.send!({ type: 'arrivals', arrivals, unidentified } satisfies SinkMessage);
    arrivals = [];
    unidentified = 0;
  });
  process.on('disconnect', () => process.exit(0));
}

export interface RunningSink {
  port: number;
  /** The arrivals since the last call, and how many messages came without an id (the relays' start-up probes). */
  take(): Promise<{ arrivals: Arrival[]; unidentified: number }>;
  stop(): void;
}

export function startSink(): Promise<RunningSink> {
  const child: ChildProcess = fork(import.meta.filename, ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const forget = onAbort(() => child.kill('SIGKILL'));
  const next = () =>
    new Promise<SinkMessage>((done, fail) => {
      const exited = () => fail(new Error('the bench SMTP sink exited'));
      child.once('exit', exited);
      child.once('message', (message) => {
        child.off('exit', exited);
        done(message as SinkMessage);
      });
    });
  return next().then((first) => {
    if (first.type !== 'listening') throw new Error('the bench SMTP sink did not start');
    return {
      port: first.port,
      async take() {
        const reply = next();
        child.send('take');
        const message = await reply;
        if (message.type !== 'arrivals') throw new Error('unexpected message from the bench SMTP sink');
        return message;
      },
      stop() {
        child.kill('SIGKILL');
        forget();
      },
    };
  });
}

if (process.argv[2] === '--serve' && process.argv[1] === import.meta.filename) runSink();
