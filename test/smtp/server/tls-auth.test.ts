import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, before, test } from 'node:test';
import { FileDirectory } from '../../../src/directory/file-backend.ts';
import { hashPassword } from '../../../src/directory/password-hash.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { networkMatcher } from '../../../src/policy/networks.ts';
import { relayCheck } from '../../../src/policy/relay.ts';
import { Spool } from '../../../src/queue/spool.ts';
import type { SmtpServerOptions } from '../../../src/smtp/server/options.ts';
import { startSmtpServer, type SmtpServer } from '../../../src/smtp/server/server.ts';
import { loadServerTls } from '../../../src/smtp/server/tls-contexts.ts';
import { scratchDir } from '../../helpers/scratch-dirs.ts';
import { testCa } from '../../helpers/test-ca.ts';
import { wireClient, wireClientTls, type WireClient } from '../../helpers/smtp-wire.ts';

const FAILURE_DELAY_MS = 300;
const ca = testCa();
let spool: Spool;
let server: SmtpServer;
let ports: { mta: number; submission: number; submissions: number };

const plain = (s: string) => Buffer.from(s).toString('base64');

before(async () => {
  const dir = await scratchDir();
  spool = await Spool.open({ dir: join(dir, 'queue'), minFreeBytes: 0, logger: silentLogger() });
  const users = join(dir, 'users.yaml');
  writeFileSync(users, `users:\n  alice@example.test: { password: "${await hashPassword('s3cret', { N: 1024, r: 8, p: 1 })}" }\n`);
  const other = ca.leaf('other', 'DNS:mail.other.test');
  const options: SmtpServerOptions = {
    hostname: 'mx.example.test',
    listeners: [
      { address: '127.0.0.1', port: 0, role: 'mta' },
      { address: '127.0.0.1', port: 0, role: 'submission' },
      { address: '127.0.0.1', port: 0, role: 'submissions' },
    ],
    limits: {
      maxMessageSize: 10_000, maxRecipients: 10, maxErrors: 20, commandTimeoutMs: 3000, dataTimeoutMs: 3000, sessionTimeoutMs: 60_000,
      maxConnections: 100, maxConnectionsPerClient: 100, maxLineLength: 2048,
    },
    bareLineEndings: 'normalize',
    // 127.0.0.1 is NOT trusted here: relaying needs AUTH
    isTrusted: networkMatcher(['192.0.2.0/24']),
    checks: [relayCheck({ domains: ['example.test'] })],
    tls: loadServerTls('test.yaml', [{ cert: ca.server.chainFile, key: ca.server.keyFile, names: [] }, { cert: other.chainFile, key: other.keyFile, names: [] }], 'TLSv1.2'),
    auth: { authenticator: new FileDirectory({ file: users, logger: silentLogger() }), allowPlaintext: false, onMta: false, failureDelayMs: FAILURE_DELAY_MS, maxFailures: 3 },
    sink: spool,
    logger: silentLogger(),
  };
  server = await startSmtpServer(options);
  const [mta, submission, submissions] = server.endpoints.map((e) => e.port) as [number, number, number];
  ports = { mta, submission, submissions };
});

after(async () => {
  await server.close(0);
  spool.close();
});

async function ehlo(c: WireClient): Promise<string> {
  c.send('EHLO client.example.org\r\n');
  return c.reply();
}

/** Connected, greeted, EHLO'd, then STARTTLS'd and EHLO'd again: returns the client and the second EHLO reply. */
async function tlsSession(port: number, servername = 'mx.example.test'): Promise<{ c: WireClient; keywords: string }> {
  const c = await wireClient(port);
  assert.equal(await c.code(), '220');
  await ehlo(c);
  c.send('STARTTLS\r\n');
  assert.equal(await c.code(), '220 2.0.0');
  await c.startTls({ ca: ca.ca, servername });
  return { c, keywords: await ehlo(c) };
}

async function sendMessage(c: WireClient, from: string, to: string, content: string): Promise<string> {
  c.send(`MAIL FROM:<${from}>\r\nRCPT TO:<${to}>\r\nDATA\r\n`);
  assert.equal(await c.code(), '250 2.1.0');
  assert.equal(await c.code(), '250 2.1.5');
  assert.equal(await c.code(), '354');
  c.send(`${content}.\r\n`);
  const queued = await c.reply();
  assert.match(queued, /^250 2\.0\.0 Ok: queued as \w+/);
  return text(spool.readBody(/queued as (\w+)/.exec(queued)![1]!));
}

test('EHLO: STARTTLS offered in the clear; after it REQUIRETLS and (on submission) AUTH, and no STARTTLS', async () => {
  const c = await wireClient(ports.submission);
  await c.reply();
  const before = await ehlo(c);
  assert.match(before, /^250[- ]STARTTLS\r$/m);
  assert.match(before, /^250[- ]CHUNKING\r$/m);
  assert.doesNotMatch(before, /REQUIRETLS|AUTH/);
  c.send('STARTTLS\r\n');
  await c.code();
  const secure = await c.startTls({ ca: ca.ca, servername: 'mx.example.test' });
  assert.ok(secure.authorized, 'the certificate verifies against the test CA');
  const afterTls = await ehlo(c);
  assert.match(afterTls, /^250[- ]REQUIRETLS\r$/m);
  assert.match(afterTls, /^250[- ]AUTH PLAIN LOGIN\r$/m);
  assert.doesNotMatch(afterTls, /STARTTLS/);
  c.send('STARTTLS\r\n');
  assert.equal(await c.code(), '503 5.5.1');
  c.close();

  const mta = await tlsSession(ports.mta);
  assert.doesNotMatch(mta.keywords, /AUTH/, 'no AUTH on port 25 unless smtp.auth.onMta');
  mta.c.send('AUTH PLAIN\r\n');
  assert.equal(await mta.c.code(), '502 5.5.1');
  mta.c.close();
});

test('STARTTLS injection (CVE-2011-0411 class): commands pipelined after STARTTLS in the clear are never run', async () => {
  const c = await wireClient(ports.mta);
  await c.reply();
  await ehlo(c);
  c.send('STARTTLS\r\nMAIL FROM:<injected@evil.example>\r\nRCPT TO:<bob@example.test>\r\n');
  assert.equal(await c.code(), '220 2.0.0');
  await c.startTls({ ca: ca.ca, servername: 'mx.example.test' });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(c.unread(), '', 'no reply to the injected commands, before or after the handshake');
  // The session started over: MAIL needs EHLO again, so no injected state survived.
  c.send('MAIL FROM:<a@example.org>\r\n');
  assert.equal(await c.code(), '503 5.5.1');
  await ehlo(c);
  c.send('RCPT TO:<bob@example.test>\r\n');
  assert.equal(await c.code(), '503 5.5.1', 'no MAIL transaction from before TLS');
  c.close();
});

test('plaintext submission: MAIL needs STARTTLS (530 5.7.0), AUTH is refused (538 5.7.11)', async () => {
  const c = await wireClient(ports.submission);
  await c.reply();
  await ehlo(c);
  c.send('MAIL FROM:<alice@example.test>\r\n');
  assert.match(await c.reply(), /^530 5\.7\.0 Must issue a STARTTLS command first/);
  c.send(`AUTH PLAIN ${plain('\0alice@example.test\0s3cret')}\r\n`);
  assert.equal(await c.code(), '538 5.7.11');
  c.close();
});

test('submission: MAIL before AUTH is 530; AUTH PLAIN, then relaying, ESMTPSA with TLS details, Date and Message-ID added', async () => {
  const { c } = await tlsSession(ports.submission);
  c.send('MAIL FROM:<alice@example.test>\r\n');
  assert.match(await c.reply(), /^530 5\.7\.0 Authentication required/);
  c.send(`AUTH PLAIN ${plain('\0alice@example.test\0s3cret')}\r\n`);
  assert.equal(await c.code(), '235 2.7.0');
  assert.doesNotMatch(await ehlo(c), /AUTH/, 'no second AUTH offered');
  c.send('AUTH PLAIN =\r\n');
  assert.equal(await c.code(), '503 5.5.1');
  const body = await sendMessage(c, 'alice@example.test', 'friend@elsewhere.example', 'Subject: hi\r\n\r\nsubmitted\r\n');
  assert.match(body, /^Received: from client\.example\.org \(\[127\.0\.0\.1\]\)\r\n\tby mx\.example\.test \(Postern\) with ESMTPSA id \w+\r\n\t\(using TLSv1\.3 with cipher TLS_\w+\)\r\n/);
  assert.match(body, /\r\nSubject: hi\r\nDate: \w{3}, \d+ \w{3} \d{4} [\d:]{8} \+0000\r\nMessage-ID: <[\w.]+@mx\.example\.test>\r\n\r\nsubmitted\r\n$/);
  const kept = await sendMessage(c, 'alice@example.test', 'friend@elsewhere.example', 'Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <own@client>\r\n\r\nbody\r\n');
  assert.equal(kept.match(/^Date:/gm)?.length, 1);
  assert.equal(kept.match(/^Message-ID:/gm)?.length, 1);
  assert.match(kept, /Message-ID: <own@client>/);
  const noBlankLine = await sendMessage(c, 'alice@example.test', 'friend@elsewhere.example', 'Subject: x\r\nthis line is body text\r\n');
  assert.match(noBlankLine, /\r\nSubject: x\r\nDate: [^\r]+\r\nMessage-ID: [^\r]+\r\n\r\nthis line is body text\r\n$/, 'the missing empty line is added before the body');
  c.close();
});

test('AUTH LOGIN, with and without an initial response; "*" aborts; bad base64 is 501', async () => {
  const { c } = await tlsSession(ports.submission);
  c.send('AUTH LOGIN\r\n');
  assert.equal(await c.reply(), '334 VXNlcm5hbWU6\r\n');
  c.send('*\r\n');
  assert.equal(await c.code(), '501 5.0.0');
  c.send('AUTH PLAIN not!base64\r\n');
  assert.equal(await c.code(), '501 5.5.2');
  c.send('AUTH CRAM-MD5\r\n');
  assert.equal(await c.code(), '504 5.5.4');
  c.send(`AUTH LOGIN ${plain('alice@example.test')}\r\n`);
  assert.equal(await c.reply(), '334 UGFzc3dvcmQ6\r\n');
  c.send(`${plain('s3cret')}\r\n`);
  assert.equal(await c.code(), '235 2.7.0');
  c.close();

  const again = await tlsSession(ports.submission);
  again.c.send('AUTH PLAIN\r\n');
  assert.equal(await again.c.reply(), '334 \r\n');
  again.c.send(`${plain('\0alice@example.test\0s3cret')}\r\n`);
  assert.equal(await again.c.code(), '235 2.7.0');
  again.c.close();
});

test('failed AUTH: a fixed delay before 535 5.7.8, someone else\'s authzid fails, the third failure closes the session', async () => {
  const { c } = await tlsSession(ports.submission);
  let started = Date.now();
  c.send(`AUTH PLAIN ${plain('\0alice@example.test\0wrong')}\r\n`);
  assert.equal(await c.code(), '535 5.7.8');
  assert.ok(Date.now() - started >= FAILURE_DELAY_MS - 20, 'wrong password waits');
  started = Date.now();
  c.send(`AUTH PLAIN ${plain('\0nobody@example.test\0s3cret')}\r\n`);
  assert.equal(await c.code(), '535 5.7.8');
  assert.ok(Date.now() - started >= FAILURE_DELAY_MS - 20, 'an unknown user waits the same');
  c.send(`AUTH PLAIN ${plain('bob@example.test\0alice@example.test\0s3cret')}\r\n`);
  assert.equal(await c.code(), '535 5.7.8', 'alice may not act as bob');
  assert.equal(await c.code(), '421 4.7.0');
  await c.closed;
});

test('submissions (implicit TLS, RFC 8314): greeting over TLS, AUTH, a message; SNI picks the matching certificate', async () => {
  const c = await wireClientTls(ports.submissions, { ca: ca.ca, servername: 'mx.example.test' });
  assert.match(await c.reply(), /^220 mx\.example\.test ESMTP/);
  const keywords = await ehlo(c);
  assert.match(keywords, /AUTH PLAIN LOGIN/);
  assert.doesNotMatch(keywords, /STARTTLS/);
  c.send(`AUTH PLAIN ${plain('\0alice@example.test\0s3cret')}\r\n`);
  assert.equal(await c.code(), '235 2.7.0');
  const body = await sendMessage(c, 'alice@example.test', 'bob@example.test', 'Subject: s\r\n\r\nx\r\n');
  assert.match(body, /with ESMTPSA/);
  c.close();

  const other = await wireClientTls(ports.submissions, { ca: ca.ca, servername: 'mail.other.test' });
  assert.match(await other.reply(), /^220 /);
  other.close();
  await assert.rejects(wireClientTls(ports.submissions, { ca: ca.ca, servername: 'unknown.test' }), /altnames|does not match|Hostname/i, 'no certificate for that name: the default one, which does not match');
});

test('relaying from an untrusted address without AUTH is still refused over TLS', async () => {
  const { c } = await tlsSession(ports.mta);
  c.send('MAIL FROM:<a@example.org>\r\nRCPT TO:<x@elsewhere.example>\r\n');
  assert.equal(await c.code(), '250 2.1.0');
  assert.equal(await c.code(), '550 5.7.1');
  c.close();
});

test('BDAT (RFC 3030): chunks make one message, CRLF only; refused chunks are skipped whole; DATA after BDAT is 503', async () => {
  const c = await wireClient(ports.mta);
  await c.reply();
  await ehlo(c);
  const first = 'Subject: chunked\r\n\r\nline one\nline two\r';
  const second = '\nthird line, no CRLF at the end';
  c.send(`MAIL FROM:<a@example.org> BODY=8BITMIME\r\nRCPT TO:<bob@example.test>\r\nBDAT ${first.length}\r\n${first}BDAT ${second.length} LAST\r\n${second}`);
  assert.equal(await c.code(), '250 2.1.0');
  assert.equal(await c.code(), '250 2.1.5');
  assert.match(await c.reply(), new RegExp(`^250 2\\.0\\.0 Ok: \\d+ octets received`));
  const queued = await c.reply();
  assert.match(queued, /^250 2\.0\.0 Ok: queued as \w+/);
  const body = await text(spool.readBody(/queued as (\w+)/.exec(queued)![1]!));
  assert.ok(body.endsWith('Subject: chunked\r\n\r\nline one\r\nline two\r\nthird line, no CRLF at the end\r\n'), JSON.stringify(body));

  // Refused BDAT: its bytes (which look like commands) are consumed, never run.
  const smuggled = 'RSET\r\nMAIL FROM:<evil@x>\r\n';
  c.send(`BDAT ${smuggled.length}\r\n${smuggled}NOOP\r\n`);
  assert.equal(await c.code(), '503 5.5.1');
  assert.equal(await c.code(), '250 2.0.0', 'the NOOP after the chunk, and nothing between');

  c.send('MAIL FROM:<a@example.org>\r\nRCPT TO:<bob@example.test>\r\nBDAT 3\r\nabcDATA\r\n');
  assert.equal(await c.code(), '250 2.1.0');
  assert.equal(await c.code(), '250 2.1.5');
  assert.equal(await c.code(), '250 2.0.0');
  assert.equal(await c.code(), '503 5.5.1');
  c.send('BDAT 0 LAST\r\n');
  assert.match(await c.reply(), /^250 2\.0\.0 Ok: queued as/);

  const big = 'x'.repeat(6000);
  c.send(`MAIL FROM:<a@example.org>\r\nRCPT TO:<bob@example.test>\r\nBDAT 6000\r\n${big}BDAT 6000 LAST\r\n${big}NOOP\r\n`);
  assert.equal(await c.code(), '250 2.1.0');
  assert.equal(await c.code(), '250 2.1.5');
  assert.equal(await c.code(), '250 2.0.0');
  assert.equal(await c.code(), '552 5.3.4');
  assert.equal(await c.code(), '250 2.0.0');

  c.send('BDAT twelve\r\n');
  assert.equal(await c.code(), '501 5.5.4');
  await c.closed;
});
