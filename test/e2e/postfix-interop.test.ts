// `postern start` between two real Postfix instances on loopback. Downstream, Postern's smtp
// routes point at a Postfix that delivers into Maildir with virtual(8) and refuses unknown users:
// one listener offers CHUNKING (Postern sends BDAT), the other does not (DATA, dot-stuffed).
// Upstream, a Postfix whose relayhost is Postern hands it mail from `sendmail -C`. What each side
// wrote to disk and logged is asserted; DSNs are read with Python's email package (parse_dsn.py).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, startPostern, tempDir, writeConfig, type RunningPostern } from '../helpers/postern-process.ts';
import { postfixIds, postfixUnavailable, startPostfix, type PostfixInstance } from '../helpers/postfix-instance.ts';
import { sendWithSmtplib } from '../helpers/smtp-send.ts';

const skip = postfixUnavailable();
const DOWNSTREAM = '127.0.0.61';
const UPSTREAM = '127.0.0.62';

let dir: { path: string; remove: () => void } | undefined;
const postfixes: PostfixInstance[] = [];
let downstream: PostfixInstance;
let upstream: PostfixInstance;
/** Postern's route per downstream domain: chunking.test to the listener with CHUNKING, data.test to the one without. */
const downstreamPorts: Record<string, number> = {};
let postern: RunningPostern | undefined;
let posternPort: number;

before(async () => {
  if (skip) return;
  dir = tempDir('postern-postfix-');
  chmodSync(dir.path, 0o755);
  posternPort = await freePort();
  downstreamPorts['chunking.test'] = await freePort(DOWNSTREAM);
  downstreamPorts['data.test'] = await freePort(DOWNSTREAM);
  const upstreamPort = await freePort(UPSTREAM);
  const closedPort = await freePort();
  const { uid, gid } = postfixIds();
  const vmail = join(dir.path, 'downstream', 'vmail');
  mkdirSync(vmail, { recursive: true });
  chownSync(vmail, uid, gid);
  // No client names looked up: nothing leaves the machine on either Postfix's account.
  // debug_peer_list makes smtpd log every command Postern sends.
  const starting = [
    startPostfix({
      home: join(dir.path, 'downstream'),
      address: DOWNSTREAM,
      port: downstreamPorts['chunking.test'],
      main: {
        myhostname: 'down-postfix.test',
        smtpd_peername_lookup: 'no',
        debug_peer_list: '127.0.0.1',
        virtual_mailbox_domains: 'chunking.test, data.test',
        virtual_mailbox_base: vmail,
        virtual_mailbox_maps: 'inline:{ bob@chunking.test=bob/, bob@data.test=bob/ }',
        virtual_uid_maps: `static:${uid}`,
        virtual_gid_maps: `static:${gid}`,
      },
      services: [`${DOWNSTREAM}:${downstreamPorts['data.test']} inet n - n - - smtpd -o smtpd_discard_ehlo_keywords=chunking`],
    }),
    startPostfix({
      home: join(dir.path, 'upstream'),
      address: UPSTREAM,
      port: upstreamPort,
      main: { myhostname: 'up-postfix.test', smtpd_peername_lookup: 'no', relayhost: `[127.0.0.1]:${posternPort}` },
      // sendmail -C hands mail to postdrop; pickup takes it from the maildrop folder.
      services: ['pickup unix n - n 60 1 pickup'],
    }),
  ];
  // Every instance that did start is stopped in after(), whichever failed.
  const outcomes = await Promise.allSettled(starting);
  for (const o of outcomes) if (o.status === 'fulfilled') postfixes.push(o.value);
  for (const o of outcomes) if (o.status === 'rejected') throw o.reason;
  [downstream, upstream] = postfixes as [PostfixInstance, PostfixInstance];
  const config = writeConfig(
    dir.path,
    `hostname: mx.example.test
dataDir: var
log: { format: json }
smtp: { listeners: [ { address: 127.0.0.1, port: ${posternPort} } ] }
domains: [ example.test ]
relay: { networks: [ 127.0.0.1/32 ] }
resolver: { servers: [ "127.0.0.1:${closedPort}" ], timeout: 200ms, attempts: 1 }   # nothing to ask: every route names an IP address
routes:
  example.test: { type: maildir, path: mail }
  chunking.test: { type: smtp, host: ${DOWNSTREAM}, port: ${downstreamPorts['chunking.test']} }
  data.test: { type: smtp, host: ${DOWNSTREAM}, port: ${downstreamPorts['data.test']} }
queue: { retry: { min: 1h } }   # a deferral would show as a timeout here, not as a quiet retry
`,
  );
  postern = await startPostern(config);
});

after(async () => {
  try {
    await postern?.stop();
  } finally {
    await Promise.all(postfixes.map((postfix) => postfix.stop()));
    dir?.remove();
  }
});

async function until<T>(probe: () => T | undefined, what: string, ms = 15_000): Promise<T> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    const value = probe();
    if (value !== undefined) return value;
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The new files in a Maildir that contain `match`, as bytes; undefined until there are `count`. */
function maildirFiles(folder: string, match: string, count = 1): Buffer[] | undefined {
  const newDir = join(folder, 'new');
  if (!existsSync(newDir)) return undefined;
  const found = readdirSync(newDir)
    .map((f) => readFileSync(join(newDir, f)))
    .filter((b) => b.includes(match));
  return found.length >= count ? found : undefined;
}

/** Header lines up to the first empty line, unfolded. */
function headerLines(message: Buffer): string[] {
  const head = message.toString('latin1').split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  return head.split(/\r?\n/);
}

/** virtual(8) stores Maildir files with Unix line ends. */
function unixLines(message: string): string {
  return message.replace(/\r\n/g, '\n');
}

/** The commands of the SMTP transaction that Postfix's smtpd answered with "queued as ID", from
 *  the instance's log (debug_peer_list): lines of the same smtpd process, back to its MAIL FROM. */
function transactionCommands(postfix: PostfixInstance, queueId: string): string[] {
  const lines = postfix.log().split('\n');
  const end = lines.findIndex((l) => l.includes(`queued as ${queueId}`) && /smtpd\[\d+\]: > /.test(l));
  assert.ok(end >= 0, `no "queued as ${queueId}" reply in ${postfix.home}/maillog`);
  const pid = /smtpd\[(\d+)\]/.exec(lines[end]!)![1]!;
  const commands: string[] = [];
  for (let i = end - 1; i >= 0 && !commands[0]?.startsWith('MAIL FROM:'); i--) {
    const command = new RegExp(`smtpd\\[${pid}\\]: < [^:]+: (.*)$`).exec(lines[i]!);
    if (command) commands.unshift(command[1]!);
  }
  return commands;
}

function withPostfixLog<T>(postfix: PostfixInstance, run: () => Promise<T>): Promise<T> {
  return run().catch((err: Error) => {
    err.message += `\n--- ${postfix.home}/maillog (end) ---\n${postfix.log().slice(-4000)}`;
    throw err;
  });
}

/** Sends one message from alice@example.test to bob at both downstream listeners and returns, per
 *  domain, the file virtual(8) wrote, Postfix's queue id and Postern's delivery log line. */
async function relayToBothListeners(body: string, subject: string, mailOptions: string[] = []) {
  const [r] = await sendWithSmtplib(posternPort, [{ from: 'alice@example.test', to: ['bob@chunking.test', 'bob@data.test'], body, mail_options: mailOptions }]);
  assert.equal(r!.code, 250, r!.reply);
  const posternId = /queued as (\w+)/.exec(r!.reply)![1]!;
  const files = await until(() => maildirFiles(join(downstream.home, 'vmail', 'bob'), subject, 2), `both copies of ${subject} in Postfix's Maildir`);
  return Promise.all(
    Object.entries(downstreamPorts).map(async ([domain, port]) => {
      const file = files.find((f) => headerLines(f).includes(`X-Original-To: bob@${domain}`));
      assert.ok(file, `a copy for bob@${domain}`);
      const received = headerLines(file).filter((h) => h.startsWith('Received: '));
      const postfixId = /with ESMTP id (\w+)/.exec(received[0] ?? '')?.[1];
      assert.ok(postfixId, received.join('\n'));
      const line = await postern!.waitForLog((l) => l.msg === 'delivery' && l.queueId === posternId && l.to === `bob@${domain}`);
      return { domain, port, file, received, postfixId, line };
    }),
  );
}

test('Postern → Postfix: smtp routes to both listeners (BDAT and DATA); delivered intact, dot lines too, with Postern\'s Received; logged as sent', { skip }, () =>
  withPostfixLog(downstream, async () => {
    // Complete headers, so that Postfix's cleanup adds none and the message must arrive as sent.
    const body = 'From: alice@example.test\r\nTo: bob@chunking.test, bob@data.test\r\nDate: Sun, 1 Nov 2026 10:00:00 +0000\r\nMessage-ID: <interop-1@example.test>\r\nSubject: interop-down\r\n\r\nHi Bob.\r\n.dot-leading line\r\n..two dots\r\n.\r\nend\r\n';
    for (const copy of await relayToBothListeners(body, 'interop-down')) {
      const text = copy.file.toString('utf8');
      assert.ok(text.endsWith(unixLines(body)), `message for ${copy.domain} intact:\n${text}`);
      const headers = headerLines(copy.file);
      assert.ok(headers.includes('Return-Path: <alice@example.test>'), headers.join('\n'));
      assert.ok(headers.includes(`Delivered-To: bob@${copy.domain}`), headers.join('\n'));
      assert.equal(copy.received.length, 2, copy.received.join('\n'));
      assert.match(copy.received[0]!, /^Received: from mx\.example\.test \(unknown \[127\.0\.0\.1\]\) by down-postfix\.test \(Postfix\) with ESMTP id \w+ for <bob@/);
      assert.match(copy.received[1]!, /^Received: from client\.example\.org \(\[127\.0\.0\.1\]\) by mx\.example\.test \(Postern\) with ESMTP id \w+; /, 'two recipients: no "for" clause');
      assert.equal(copy.line.status, 'sent', JSON.stringify(copy.line));
      assert.equal(copy.line.relay, `${DOWNSTREAM}[${DOWNSTREAM}]:${copy.port}`);
      // Postfix's 250 names the queue id its Received header carries: the very transaction.
      assert.match(String(copy.line.reply), new RegExp(`^250 2\\.0\\.0 Ok: .*queued as ${copy.postfixId}$`));
      const commands = transactionCommands(downstream, copy.postfixId);
      assert.match(commands.at(-1)!, copy.domain === 'chunking.test' ? /^BDAT \d+ LAST$/ : /^DATA$/, commands.join('\n'));
    }
    assert.deepEqual(downstream.queue(), [], 'Postfix delivered both: nothing left in its queue');
  }));

test('Postern → Postfix: an 8-bit body with BODY=8BITMIME arrives octet for octet over BDAT and DATA', { skip }, () =>
  withPostfixLog(downstream, async () => {
    const body = 'From: alice@example.test\r\nDate: Sun, 1 Nov 2026 10:00:00 +0000\r\nMessage-ID: <interop-2@example.test>\r\nSubject: interop-8bit\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Köln, 10 € — ½\r\n.Punkt am Zeilenanfang\r\n';
    const expected = Buffer.from(unixLines(body), 'utf8');
    for (const copy of await relayToBothListeners(body, 'interop-8bit', ['BODY=8BITMIME'])) {
      assert.ok(copy.file.subarray(copy.file.length - expected.length).equals(expected), `8-bit octets for ${copy.domain} not downgraded or altered:\n${copy.file.toString('utf8')}`);
      assert.match(transactionCommands(downstream, copy.postfixId)[0]!, /^MAIL FROM:<alice@example\.test> .*BODY=8BITMIME/);
    }
  }));

test('Postfix → Postern: sendmail -C into a Postfix whose relayhost is Postern; delivered to Postern\'s Maildir with both Received headers', { skip }, () =>
  withPostfixLog(upstream, async () => {
    // LF line ends, as a local program writes them; 8-bit, announced with -B 8BITMIME.
    const body = 'From: carol@up-postfix.test\nTo: dan@example.test\nSubject: interop-up\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nvia Postfix, schöne Grüße\n.dot line\n';
    const sent = spawnSync('sendmail', ['-C', upstream.config, '-B', '8BITMIME', '-f', 'carol@up-postfix.test', '-i', '--', 'dan@example.test'], { input: body, encoding: 'utf8', timeout: 15_000 });
    assert.equal(sent.status, 0, sent.stderr);
    const [file] = await until(() => maildirFiles(join(dir!.path, 'mail', 'dan'), 'interop-up'), 'the message in Postern\'s Maildir');
    const headers = headerLines(file!);
    const received = headers.filter((h) => h.startsWith('Received: '));
    assert.equal(received.length, 2, received.join('\n'));
    assert.match(received[0]!, /^Received: from up-postfix\.test \(\[127\.0\.0\.1\]\) by mx\.example\.test \(Postern\) with ESMTP id \w+ for <dan@example\.test>/);
    assert.match(received[1]!, /^Received: by up-postfix\.test \(Postfix, from userid 0\) id \w+;/);
    assert.ok(headers.includes('Return-Path: <carol@up-postfix.test>'), headers.join('\n'));
    assert.ok(headers.includes('Delivered-To: dan@example.test'), headers.join('\n'));
    // Postfix sent the lines with CRLF; Postern keeps them so in its Maildir.
    assert.ok(file!.toString('utf8').endsWith('\n\nvia Postfix, schöne Grüße\n.dot line\n'), file!.toString('utf8'));
    await until(() => (upstream.queue().length === 0 ? true : undefined), 'Postfix\'s queue to empty');
    assert.match(upstream.log(), /postfix\/smtp\[\d+\]: \w+: to=<dan@example\.test>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:\d+, .*status=sent \(250 2\.0\.0 Ok: queued as \w+\)/);
  }));

interface ParsedDsn {
  content_type: string;
  report_type: string;
  per_message: Record<string, string>;
  recipients: Array<Record<string, string>>;
  original: { content_type: string; attached: boolean; headers: Record<string, string>; body: string | null };
  defects: string[];
}

/** One python3 for all: its start-up costs more than the parsing. */
function parseDsns(messages: Buffer[]): ParsedDsn[] {
  const input = messages.map((m) => `${m.toString('base64')}\n`).join('');
  const parsed = spawnSync('python3', [join(import.meta.dirname, '../helpers/parse_dsn.py')], { input, encoding: 'utf8' });
  assert.equal(parsed.status, 0, parsed.stderr);
  return parsed.stdout.trim().split('\n').map((line) => JSON.parse(line) as ParsedDsn);
}

test('Postfix refuses a recipient (550 5.1.1): Postern\'s bounce parses as RFC 3464 with Postfix\'s reply, the original attached per RET; the other recipient is delivered', { skip }, () =>
  withPostfixLog(downstream, async () => {
    const results = await sendWithSmtplib(posternPort, [
      { from: 'dave@example.test', to: ['nobody@chunking.test', 'bob@chunking.test'], body: 'Subject: interop-bounce-full\r\n\r\nreturn me whole\r\n', mail_options: ['RET=FULL', 'ENVID=interop-1'] },
      { from: 'erin@example.test', to: ['nobody@data.test'], body: 'Subject: interop-bounce-hdrs\r\n\r\nkeep my body\r\n', mail_options: ['RET=HDRS'] },
    ]);
    assert.deepEqual(results.map((r) => r.code), [250, 250], JSON.stringify(results));

    const [fullFile] = await until(() => maildirFiles(join(dir!.path, 'mail', 'dave'), 'interop-bounce-full'), 'the DSN in dave\'s Maildir');
    const [hdrsFile] = await until(() => maildirFiles(join(dir!.path, 'mail', 'erin'), 'interop-bounce-hdrs'), 'the DSN in erin\'s Maildir');
    const [full, hdrs] = parseDsns([fullFile!, hdrsFile!]) as [ParsedDsn, ParsedDsn];
    for (const [dsn, domain] of [[full, 'chunking.test'], [hdrs, 'data.test']] as const) {
      assert.equal(dsn.content_type, 'multipart/report');
      assert.equal(dsn.report_type, 'delivery-status');
      assert.deepEqual(dsn.defects, []);
      assert.match(dsn.per_message['reporting-mta']!, /^dns; ?mx\.example\.test$/);
      assert.equal(dsn.recipients.length, 1, 'only the refused recipient is reported');
      const [rcpt] = dsn.recipients;
      assert.equal(rcpt!.action, 'failed');
      assert.equal(rcpt!.status, '5.1.1');
      assert.equal(rcpt!['final-recipient'], `rfc822; nobody@${domain}`);
      assert.equal(rcpt!['remote-mta'], `dns; ${DOWNSTREAM}`);
      assert.equal(rcpt!['diagnostic-code'], `smtp; 550 5.1.1 <nobody@${domain}>: Recipient address rejected: User unknown in virtual mailbox table`);
    }
    assert.equal(full.per_message['original-envelope-id'], 'interop-1');
    assert.equal(full.original.content_type, 'message/rfc822');
    assert.equal(full.original.attached, true);
    assert.match(full.original.body ?? '', /return me whole/);
    assert.equal(hdrs.original.content_type, 'text/rfc822-headers');
    assert.equal(hdrs.original.attached, false);
    assert.equal(hdrs.original.headers.subject, 'interop-bounce-hdrs');
    await until(() => maildirFiles(join(downstream.home, 'vmail', 'bob'), 'interop-bounce-full'), 'the accepted recipient\'s copy in Postfix\'s Maildir');
    assert.deepEqual(downstream.queue(), [], 'the refused recipient was never queued in Postfix');
  }));
