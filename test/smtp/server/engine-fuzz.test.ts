// 100,000+ random and mutated command lines, DATA bodies, BDAT chunks and SASL responses, sent
// pipelined over real loopback connections to the engine with a real spool. Each session's
// replies are walked against the bytes sent, so a missing, extra or malformed reply shows, and
// each session must end (221 to the trailer's QUIT, or a 421 close) within a timeout.
// SMTP_FUZZ_SEED=<n> replays a run; a failure names the seed of its session.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { connect as tlsConnect } from 'node:tls';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../../src/log/logger.ts';
import { networkMatcher } from '../../../src/policy/networks.ts';
import { relayCheck } from '../../../src/policy/relay.ts';
import { Spool } from '../../../src/queue/spool.ts';
import type { SmtpLimits, SmtpServerOptions } from '../../../src/smtp/server/options.ts';
import { startSmtpServer, type SmtpServer } from '../../../src/smtp/server/server.ts';
import { loadServerTls } from '../../../src/smtp/server/tls-contexts.ts';
import { scratchDir } from '../../helpers/scratch-dirs.ts';
import { bdatSize, fuzzBatch, seededRandom, verbOf, type FuzzLimits } from '../../helpers/smtp-fuzz-cases.ts';
import { testCa } from '../../helpers/test-ca.ts';
import { wireClient } from '../../helpers/smtp-wire.ts';

const TARGET_CASES = 100_000;
const PARALLEL = 6;
const SESSION_TIMEOUT_MS = 20_000;
const SEED = Number(process.env.SMTP_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32));
const LIMITS: SmtpLimits = {
  maxMessageSize: 20_000, maxRecipients: 5, maxErrors: 1_000_000, commandTimeoutMs: 60_000, dataTimeoutMs: 60_000, sessionTimeoutMs: 600_000,
  maxConnections: 100, maxConnectionsPerClient: 100, maxLineLength: 2048,
};
const FUZZ: FuzzLimits = { maxLineLength: LIMITS.maxLineLength, maxMessageSize: LIMITS.maxMessageSize, maxChunk: 4096 };
const CRLF = Buffer.from('\r\n');

const crashes: unknown[] = [];
const onCrash = (err: unknown) => crashes.push(err);
let spool: Spool;
/** Limits that never end a session; and one with the default error and AUTH-failure limits and bare line endings refused. */
let lenient: SmtpServer;
let strict: SmtpServer;

before(async () => {
  process.on('unhandledRejection', onCrash);
  process.on('uncaughtException', onCrash);
  spool = await Spool.open({ dir: join(await scratchDir(), 'queue'), minFreeBytes: 0, logger: silentLogger() });
  const ca = testCa();
  const base: SmtpServerOptions = {
    hostname: 'mx.example.test',
    listeners: [
      { address: '127.0.0.1', port: 0, role: 'mta' },
      { address: '127.0.0.1', port: 0, role: 'submission' },
    ],
    limits: LIMITS,
    bareLineEndings: 'normalize',
    // not trusted: relaying needs AUTH, as for a client on the Internet
    isTrusted: networkMatcher(['192.0.2.0/24']),
    checks: [relayCheck({ domains: ['example.test'] })],
    tls: loadServerTls('fuzz.yaml', [{ cert: ca.server.chainFile, key: ca.server.keyFile, names: [] }], 'TLSv1.2'),
    auth: {
      authenticator: { verify: async (user, password) => (user === 'fuzz' && password === 'pw' ? 'ok' : user === 'down' ? 'unavailable' : 'fail') },
      allowPlaintext: true, onMta: true, failureDelayMs: 0, maxFailures: 1_000_000,
    },
    sink: spool,
    logger: silentLogger(),
  };
  lenient = await startSmtpServer(base);
  strict = await startSmtpServer({ ...base, limits: { ...LIMITS, maxErrors: 20 }, bareLineEndings: 'reject', auth: { ...base.auth!, maxFailures: 3 } });
});

after(async () => {
  process.off('unhandledRejection', onCrash);
  process.off('uncaughtException', onCrash);
  await lenient.close(0);
  await strict.close(0);
  spool.close();
});

interface Reply {
  code: number;
  lines: string[];
}

/** The replies in what the server sent, or what is wrong with its framing. */
function splitReplies(received: Buffer): { replies: Reply[]; problem?: string } {
  const raw = received.toString('latin1');
  if (raw !== '' && !raw.endsWith('\r\n')) return { replies: [], problem: `output does not end with CRLF: ${JSON.stringify(raw.slice(-80))}` };
  const replies: Reply[] = [];
  let open: Reply | undefined;
  for (const line of raw.split('\r\n').slice(0, -1)) {
    const m = /^([2-5]\d\d)([ -])(.*)$/s.exec(line);
    if (!m) return { replies, problem: `malformed reply line ${JSON.stringify(line)}` };
    if (/[\x00-\x1f\x7f]/.test(m[3]!)) return { replies, problem: `control character in reply line ${JSON.stringify(line)}` };
    const code = Number(m[1]);
    if (open && open.code !== code) return { replies, problem: `continuation with another code: ${JSON.stringify(line)}` };
    open ??= { code, lines: [] };
    open.lines.push(line);
    if (m[2] === ' ') {
      replies.push(open);
      open = undefined;
    }
  }
  return open ? { replies, problem: `unfinished multi-line reply ${JSON.stringify(open.lines)}` } : { replies };
}

/** RFC 3463 with ENHANCEDSTATUSCODES: 2xx, 4xx and 5xx carry a class-matching x.y.z, except the greeting and the EHLO list. */
function enhancedProblem(reply: Reply, plainAllowed: boolean): string | undefined {
  const klass = Math.floor(reply.code / 100);
  if (klass === 3 || plainAllowed) return undefined;
  const bad = reply.lines.find((line) => !new RegExp(`^\\d{3}[ -]${klass}\\.\\d{1,3}\\.\\d{1,3}( |$)`).test(line));
  return bad === undefined ? undefined : `no enhanced status code: ${JSON.stringify(bad)}`;
}

/** What a positive reply to each command looks like; a refusal (4xx, 5xx) may answer any line. */
const SUCCESS: Record<string, RegExp> = {
  EHLO: /^250-mx\.example\.test$/,
  HELO: /^250 2\.0\.0 mx\.example\.test$/,
  MAIL: /^250 2\.1\.0 /,
  RCPT: /^250 2\.1\.5 /,
  DATA: /^354 /,
  BDAT: /^250 2\.0\.0 Ok: /,
  RSET: /^250 2\.0\.0 Ok$/,
  NOOP: /^250 2\.0\.0 Ok$/,
  QUIT: /^221 2\.0\.0 /,
  VRFY: /^252 2\.0\.0 /,
  HELP: /^214 2\.0\.0 /,
  STARTTLS: /^220 2\.0\.0 /,
  AUTH: /^(334 |235 2\.7\.0 )/,
  /** A line after a 334 challenge. */
  SASL: /^(334 |235 2\.7\.0 )/,
  /** The reply after the data of DATA. */
  DOT: /^250 2\.0\.0 Ok: queued as /,
};

/** A 2xx or 3xx that is not what `what` gets when it succeeds: the replies and the lines have come apart. */
function successProblem(reply: Reply, what: string): string | undefined {
  if (reply.code >= 400 || SUCCESS[what]?.test(reply.lines[0]!)) return undefined;
  return `${JSON.stringify(reply.lines[0])} is no answer to ${what}`;
}

interface Walked {
  /** Command lines, SASL responses, DATA bodies and BDAT chunks the server answered. */
  cases: number;
  problem?: string;
  /** Reply lines with bytes beyond ASCII (client text echoed). */
  nonAscii: string[];
  accepted: number;
  closedBy421: boolean;
}

/**
 * Follows the engine through the bytes it was sent, driven by its replies (which commands
 * succeeded decides where DATA and SASL begin), and checks that every line got exactly one
 * reply, in order: QUIT's 221, a 421 or a BDAT syntax error end the session, and nothing may follow.
 */
function walk(sent: Buffer, received: Buffer): Walked {
  const { replies, problem: framing } = splitReplies(received);
  const out: Walked = { cases: 0, nonAscii: [], accepted: 0, closedBy421: false };
  if (framing) return { ...out, problem: framing };
  for (const r of replies) for (const line of r.lines) if (/[\x80-\xff]/.test(line)) out.nonAscii.push(line);
  let next = 0;
  const take = (plainAllowed: boolean): Reply | string => {
    const reply = replies[next++];
    if (!reply) return 'missing reply';
    if (reply.code === 250 && reply.lines[0]!.startsWith('250 2.0.0 Ok: queued as')) out.accepted++;
    return enhancedProblem(reply, plainAllowed) ?? reply;
  };
  const finished = (why: string): Walked => (next === replies.length ? out : { ...out, problem: `${replies.length - next} replies after ${why}: ${JSON.stringify(replies[next]!.lines)}` });
  const greeting = take(true);
  if (typeof greeting === 'string' || greeting.code !== 220) return { ...out, problem: `greeting: ${JSON.stringify(greeting)}` };
  let pos = 0;
  let sasl = false;
  for (;;) {
    const end = sent.indexOf(CRLF, pos);
    if (end < 0) return { ...out, problem: 'the batch ended and the session did not' };
    const line = sent.subarray(pos, end);
    pos = end + 2;
    const verb = verbOf(line);
    const reply = take(verb === 'EHLO');
    const where = `line at byte ${pos - line.length - 2} ${JSON.stringify(line.toString('latin1').slice(0, 120))}`;
    if (typeof reply === 'string') return { ...out, problem: `${reply} to ${where}` };
    out.cases++;
    if (reply.code === 421) return { ...finished('421'), closedBy421: true };
    const unrun = line.includes(0) || line.includes(0x0d) || line.includes(0x0a) || line.length > FUZZ.maxLineLength;
    const mismatch = successProblem(reply, unrun ? 'a line that is not run' : sasl ? 'SASL' : verb);
    if (mismatch) return { ...out, problem: `${mismatch} (${where})` };
    // A line at the limit may count as too long, when its CR and LF arrive apart: then it is not run either.
    if (line.length > FUZZ.maxLineLength || (line.length === FUZZ.maxLineLength && reply.lines[0]!.includes('too long'))) continue;
    if (sasl) {
      sasl = reply.code === 334;
      continue;
    }
    const chunk = bdatSize(line);
    if (chunk !== undefined) pos += chunk;
    else if (verb === 'BDAT' && reply.code === 501) return finished('BDAT without a size');
    else if (verb === 'QUIT' && reply.code === 221) return finished('QUIT');
    // A STARTTLS the generator did not mean to succeed (e.g. bytes after a skipped BDAT chunk):
    // the server now waits for a TLS handshake this plaintext client never starts, rightly, and
    // says nothing more (a session that opened with STARTTLS and went on under TLS has more replies).
    else if (verb === 'STARTTLS' && reply.code === 220 && next === replies.length) return finished('STARTTLS');
    else if (reply.code === 334) sasl = true;
    else if (reply.code === 354) {
      const stop = sent.subarray(pos, pos + 3).equals(Buffer.from('.\r\n')) ? pos : sent.indexOf('\r\n.\r\n', pos) + 2;
      if (stop < 2) return { ...out, problem: `DATA never ended after ${where}` };
      pos = stop + 3;
      const done = take(false);
      if (typeof done === 'string') return { ...out, problem: `${done} to the end of DATA after ${where}` };
      const notQueued = successProblem(done, 'DOT');
      if (notQueued) return { ...out, problem: `${notQueued} after ${where}` };
      out.cases++;
      if (done.code === 421) return { ...finished('421'), closedBy421: true };
    }
  }
}

interface Conversation {
  sent: Buffer;
  received: Buffer;
  hung: boolean;
}

/** Sends a batch as one client would (after the greeting or before it, whole or in pieces, in the clear or after STARTTLS) and reads until the server closes. */
async function converse(port: number, batch: Buffer, how: { waitGreeting: boolean; pieces: boolean; tls: boolean }, rnd: () => number): Promise<Conversation> {
  const received: Buffer[] = [];
  const prefix = how.tls ? Buffer.from('EHLO fuzz.example\r\nSTARTTLS\r\n') : Buffer.alloc(0);
  const plain = connect({ port, host: '127.0.0.1' });
  plain.setNoDelay(true);
  let socket: Socket = plain;
  let waiting: { pattern: RegExp; resolve: () => void } | undefined;
  const onData = (d: Buffer) => {
    received.push(d);
    if (waiting && waiting.pattern.test(Buffer.concat(received).toString('latin1'))) {
      waiting.resolve();
      waiting = undefined;
    }
  };
  const until = (pattern: RegExp) => new Promise<void>((resolve) => {
    waiting = { pattern, resolve };
    onData(Buffer.alloc(0));
  });
  plain.on('data', onData);
  plain.on('error', () => undefined);
  let closed = new Promise<void>((resolve) => plain.once('close', () => resolve()));
  const deadline = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), SESSION_TIMEOUT_MS).unref());
  const talk = async () => {
    await new Promise<void>((resolve) => plain.once('connect', () => resolve()));
    if (how.waitGreeting || how.tls) await until(/\r\n/);
    if (how.tls) {
      plain.write(prefix);
      await until(/\r\n220 2\.0\.0 [^\r]*\r\n$/);
      plain.off('data', onData);
      const secure = tlsConnect({ socket: plain, rejectUnauthorized: false, servername: 'mx.example.test' });
      secure.on('data', onData);
      secure.on('error', () => undefined);
      closed = new Promise<void>((resolve) => secure.once('close', () => resolve()));
      await new Promise<void>((resolve) => secure.once('secureConnect', () => resolve()));
      socket = secure;
    }
    if (!how.pieces) socket.write(batch);
    else {
      // odd-sized writes, each its own segment: CR apart from LF, a dot apart from its CRLF
      for (let at = 0; at < batch.length && !socket.destroyed; ) {
        const size = 1 + Math.floor(rnd() * (rnd() < 0.5 ? 8 : 3000));
        socket.write(batch.subarray(at, at + size));
        at += size;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    await closed;
  };
  const result = await Promise.race([talk(), deadline]);
  socket.destroy();
  plain.destroy();
  return { sent: Buffer.concat([prefix, batch]), received: Buffer.concat(received), hung: result === 'hung' };
}

test(`engine fuzz: ${TARGET_CASES}+ command lines, DATA and BDAT streams over loopback (seed ${SEED})`, { timeout: 180_000 }, async (t) => {
  t.diagnostic(`seed ${SEED} (SMTP_FUZZ_SEED=${SEED} replays it)`);
  const ports = { mta: lenient.endpoints[0]!.port, submission: lenient.endpoints[1]!.port, strict: strict.endpoints[0]!.port };
  (globalThis as { gc?: () => void }).gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = Date.now();
  const totals = { sessions: 0, generated: 0, cases: 0, accepted: 0, closedBy421: 0, tls: 0 };
  const problems: string[] = [];
  const nonAscii = new Set<string>();
  const seeds = seededRandom(SEED);
  const worker = async () => {
    while (totals.generated < TARGET_CASES && problems.length < 5) {
      const sessionSeed = Math.floor(seeds() * 2 ** 32);
      const rnd = seededRandom(sessionSeed);
      const batch = fuzzBatch(rnd, 200 + Math.floor(rnd() * 300), FUZZ);
      const kind = rnd();
      const target = kind < 0.1 ? 'strict' : kind < 0.2 ? 'submission' : 'mta';
      const how = { waitGreeting: rnd() < 0.9, pieces: rnd() < 0.3, tls: target === 'mta' && rnd() < 0.12 };
      const talk = await converse(ports[target], batch.bytes, how, rnd);
      const walked = walk(talk.sent, talk.received);
      const tag = `session seed ${sessionSeed} (${target}${how.tls ? ', TLS' : ''}${how.pieces ? ', in pieces' : ''})`;
      if (talk.hung) problems.push(`${tag}: no end within ${SESSION_TIMEOUT_MS} ms; walk: ${walked.problem ?? 'complete'}; last replies: ${JSON.stringify(talk.received.toString('latin1').slice(-300))}`);
      else if (walked.problem) problems.push(`${tag}: ${walked.problem}`);
      else if (walked.closedBy421 && target !== 'strict') problems.push(`${tag}: 421 from a server whose limits never end a session`);
      for (const line of walked.nonAscii) nonAscii.add(line);
      totals.sessions++;
      totals.generated += batch.cases;
      totals.cases += walked.cases;
      totals.accepted += walked.accepted;
      totals.closedBy421 += walked.closedBy421 ? 1 : 0;
      totals.tls += how.tls ? 1 : 0;
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  t.diagnostic(`${JSON.stringify(totals)} in ${Date.now() - started} ms`);
  if (nonAscii.size > 0) t.diagnostic(`reply lines echoing non-ASCII client bytes: ${nonAscii.size}, e.g. ${JSON.stringify([...nonAscii].slice(0, 3))}`);
  assert.deepEqual(problems, []);
  assert.deepEqual(crashes, []);
  assert.ok(totals.generated >= TARGET_CASES, `only ${totals.generated} cases sent`);

  // The engine still serves a plain client and stores its message.
  const c = await wireClient(ports.mta);
  assert.equal(await c.code(), '220');
  c.send('EHLO after.example\r\nMAIL FROM:<after@example.org>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n');
  await c.reply();
  assert.equal(await c.code(), '250 2.1.0');
  assert.equal(await c.code(), '250 2.1.5');
  assert.equal(await c.code(), '354');
  c.send(`Subject: after the fuzz\r\n\r\nmarker-${SEED}\r\n.\r\nQUIT\r\n`);
  const queued = await c.reply();
  const id = /^250 2\.0\.0 Ok: queued as (\w+)\r\n$/.exec(queued)?.[1];
  assert.ok(id, queued);
  assert.match(await text(spool.readBody(id)), new RegExp(`\r\nmarker-${SEED}\r\n$`));
  assert.equal(await c.code(), '221 2.0.0');
  c.close();

  // Heap: with --expose-gc a tight bound, otherwise one generous enough for garbage not yet collected.
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const growth = process.memoryUsage().heapUsed - heapBefore;
  t.diagnostic(`heap growth ${(growth / 2 ** 20).toFixed(1)} MiB${gc ? ' after gc' : ' (no --expose-gc)'}`);
  assert.ok(growth < (gc ? 16 : 96) * 2 ** 20, `heap grew by ${growth} bytes`);
});

test('the reply walk notices a missing, an extra, a reordered or a malformed reply', async () => {
  const batch = Buffer.from('EHLO a.example\r\nNOOP\r\nAUTH PLAIN\r\n*\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.test>\r\nDATA\r\nx\r\n.\r\nBDAT 3 LAST\r\nabcQUIT\r\n');
  const talk = await converse(lenient.endpoints[0]!.port, batch, { waitGreeting: true, pieces: false, tls: false }, seededRandom(1));
  const good = walk(talk.sent, talk.received);
  assert.equal(good.problem, undefined);
  assert.equal(good.cases, 10);
  const lines = talk.received.toString('latin1').split(/(?<=\r\n)/);
  const noop = lines.findIndex((l) => l.startsWith('250 2.0.0 Ok\r\n'));
  const variants = [
    lines.filter((_, i) => i !== noop),
    [...lines.slice(0, noop), lines[noop]!, ...lines.slice(noop)],
    [...lines.slice(0, noop), lines[noop + 1]!, lines[noop]!, ...lines.slice(noop + 2)],
    lines.map((l, i) => (i === noop ? '250 Ok\r\n' : l)),
    lines.map((l, i) => (i === noop ? '250 2.0.0 O\rk\r\n' : l)),
    lines.slice(0, -1),
  ];
  for (const variant of variants) assert.notEqual(walk(talk.sent, Buffer.from(variant.join(''), 'latin1')).problem, undefined, JSON.stringify(variant));
});
