// DNS test helpers: run the real `dig` and read its output; send raw queries over UDP and TCP;
// start Postern's DNS service on loopback with an OS-chosen port for the length of a test.

import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { silentLogger, type Logger } from '../../src/log/logger.ts';
import { startDnsService, type DnsService, type DnsZoneConfig } from '../../src/dns/server/service.ts';

export interface Endpoint {
  address: string;
  port: number;
}

export interface DigRecord {
  /** Owner in presentation form, as dig prints it (with the trailing dot). */
  name: string;
  ttl: number;
  class: string;
  type: string;
  /** The RDATA as dig prints it. */
  data: string;
}

export interface DigResult {
  /** dig's exit status: 0 answered, 9 no reply, 10 and others: see dig(1). */
  exitCode: number;
  opcode?: string;
  status?: string;
  id?: number;
  /** Header flags: qr, aa, tc, rd, ra, ad, cd. */
  flags: Set<string>;
  counts: { query: number; answer: number; authority: number; additional: number };
  /** The OPT pseudo-section, if the response had one. */
  edns?: { version: number; flags: string[]; udp: number; lines: string[] };
  question: { name: string; class: string; type: string }[];
  answer: DigRecord[];
  authority: DigRecord[];
  additional: DigRecord[];
  /** dig's whole standard output, for assertion messages. */
  text: string;
}

/** Runs `dig @address -p port ARGS` with a short timeout and one try, and parses what it printed. */
export function dig(server: Endpoint, args: string[], timeoutMs = 20_000): Promise<DigResult> {
  const argv = [`@${server.address}`, '-p', String(server.port), '+time=2', '+tries=1', ...args];
  return new Promise((resolve, reject) => {
    execFile('dig', argv, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      if (code === -1) reject(new Error(`dig ${argv.join(' ')} failed: ${err?.message}\n${stderr}`));
      else resolve({ ...parseDig(stdout), exitCode: code });
    });
  });
}

/** Reads dig's default output format (header, flags, OPT pseudo-section and sections). */
export function parseDig(text: string): Omit<DigResult, 'exitCode'> {
  const result: Omit<DigResult, 'exitCode'> = {
    flags: new Set(),
    counts: { query: 0, answer: 0, authority: 0, additional: 0 },
    question: [],
    answer: [],
    authority: [],
    additional: [],
    text,
  };
  // Only the last response matters when dig printed more than one (e.g. a TC=1 retry over TCP).
  const lastHeader = text.lastIndexOf(';; ->>HEADER<<-');
  const body = lastHeader < 0 ? text : text.slice(lastHeader);
  let section: 'question' | 'answer' | 'authority' | 'additional' | 'opt' | undefined;
  for (const line of body.split('\n')) {
    const header = /->>HEADER<<- opcode: (\S+), status: (\S+), id: (\d+)/.exec(line);
    if (header) {
      result.opcode = header[1];
      result.status = header[2];
      result.id = Number(header[3]);
      continue;
    }
    const flags = /^;; flags:([^;]*); QUERY: (\d+), ANSWER: (\d+), AUTHORITY: (\d+), ADDITIONAL: (\d+)/.exec(line);
    if (flags) {
      result.flags = new Set(flags[1].trim().split(/\s+/).filter(Boolean));
      result.counts = { query: Number(flags[2]), answer: Number(flags[3]), authority: Number(flags[4]), additional: Number(flags[5]) };
      continue;
    }
    if (line.startsWith(';; OPT PSEUDOSECTION:')) {
      section = 'opt';
      result.edns = { version: -1, flags: [], udp: 0, lines: [] };
      continue;
    }
    const sectionStart = /^;; (QUESTION|ANSWER|AUTHORITY|ADDITIONAL) SECTION:/.exec(line);
    if (sectionStart) {
      section = sectionStart[1].toLowerCase() as typeof section;
      continue;
    }
    if (line.trim() === '') {
      section = undefined;
      continue;
    }
    if (section === 'opt') {
      const edns = /^; EDNS: version: (\d+), flags:([^;]*); udp: (\d+)/.exec(line);
      if (edns) {
        result.edns!.version = Number(edns[1]);
        result.edns!.flags = edns[2].trim().split(/\s+/).filter(Boolean);
        result.edns!.udp = Number(edns[3]);
      }
      result.edns!.lines.push(line);
    } else if (section === 'question') {
      const [name, cls, type] = line.replace(/^;/, '').trim().split(/\s+/);
      result.question.push({ name, class: cls, type });
    } else if (section !== undefined && !line.startsWith(';')) {
      const m = /^(\S+)\s+(\d+)\s+(\S+)\s+(\S+)\s*(.*)$/.exec(line);
      if (m) result[section].push({ name: m[1], ttl: Number(m[2]), class: m[3], type: m[4], data: m[5] });
    }
  }
  return result;
}

/** Sends one datagram and waits for one reply; undefined when none came within timeoutMs. */
export function udpExchange(server: Endpoint, query: Buffer, timeoutMs = 1000): Promise<Buffer | undefined> {
  const socket = createSocket(server.address.includes(':') ? 'udp6' : 'udp4');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    const finish = (reply: Buffer | undefined): void => {
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    };
    socket.on('message', (reply) => finish(reply));
    socket.on('error', (err) => {
      clearTimeout(timer);
      socket.close();
      reject(err);
    });
    socket.send(query, server.port, server.address);
  });
}

/** Frames a DNS message for TCP (RFC 1035 §4.2.2: two-octet length prefix). */
export function tcpFrame(message: Buffer): Buffer {
  const framed = Buffer.alloc(message.length + 2);
  framed.writeUInt16BE(message.length, 0);
  message.copy(framed, 2);
  return framed;
}

/** Writes `bytes` on one TCP connection (in `chunks` pieces, to split messages across
 *  segments) and collects `expect` framed replies; resolves with what arrived when the server
 *  closes or timeoutMs passes. */
export function tcpExchange(server: Endpoint, bytes: Buffer, expect: number, opts: { timeoutMs?: number; chunks?: number } = {}): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: server.address, port: server.port, noDelay: true });
    const replies: Buffer[] = [];
    let pending = Buffer.alloc(0);
    const timer = setTimeout(() => finish(), opts.timeoutMs ?? 3000);
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(replies);
    };
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const length = pending.readUInt16BE(0);
        replies.push(pending.subarray(2, 2 + length));
        pending = pending.subarray(2 + length);
      }
      if (replies.length >= expect) finish();
    });
    socket.on('close', finish);
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') finish();
      else {
        clearTimeout(timer);
        reject(err);
      }
    });
    socket.on('connect', async () => {
      const pieces = Math.max(1, opts.chunks ?? 1);
      const size = Math.ceil(bytes.length / pieces);
      for (let at = 0; at < bytes.length; at += size) {
        socket.write(bytes.subarray(at, at + size));
        if (pieces > 1) await new Promise((r) => setTimeout(r, 5));
      }
    });
  });
}

export interface TestDnsServer {
  service: DnsService;
  endpoint: Endpoint;
}

/** Starts Postern's DNS service on 127.0.0.1 (OS-chosen port) and closes it when the test ends;
 *  `t` is a test context or, for a whole file, `{ after }` from node:test. */
export async function startTestDnsServer(
  t: { after: (fn: () => Promise<void>) => void },
  zones: DnsZoneConfig[],
  opts: { workers?: number; address?: string; tcpIdleTimeoutMs?: number; maxTcpConnections?: number; logger?: Logger } = {},
): Promise<TestDnsServer> {
  const service = await startDnsService({
    listen: [{ address: opts.address ?? '127.0.0.1', port: 0 }],
    zones,
    workers: opts.workers ?? 1,
    tcpIdleTimeoutMs: opts.tcpIdleTimeoutMs ?? 10_000,
    maxTcpConnections: opts.maxTcpConnections ?? 100,
    logger: opts.logger ?? silentLogger(),
  });
  t.after(() => service.close());
  return { service, endpoint: service.endpoints[0] };
}
