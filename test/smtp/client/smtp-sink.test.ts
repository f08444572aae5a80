// The client against Postfix's smtp-sink with extensions switched off: HELO when EHLO is
// refused, no pipelining, quoted-printable when 8BITMIME is missing, "relayed" without DSN.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { connectSmtp } from '../../../src/smtp/client/connect.ts';
import { replyOf } from './reply-of.ts';
import type { OutboundMessage, SmtpConnection } from '../../../src/smtp/client/types.ts';
import { startSink, type Sink } from './smtp-sink.ts';

function message(content: string, recipients: OutboundMessage['recipients'], extra: Partial<OutboundMessage> = {}): OutboundMessage {
  const bytes = Buffer.from(content, 'utf8');
  return { sender: 'alice@example.org', recipients, body: '8bitmime', smtputf8: false, size: bytes.length, open: () => Readable.from([bytes]), ...extra };
}

async function withSink(flags: string[], run: (conn: SmtpConnection, sink: Sink) => Promise<void>): Promise<void> {
  const sink = await startSink(flags);
  try {
    const conn = await connectSmtp({ host: 'sink.example.net', address: '127.0.0.1', port: sink.port, protocol: 'smtp', heloName: 'relay.example.org', tls: 'opportunistic' });
    await run(conn, sink);
    await conn.quit();
  } finally {
    sink.stop();
  }
}

/** The dumped message: smtp-sink's own X- and Received lines split off, dot-stuffing already undone by it. */
async function dumped(sink: Sink, n = 1): Promise<{ meta: string; content: string }[]> {
  for (let i = 0; i < 50 && sink.messages().length < n; i++) await sleep(20);
  return sink.messages().map((m) => {
    const at = m.indexOf('\n\t', m.indexOf('\nReceived: ')) ;
    const end = m.indexOf('\n', m.indexOf('\n\t', at + 2) + 2) + 1;
    return { meta: m.slice(0, end), content: m.slice(end) };
  });
}

test('DATA with dot-stuffing: dot lines survive; PIPELINING and DSN passed on', async () => {
  await withSink([], async (conn, sink) => {
    assert.equal(conn.extensions.chunking, false);
    assert.equal(conn.extensions.pipelining, true);
    const content = 'Subject: dots\r\n\r\n.\r\n..\r\n.x\r\nmid . dle\r\n.\r\n';
    const outcomes = await conn.send(message(content, [{ address: 'bob@example.net', notify: ['success', 'delay'], orcpt: { type: 'rfc822', address: 'bob+=@example.net' } }], { ret: 'full', envid: 'q1 x' }));
    assert.equal(outcomes[0]!.status, 'sent');
    assert.equal(outcomes[0]!.status === 'sent' && outcomes[0]!.relayed, false);
    const [m] = await dumped(sink);
    assert.equal(m!.content, `${content.replace(/\r\n/g, '\n')}\n`);
    assert.match(m!.meta, /^X-Mail-Args: <alice@example\.org> BODY=8BITMIME RET=FULL ENVID=q1\+20x$/m);
    assert.match(m!.meta, /^X-Rcpt-Args: <bob@example\.net> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;bob\+2B\+3D@example\.net$/m);
  });
});

test('EHLO refused (no ESMTP): HELO, and then no extensions at all', async () => {
  await withSink(['-e', '-f', 'EHLO'], async (conn, sink) => {
    assert.deepEqual(conn.extensions, { pipelining: false, eightBitMime: false, smtputf8: false, dsn: false, chunking: false, startTls: false, requireTls: false });
    const outcomes = await conn.send(message('Subject: helo\r\n\r\nplain ascii\r\n', [{ address: 'bob@example.net', notify: ['success'] }], { body: '7bit' }));
    assert.equal(outcomes[0]!.status, 'sent');
    // RFC 3461 §5.2.2: SUCCESS could not be passed on, so the caller reports "relayed".
    assert.equal(outcomes[0]!.status === 'sent' && outcomes[0]!.relayed, true);
    const [m] = await dumped(sink);
    assert.match(m!.meta, /^X-Client-Proto: SMTP$/m);
    assert.match(m!.meta, /^X-Mail-Args: <alice@example\.org>$/m);
  });
});

test('no PIPELINING: one command at a time; all recipients refused, then RSET and the next message', async () => {
  await withSink(['-f', 'RCPT'], async (conn) => {
    assert.equal(conn.extensions.pipelining, false);
    const refused = await conn.send(message('Subject: a\r\n\r\nx\r\n', [{ address: 'a@example.net' }, { address: 'b@example.net' }]));
    assert.deepEqual(refused.map((o) => [o.status, replyOf(o).enhanced]), [['bounced', '5.3.0'], ['bounced', '5.3.0']]);
    assert.ok(conn.usable);
    // The transaction was left open after MAIL: the next one starts with RSET, which must work for this to be a refusal again.
    const again = await conn.send(message('Subject: b\r\n\r\nx\r\n', [{ address: 'c@example.net' }]));
    assert.deepEqual(again.map((o) => [o.status, replyOf(o).inReplyTo]), [['bounced', 'RCPT TO']]);
  });
  await withSink(['-p'], async (conn, sink) => {
    assert.equal(conn.extensions.pipelining, false);
    for (const subject of ['one', 'two']) {
      const o = await conn.send(message(`Subject: ${subject}\r\n\r\nx\r\n`, [{ address: 'a@example.net' }, { address: 'b@example.net' }]));
      assert.deepEqual(o.map((x) => x.status), ['sent', 'sent']);
    }
    assert.equal((await dumped(sink, 2)).length, 2);
  });
});

test('no DSN: NOTIFY/ORCPT/RET/ENVID left out, relayed for NOTIFY=SUCCESS only', async () => {
  await withSink(['-N'], async (conn, sink) => {
    const outcomes = await conn.send(
      message('Subject: nodsn\r\n\r\nx\r\n', [
        { address: 'a@example.net', notify: ['success', 'failure'], orcpt: { type: 'rfc822', address: 'a@example.net' } },
        { address: 'b@example.net', notify: ['failure'] },
        { address: 'c@example.net', notify: 'never' },
        { address: 'd@example.net' },
      ], { ret: 'hdrs', envid: 'e1' }),
    );
    assert.deepEqual(outcomes.map((o) => o.status === 'sent' && o.relayed), [true, false, false, false]);
    const [m] = await dumped(sink);
    assert.match(m!.meta, /^X-Mail-Args: <alice@example\.org> BODY=8BITMIME$/m);
    assert.match(m!.meta, /^X-Rcpt-Args: <a@example\.net>$/m);
  });
});

test('no 8BITMIME: 8-bit parts become quoted-printable; 8-bit headers and non-ASCII addresses are refused', async () => {
  await withSink(['-8'], async (conn, sink) => {
    assert.equal(conn.extensions.eightBitMime, false);
    const mime = [
      'MIME-Version: 1.0', 'Subject: parts', 'Content-Type: multipart/mixed; boundary="b1"', 'Content-Transfer-Encoding: 8bit', '',
      'preamble', '--b1', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '',
      'Gr\u00fc\u00dfe = 1 ', '--b1', 'Content-Type: application/octet-stream', 'Content-Transfer-Encoding: base64', '', 'AAEC', '--b1--', '',
    ].join('\r\n');
    const converted = await conn.send(message(mime, [{ address: 'a@example.net' }]));
    assert.equal(converted[0]!.status, 'sent');
    const [m] = await dumped(sink);
    assert.equal(m!.content, [
      'MIME-Version: 1.0', 'Subject: parts', 'Content-Type: multipart/mixed; boundary="b1"', 'Content-Transfer-Encoding: 7bit', '',
      'preamble', '--b1', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '',
      'Gr=C3=BC=C3=9Fe =3D 1=20', '--b1', 'Content-Type: application/octet-stream', 'Content-Transfer-Encoding: base64', '', 'AAEC', '--b1--', '', '',
    ].join('\n'));
    assert.doesNotMatch(m!.meta, /BODY=/);

    const header = await conn.send(message('Subject: Gr\u00fc\u00dfe\r\n\r\nx\r\n', [{ address: 'a@example.net' }]));
    assert.equal(header[0]!.status, 'bounced');
    assert.equal(replyOf(header[0]!).enhanced, '5.6.3');
    assert.match(header[0]!.reply.text, /8-bit data in a message header/);

    const utf8 = await conn.send(message('Subject: x\r\n\r\nx\r\n', [{ address: 'j\u00f6rg@example.net' }, { address: 'b@example.net' }], { smtputf8: true }));
    assert.deepEqual(utf8.map((o) => [o.status, replyOf(o).enhanced]), [['bounced', '5.6.7'], ['sent', '2.0.0']]);
    assert.match(utf8[0]!.reply.text, /SMTPUTF8 is required, but was not offered by host sink\.example\.net\[127\.0\.0\.1\]/);
    assert.equal((await dumped(sink, 2)).length, 2, 'the refused message was not sent');
  });
});
