// DSNs as the sender's mail system sees them: each report is parsed by Python's email package
// (test/helpers/parse_dsn.py), and the structure and fields it finds are asserted.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildDsn, type DsnInput, type DsnRecipient } from '../../src/delivery/dsn.ts';

interface Parsed {
  headers: Record<string, string>;
  content_type: string;
  report_type: string;
  parts: string[];
  defects: string[];
  text: string;
  per_message: Record<string, string>;
  recipients: Record<string, string>[];
  original: { content_type: string; attached: boolean; headers: Record<string, string>; body: string | null };
}

// One Python process for the file, answering a JSON line per base64 line, in order.
const parser = spawn('python3', [fileURLToPath(new URL('../helpers/parse_dsn.py', import.meta.url))], { stdio: ['pipe', 'pipe', 'inherit'] });
const waiting: Array<{ resolve: (p: Parsed) => void; reject: (e: Error) => void }> = [];
createInterface({ input: parser.stdout }).on('line', (line) => waiting.shift()?.resolve(JSON.parse(line) as Parsed));
parser.on('exit', (code) => waiting.splice(0).forEach((w) => w.reject(new Error(`parse_dsn.py exited ${code}`))));
after(() => parser.stdin.end());

function parse(dsn: Buffer): Promise<Parsed> {
  return new Promise((resolve, reject) => {
    waiting.push({ resolve, reject });
    parser.stdin.write(`${dsn.toString('base64')}\n`);
  });
}

/** The human text with the wrapped recipient lines joined again. */
function unwrapped(text: string): string {
  return text.replace(/\r\n {4}/g, ' ');
}

/** What every report must be on the wire: CRLF only, no line over 998 octets (RFC 5322 §2.1.1, §2.3). */
function assertWireForm(dsn: Buffer): void {
  const text = dsn.toString('latin1');
  assert.doesNotMatch(text, /\r(?!\n)|(?<!\r)\n/, 'a bare CR or LF');
  assert.ok(text.endsWith('\r\n'));
  const longest = Math.max(...text.split('\r\n').map((l) => l.length));
  assert.ok(longest <= 998, `a line of ${longest} octets`);
}

async function report(input: Partial<DsnInput>): Promise<{ dsn: Buffer; parsed: Parsed }> {
  const dsn = await buildDsn({ ...BASE, original: Readable.from([ORIGINAL]), ...input });
  assertWireForm(dsn);
  const parsed = await parse(dsn);
  assert.deepEqual(parsed.defects, []);
  assert.equal(parsed.content_type, 'multipart/report');
  assert.equal(parsed.report_type, 'delivery-status');
  return { dsn, parsed };
}

const ORIGINAL = Buffer.from(
  [
    'Received: from client.example.org ([192.0.2.9])',
    '\tby mx.example.test (Postern) with ESMTP; Sat, 28 Nov 2026 10:00:00 +0000',
    'From: Alice <alice@example.org>',
    'To: <bob@example.net>',
    'Subject: quarterly figures',
    'Message-ID: <q3.figures@example.org>',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'The figures are attached in spirit.',
    '-- ',
    'Alice',
    '',
  ].join('\r\n'),
);

const BOB: DsnRecipient = {
  address: 'bob@example.net',
  orcpt: { type: 'rfc822', address: 'Robert@example.net' },
  status: '5.1.1',
  diagnostic: { code: 550, text: '5.1.1 <bob@example.net>: Recipient address rejected: User unknown' },
  remoteMta: 'mx.example.net',
  lastAttempt: new Date('2026-11-28T10:00:05Z'),
  reason: 'host mx.example.net[192.0.2.1] said: 550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown (in reply to RCPT TO command)',
};

const BASE: Omit<DsnInput, 'original'> = {
  kind: 'failure',
  reportingMta: 'mx.example.test',
  queueId: '4ZkQ7b0001',
  sender: 'alice@example.org',
  envid: 'QQ314159',
  arrivalDate: new Date('2026-11-28T10:00:00Z'),
  now: new Date('2026-11-28T14:30:00Z'),
  recipients: [BOB],
};

test('failure: the whole original returned, the fields per recipient, and text as Postfix words it', async () => {
  const carol: DsnRecipient = { address: 'carol@example.net', status: '4.4.1', reason: 'connect to mx.example.net[192.0.2.1]:25: Connection refused' };
  const { parsed } = await report({ recipients: [BOB, carol] });

  assert.deepEqual(parsed.parts, ['text/plain', 'message/delivery-status', 'message/rfc822']);
  const h = parsed.headers;
  assert.equal(h.from, 'MAILER-DAEMON@mx.example.test (Mail Delivery System)');
  assert.equal(h.to, '<alice@example.org>');
  assert.equal(h.subject, 'Undelivered Mail Returned to Sender');
  assert.equal(h['auto-submitted'], 'auto-replied');
  assert.equal(h['mime-version'], '1.0');
  assert.equal(h.date, 'Sat, 28 Nov 2026 14:30:00 +0000');
  assert.match(h['message-id'], /^<4ZkQ7b0001\.[0-9a-z]+\.[0-9a-f]{12}@mx\.example\.test>$/);
  assert.equal(h['in-reply-to'], '<q3.figures@example.org>');
  assert.equal(h.references, '<q3.figures@example.org>');
  assert.equal(h['content-transfer-encoding'], '7bit');

  assert.match(parsed.text, /^This is the mail system at host mx\.example\.test\.\r\n/);
  assert.match(parsed.text, /I'm sorry to have to inform you that your message could not\r\nbe delivered to one or more recipients\. It's attached below\./);
  assert.match(unwrapped(parsed.text), /<bob@example\.net> \(originally <Robert@example\.net>\): host mx\.example\.net\[192\.0\.2\.1\] said: 550 5\.1\.1/);
  assert.match(unwrapped(parsed.text), /<carol@example\.net>: connect to mx\.example\.net\[192\.0\.2\.1\]:25: Connection refused/);

  assert.deepEqual(parsed.per_message, {
    'reporting-mta': 'dns; mx.example.test',
    'x-postern-queue-id': '4ZkQ7b0001',
    'x-postern-sender': 'rfc822; alice@example.org',
    'original-envelope-id': 'QQ314159',
    'arrival-date': 'Sat, 28 Nov 2026 10:00:00 +0000',
  });
  assert.deepEqual(parsed.recipients, [
    {
      'original-recipient': 'rfc822; Robert@example.net',
      'final-recipient': 'rfc822; bob@example.net',
      action: 'failed',
      status: '5.1.1',
      'remote-mta': 'dns; mx.example.net',
      'diagnostic-code': 'smtp; 550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown',
      'last-attempt-date': 'Sat, 28 Nov 2026 10:00:05 +0000',
    },
    {
      // An expired message fails with its last temporary error, as Sendmail and Postfix report it.
      'final-recipient': 'rfc822; carol@example.net',
      action: 'failed',
      status: '4.4.1',
      'diagnostic-code': 'X-Postern; connect to mx.example.net[192.0.2.1]:25: Connection refused',
    },
  ]);

  assert.equal(parsed.original.content_type, 'message/rfc822');
  assert.equal(parsed.original.attached, true);
  assert.equal(parsed.original.headers.subject, 'quarterly figures');
  assert.equal(parsed.original.body, 'The figures are attached in spirit.\r\n-- \r\nAlice\r\n');
});

test('failure with RET=HDRS returns the header section only, and says so', async () => {
  const { dsn, parsed } = await report({ ret: 'hdrs' });
  assert.deepEqual(parsed.parts, ['text/plain', 'message/delivery-status', 'text/rfc822-headers']);
  assert.equal(parsed.original.attached, false);
  assert.equal(parsed.original.headers['message-id'], '<q3.figures@example.org>');
  assert.equal(parsed.original.headers['content-type'], 'text/plain; charset=us-ascii');
  assert.match(parsed.text, /Its headers are attached below\./);
  assert.ok(!dsn.includes('attached in spirit'));
  assert.match(dsn.toString(), /Content-Description: Undelivered Message Headers\r\n/);
});

test('delay: the warning, the retry deadline, Action delayed and Will-Retry-Until; headers only unless RET=FULL', async () => {
  const until = new Date('2026-12-03T10:00:00Z');
  const late: DsnRecipient = { address: 'bob@example.net', status: '4.4.1', remoteMta: 'mx.example.net', diagnostic: { code: 421, text: '4.4.1 try again later' }, lastAttempt: new Date('2026-11-28T14:20:00Z'), willRetryUntil: until };
  const { parsed } = await report({ kind: 'delay', recipients: [late] });
  assert.equal(parsed.headers.subject, 'Delayed Mail (still being retried)');
  assert.deepEqual(parsed.parts, ['text/plain', 'message/delivery-status', 'text/rfc822-headers']);
  assert.match(parsed.text, /#\r\n# THIS IS A WARNING ONLY\. YOU DO NOT NEED TO RESEND YOUR MESSAGE\. #\r\n#/);
  assert.match(parsed.text, /could not be delivered for more than 4 hour\(s\)\./);
  assert.match(parsed.text, /will retry until Thu, 3 Dec 2026 10:00:00 \+0000\./);
  assert.match(unwrapped(parsed.text), /<bob@example\.net>: host mx\.example\.net said: 421 4\.4\.1 try again later/);
  assert.deepEqual(parsed.recipients, [
    {
      'final-recipient': 'rfc822; bob@example.net',
      action: 'delayed',
      status: '4.4.1',
      'remote-mta': 'dns; mx.example.net',
      'diagnostic-code': 'smtp; 421 4.4.1 try again later',
      'last-attempt-date': 'Sat, 28 Nov 2026 14:20:00 +0000',
      'will-retry-until': 'Thu, 3 Dec 2026 10:00:00 +0000',
    },
  ]);

  const full = await report({ kind: 'delay', ret: 'full', recipients: [late] });
  assert.equal(full.parsed.original.content_type, 'message/rfc822');
  assert.equal(full.parsed.original.attached, true);
});

test('success and relayed: their subjects and actions, no retry date, the headers unless RET=FULL', async () => {
  const delivered: DsnRecipient = { address: 'bob@example.net', status: '2.0.0', remoteMta: 'mx.example.net', diagnostic: { code: 250, text: '2.0.0 Ok: queued as 4Zk9' }, willRetryUntil: new Date('2026-12-03T10:00:00Z') };
  const success = await report({ kind: 'success', recipients: [delivered] });
  assert.equal(success.parsed.headers.subject, 'Successful Mail Delivery Report');
  assert.match(success.parsed.text, /Your message was successfully delivered to the destination\(s\)/);
  assert.equal(success.parsed.original.content_type, 'text/rfc822-headers');
  assert.deepEqual(success.parsed.recipients, [
    { 'final-recipient': 'rfc822; bob@example.net', action: 'delivered', status: '2.0.0', 'remote-mta': 'dns; mx.example.net', 'diagnostic-code': 'smtp; 250 2.0.0 Ok: queued as 4Zk9' },
  ]);
  assert.match(success.dsn.toString(), /Content-Description: Message Headers\r\n/);

  const relayed = await report({ kind: 'relayed', ret: 'full', recipients: [{ ...delivered, willRetryUntil: undefined }] });
  assert.equal(relayed.parsed.headers.subject, 'Mail Delivery Status Report');
  assert.match(relayed.parsed.text, /do not send delivery notifications/);
  assert.equal(relayed.parsed.recipients[0]!.action, 'relayed');
  assert.equal(relayed.parsed.original.content_type, 'message/rfc822');
  assert.equal(relayed.parsed.original.attached, true);
});

test('a status that contradicts the kind of report is replaced by the generic one', async () => {
  const { parsed } = await report({ kind: 'success', recipients: [{ address: 'bob@example.net', status: '5.1.1' }, { address: 'carol@example.net', status: 'ok' }] });
  assert.deepEqual(parsed.recipients.map((r) => r.status), ['2.0.0', '2.0.0']);
});

test('an original over the size limit comes back as its headers, even with RET=FULL; 50,000 octets by default', async () => {
  const big = Buffer.concat([ORIGINAL, Buffer.alloc(60_000, 'y\r\n')]);
  const byDefault = await report({ ret: 'full', original: Readable.from([big]) });
  assert.equal(byDefault.parsed.original.content_type, 'text/rfc822-headers');
  assert.equal(byDefault.parsed.original.headers.subject, 'quarterly figures');
  assert.ok(byDefault.dsn.length < 10_000, `${byDefault.dsn.length} octets`);

  const small = await report({ ret: 'full', maxOriginalBytes: ORIGINAL.length - 1 });
  assert.equal(small.parsed.original.content_type, 'text/rfc822-headers');
  const fits = await report({ ret: 'full', maxOriginalBytes: ORIGINAL.length });
  assert.equal(fits.parsed.original.content_type, 'message/rfc822');
});

test('the original is read only as far as needed, and the stream is destroyed', async () => {
  let produced = 0;
  const endless = new Readable({
    read() {
      produced += 16_384;
      this.push(produced === 16_384 ? Buffer.concat([ORIGINAL, Buffer.alloc(16_384 - ORIGINAL.length, 'z')]) : Buffer.alloc(16_384, 'z'));
    },
  });
  const { parsed } = await report({ original: endless });
  assert.equal(parsed.original.content_type, 'text/rfc822-headers');
  assert.ok(produced < 1_000_000, `${produced} octets read`);
  assert.equal(endless.destroyed, true);
});

test('SMTPUTF8: message/global-delivery-status and message/global, utf-8 addresses, UTF-8 text sent 8bit', async () => {
  const original = Buffer.from('From: Jörg <jörg@bücher.example>\r\nTo: <müller@example.net>\r\nSubject: Grüße\r\nMessage-ID: <g1@bücher.example>\r\n\r\nHallo Müller!\r\n');
  const müller: DsnRecipient = {
    address: 'müller@example.net',
    orcpt: { type: 'utf-8', address: 'Müller@example.net' },
    status: '5.1.1',
    remoteMta: 'mx.example.net',
    diagnostic: { code: 550, text: '5.1.1 Empfänger unbekannt' },
  };
  const { parsed } = await report({ smtputf8: true, sender: 'jörg@bücher.example', recipients: [müller], original: Readable.from([original]) });
  assert.deepEqual(parsed.parts, ['text/plain', 'message/global-delivery-status', 'message/global']);
  assert.equal(parsed.headers.to, '<jörg@bücher.example>');
  assert.equal(parsed.headers['content-transfer-encoding'], '8bit');
  assert.match(unwrapped(parsed.text), /<müller@example\.net> \(originally <Müller@example\.net>\): host mx\.example\.net said: 550 5\.1\.1 Empfänger unbekannt/);
  assert.equal(parsed.per_message['x-postern-sender'], 'utf-8; jörg@bücher.example');
  assert.deepEqual(parsed.recipients, [
    {
      'original-recipient': 'utf-8; Müller@example.net',
      'final-recipient': 'utf-8; müller@example.net',
      action: 'failed',
      status: '5.1.1',
      'remote-mta': 'dns; mx.example.net',
      'diagnostic-code': 'smtp; 550 5.1.1 Empfänger unbekannt',
    },
  ]);
  assert.equal(parsed.original.attached, true);
  assert.equal(parsed.original.headers.subject, 'Grüße');
  assert.equal(parsed.original.body, 'Hallo Müller!\r\n');

  const headersOnly = await report({ smtputf8: true, ret: 'hdrs', sender: 'jörg@bücher.example', recipients: [müller], original: Readable.from([original]) });
  assert.equal(headersOnly.parsed.original.content_type, 'message/global-headers');
  assert.equal(headersOnly.parsed.original.headers.subject, 'Grüße');
});

test('without SMTPUTF8 the report stays ASCII: a UTF-8 ORCPT escaped as RFC 6533 says, non-ASCII peer text masked', async () => {
  const bob: DsnRecipient = { ...BOB, orcpt: { type: 'utf-8', address: 'rené+x@example.net' }, reason: undefined, diagnostic: { code: 550, text: '5.1.1 Empfänger unbekannt' } };
  const { dsn, parsed } = await report({ recipients: [bob] });
  assert.ok(/^[\x00-\x7f]*$/.test(dsn.toString('latin1')), 'only ASCII');
  assert.equal(parsed.headers['content-transfer-encoding'], '7bit');
  assert.equal(parsed.recipients[0]!['original-recipient'], 'utf-8; ren\\x{E9}\\x{2B}x@example.net');
  assert.equal(parsed.recipients[0]!['diagnostic-code'], 'smtp; 550 5.1.1 Empf?nger unbekannt');
  assert.match(parsed.text, /said: 550 5\.1\.1 Empf\?nger unbekannt/);
});

test('a hostile peer reply adds no field and no long line: line breaks, controls, bidi overrides, 5,000 octets', async () => {
  const evil = `5.1.1 no\r\nSubject: injected\r\n\r\n--=_postern_x\n\x00\x1b[31m\u202eevil ${'A'.repeat(2_000)} ${'word '.repeat(600)}`;
  const bob: DsnRecipient = { ...BOB, reason: undefined, diagnostic: { code: 550, text: evil }, remoteMta: 'mx.example.net\r\nX-Evil: 1' };
  const { dsn, parsed } = await report({ recipients: [bob], envid: 'id\r\nX-Evil: 2', queueId: 'Q\r\nX-Evil: 3' });
  assert.equal(parsed.recipients.length, 1);
  const fields = { ...parsed.headers, ...parsed.per_message, ...parsed.recipients[0] };
  assert.ok(!('x-evil' in fields) && parsed.headers.subject === 'Undelivered Mail Returned to Sender');
  const diagnostic = parsed.recipients[0]!['diagnostic-code']!;
  // The 2,000 A's are cut to fit a line; unfolding shows the cut as a space.
  assert.match(diagnostic, /^smtp; 550 5\.1\.1 no Subject: injected --=_postern_x \?\?\[31m\?evil (A+ )+(word ){599}word$/);
  assert.equal(diagnostic.replace(/[^A]/g, '').length, 2_000);
  assert.ok(!dsn.toString('latin1').includes('\u001b'));
  assert.equal(parsed.original.attached, true);
});

test('a stored original with bare LFs and an over-long line: CRLF only, headers only, long header lines folded', async () => {
  const long = `X-Long: ${'h'.repeat(1_500)}`;
  const original = Buffer.from(`Subject: bare\n${long}\r\nMessage-ID: <bare@example.org>\r\n\r\nshort line\n${'b'.repeat(1_200)}\r\n`);
  const { parsed } = await report({ ret: 'full', original: Readable.from([original]) });
  assert.equal(parsed.original.content_type, 'text/rfc822-headers');
  assert.equal(parsed.original.headers.subject, 'bare');
  assert.equal(parsed.original.headers['x-long']!.replace(/ /g, ''), 'h'.repeat(1_500));
  assert.equal(parsed.original.headers['message-id'], '<bare@example.org>');

  // Octets that are no UTF-8 are cut anywhere, but cut they are.
  const raw = Buffer.concat([Buffer.from('X-Raw: '), Buffer.alloc(2_000, 0x80), Buffer.from('\r\n\r\nbody\r\n')]);
  const rawReport = await report({ original: Readable.from([raw]) });
  assert.equal(rawReport.parsed.original.content_type, 'text/rfc822-headers');

  const lfOnly = await report({ original: Readable.from([Buffer.from('Subject: lf\nMessage-ID: <lf@example.org>\n\nbody\n')]) });
  assert.equal(lfOnly.parsed.original.content_type, 'message/rfc822');
  assert.equal(lfOnly.parsed.original.body, 'body\r\n');
  assert.equal(lfOnly.parsed.headers['in-reply-to'], '<lf@example.org>');
});

test('no DSN goes to the null sender, nor without recipients', async () => {
  await assert.rejects(buildDsn({ ...BASE, sender: '', original: Readable.from([ORIGINAL]) }), /null sender/);
  await assert.rejects(buildDsn({ ...BASE, recipients: [], original: Readable.from([ORIGINAL]) }), /recipient/);
});
