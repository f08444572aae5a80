// The client against a scripted peer: per-recipient 4xx/5xx mixes, pipelining or not, 421 in
// the middle, refusing greetings, silence (short timeouts), garbage, LMTP's reply per recipient.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { connectSmtp } from '../../../src/smtp/client/connect.ts';
import type { ConnectOptions, OutboundMessage, PeerReply } from '../../../src/smtp/client/types.ts';
import { scratchDir } from '../../helpers/scratch-dirs.ts';
import { replyOf } from './reply-of.ts';
import { scriptedPeer, type PeerSession } from './scripted-peer.ts';

const CONTENT = Buffer.from('Subject: scripted\r\n\r\nhello\r\n');

function message(recipients: string[], extra: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    sender: 'alice@example.org', recipients: recipients.map((address) => ({ address, notify: ['success'] as Array<'success'> })),
    body: '7bit', smtputf8: false, size: CONTENT.length, open: () => Readable.from([CONTENT]), ...extra,
  };
}

const options = (port: number, extra: Partial<ConnectOptions> = {}): ConnectOptions => ({
  host: 'peer.example', address: '127.0.0.1', port, protocol: 'smtp', heloName: 'relay.example.org', tls: 'opportunistic',
  timeouts: { connectMs: 2000, greetingMs: 2000, commandMs: 2000, dataMs: 2000 }, ...extra,
});

/** Greeting and EHLO with the given keywords. */
async function greet(s: PeerSession, keywords: string[]): Promise<void> {
  s.send('220 peer.example ESMTP\r\n');
  assert.match(await s.line(), /^EHLO relay\.example\.org$/);
  s.send(['peer.example', ...keywords].map((k, i, all) => `250${i === all.length - 1 ? ' ' : '-'}${k}\r\n`).join(''));
}

async function expectLine(s: PeerSession, pattern: RegExp): Promise<string> {
  const line = await s.line();
  assert.match(line, pattern);
  return line;
}

test('pipelined: MAIL, all RCPTs and DATA in one write; sent, deferred and bounced recipients keep their replies', async () => {
  const peer = await scriptedPeer(async (s) => {
    await greet(s, ['PIPELINING', 'ENHANCEDSTATUSCODES', 'SIZE 1000']);
    await expectLine(s, /^MAIL FROM:<alice@example\.org> SIZE=\d+$/);
    assert.ok(s.ahead(), 'the RCPTs came with MAIL');
    // The recipient with CR LF in it never reaches the wire.
    for (const to of ['a', 'b', 'c']) await expectLine(s, new RegExp(`^RCPT TO:<${to}@example\\.net>$`));
    await expectLine(s, /^DATA$/);
    s.send('250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n450-4.2.2 mailbox full\r\n450 4.2.2 try again later\r\n550 5.1.1 <c@example.net>: no such user\r\n354 go ahead\r\n');
    assert.equal(await s.data(), CONTENT.toString());
    s.send('250 2.0.0 Ok: queued as 4711\r\n');
    await expectLine(s, /^QUIT$/);
    s.send('221 2.0.0 Bye\r\n');
  });
  const conn = await connectSmtp(options(peer.port));
  const outcomes = await conn.send(message(['a@example.net', 'b@example.net', 'x@example.net>\r\nRSET', 'c@example.net']));
  assert.deepEqual(outcomes, [
    { status: 'sent', relayed: true, reply: { code: 250, enhanced: '2.0.0', text: 'Ok: queued as 4711', inReplyTo: 'end of DATA' } },
    { status: 'deferred', reply: { code: 450, enhanced: '4.2.2', text: 'mailbox full\ntry again later', inReplyTo: 'RCPT TO' } },
    { status: 'bounced', reply: { enhanced: '5.1.3', text: 'bad recipient address syntax' } },
    { status: 'bounced', reply: { code: 550, enhanced: '5.1.1', text: '<c@example.net>: no such user', inReplyTo: 'RCPT TO' } },
  ]);
  await conn.quit();
  await Promise.all(peer.sessions);
  await peer.close();
});

test('without PIPELINING every command waits for its reply; a refused DATA leaves the transaction for RSET', async () => {
  const peer = await scriptedPeer(async (s) => {
    await greet(s, ['8BITMIME']);
    const step = async (pattern: RegExp, reply: string) => {
      await expectLine(s, pattern);
      await sleep(30);
      assert.equal(s.ahead(), false, `nothing sent after ${pattern} before its reply`);
      s.send(reply);
    };
    await step(/^MAIL FROM:<alice@example\.org>$/, '250 ok\r\n');
    await step(/^RCPT TO:<a@example\.net>$/, '250 ok\r\n');
    await step(/^RCPT TO:<b@example\.net>$/, '250 ok\r\n');
    await step(/^DATA$/, '554 5.3.2 not now, not ever\r\n');
    await step(/^RSET$/, '250 ok\r\n');
    await step(/^MAIL FROM:<alice@example\.org>$/, '250 ok\r\n');
    await step(/^RCPT TO:<c@example\.net>$/, '250 ok\r\n');
    await step(/^DATA$/, '354 go\r\n');
    await s.data();
    s.send('250 ok\r\n');
  });
  const conn = await connectSmtp(options(peer.port));
  const first = await conn.send(message(['a@example.net', 'b@example.net']));
  assert.deepEqual(first.map((o) => [o.status, replyOf(o).code, replyOf(o).inReplyTo]), [['bounced', 554, 'DATA'], ['bounced', 554, 'DATA']]);
  const second = await conn.send(message(['c@example.net']));
  // No ENHANCEDSTATUSCODES and no x.y.z in the text: no enhanced code. Relayed: the peer has no DSN.
  assert.deepEqual(second, [{ status: 'sent', relayed: true, reply: { code: 250, text: 'ok', inReplyTo: 'end of DATA' } }]);
  await Promise.all(peer.sessions);
  await conn.quit();
  await peer.close();
});

test('421 in the middle: every recipient without a final reply is deferred with it, and the connection is done', async () => {
  const peer = await scriptedPeer(async (s) => {
    await greet(s, ['PIPELINING']);
    for (let i = 0; i < 4; i++) await s.line();
    s.send('250 ok\r\n250 ok\r\n550 5.1.1 unknown\r\n421 4.3.2 shutting down\r\n');
    s.close();
  });
  const conn = await connectSmtp(options(peer.port));
  const outcomes = await conn.send(message(['a@example.net', 'b@example.net', 'c@example.net']));
  assert.deepEqual(outcomes.map((o) => [o.status, replyOf(o).code]), [['deferred', 421], ['bounced', 550], ['deferred', 421]]);
  assert.equal(replyOf(outcomes[0]!).text, 'shutting down');
  assert.equal(conn.usable, false);
  const after = await conn.send(message(['d@example.net']));
  assert.equal(after[0]!.status, 'deferred');
  assert.equal(replyOf(after[0]!).code, undefined, 'no reply: the caller may try a new connection');
  await peer.close();
});

test('a greeting of 554 or 421 refuses the connection with the reply attached', async () => {
  for (const greeting of ['554 5.7.1 go away\r\n', '421-4.7.0 too busy\r\n421 4.7.0 come back later\r\n']) {
    const peer = await scriptedPeer(async (s) => s.send(greeting));
    await assert.rejects(connectSmtp(options(peer.port)), (err: Error & { reply?: PeerReply }) => {
      assert.match(err.message, /^host peer\.example\[127\.0\.0\.1\] refused to talk to me: (554 5\.7\.1 go away|421 4\.7\.0 too busy come back later)$/);
      assert.equal(err.reply!.code, Number(greeting.slice(0, 3)));
      return true;
    });
    await peer.close();
  }
});

test('connect refused and timeouts are reported in Postfix\'s words', async () => {
  const closed = await scriptedPeer(async () => undefined);
  const port = closed.port;
  await closed.close();
  await assert.rejects(connectSmtp(options(port)), { message: `connect to peer.example[127.0.0.1]:${port}: Connection refused` });

  const silent = await scriptedPeer(async () => undefined);
  await assert.rejects(connectSmtp(options(silent.port, { timeouts: { greetingMs: 150 } })), {
    message: 'conversation with peer.example[127.0.0.1] timed out while receiving the initial server greeting',
  });
  await silent.close();

  const slowEnd = await scriptedPeer(async (s) => {
    await greet(s, ['PIPELINING']);
    for (let i = 0; i < 3; i++) await s.line();
    s.send('250 ok\r\n250 ok\r\n354 go\r\n');
    await s.data();
    // ...and no reply to the end of data.
  });
  const conn = await connectSmtp(options(slowEnd.port, { timeouts: { dataMs: 200 } }));
  const outcomes = await conn.send(message(['a@example.net']));
  assert.deepEqual(outcomes, [{ status: 'deferred', reply: { text: 'conversation with peer.example[127.0.0.1] timed out while sending end of data -- message may be sent more than once' } }]);
  assert.equal(conn.usable, false);
  await slowEnd.close();
});

test('garbage or an endless line instead of a reply: deferred, the connection dropped, no crash', async () => {
  for (const [garbage, why] of [['HTTP/1.1 400 Bad Request\r\n', /malformed reply line "HTTP\/1\.1 400 Bad Request"/], ['250-' + 'x'.repeat(5000), /longer than 4096 bytes/], ['250 \x00\xff\r\n250-ok\r\n', /ok/]] as const) {
    const peer = await scriptedPeer(async (s) => {
      await greet(s, []);
      await s.line();
      s.send(garbage);
    });
    const conn = await connectSmtp(options(peer.port, { timeouts: { commandMs: 300 } }));
    const [outcome] = await conn.send(message(['a@example.net']));
    assert.equal(outcome!.status, 'deferred');
    if (garbage.startsWith('250 \x00')) {
      // A well-formed 250 with odd bytes is a reply; what follows it, unasked and unfinished, runs into the timeout.
      assert.match(outcome!.reply.text, /timed out while sending RCPT TO/);
    } else {
      assert.match(outcome!.reply.text, new RegExp(`^malformed reply from peer\\.example\\[127\\.0\\.0\\.1\\] while sending MAIL FROM: .*${why.source}`));
      assert.equal(conn.usable, false);
    }
    await conn.quit();
    await peer.close();
  }
});

test('LMTP over a unix socket: LHLO, then one reply per accepted recipient after the data', async () => {
  const path = join(await scratchDir(), 'lmtp.sock');
  const peer = await scriptedPeer(async (s) => {
    s.send('220 mailstore LMTP\r\n');
    await expectLine(s, /^LHLO relay\.example\.org$/);
    s.send('250-mailstore\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n');
    for (let i = 0; i < 5; i++) await s.line();
    s.send('250 2.1.0 ok\r\n250 2.1.5 ok\r\n550 5.1.1 no such mailbox\r\n250 2.1.5 ok\r\n354 go\r\n');
    await s.data();
    s.send('250 2.0.0 <a@example.net> delivered\r\n452 4.2.2 <c@example.net> over quota\r\n');
    await expectLine(s, /^QUIT$/);
    s.send('221 bye\r\n');
  }, path);
  const conn = await connectSmtp({ ...options(0), protocol: 'lmtp', host: path, address: path, tls: 'none' });
  const outcomes = await conn.send(message(['a@example.net', 'b@example.net', 'c@example.net']));
  assert.deepEqual(outcomes.map((o) => [o.status, replyOf(o).code, replyOf(o).text]), [
    ['sent', 250, '<a@example.net> delivered'],
    ['bounced', 550, 'no such mailbox'],
    ['deferred', 452, '<c@example.net> over quota'],
  ]);
  assert.equal(outcomes[0]!.status === 'sent' && outcomes[0]!.relayed, false, 'LMTP delivers: nothing is relayed');
  await conn.quit();
  await Promise.all(peer.sessions);
  await peer.close();
});

test('a failed TLS handshake: a new connection in plaintext', async () => {
  const peer = await scriptedPeer(async (s, index) => {
    await greet(s, ['STARTTLS', 'PIPELINING']);
    if (index === 0) {
      await expectLine(s, /^STARTTLS$/);
      s.send('220 2.0.0 go ahead\r\n');
      await sleep(10);
      s.send('this is not a TLS server hello\r\n');
      s.close();
      return;
    }
    await expectLine(s, /^QUIT$/);
    s.send('221 bye\r\n');
  });
  const conn = await connectSmtp(options(peer.port));
  assert.equal(conn.tls, undefined);
  assert.equal(conn.extensions.startTls, true);
  await conn.quit();
  await Promise.all(peer.sessions);
  assert.equal(peer.sessions.length, 2);
  await peer.close();
});

test('a 421 sent to an idle connection makes it unusable before the next message', async () => {
  const peer = await scriptedPeer(async (s) => {
    await greet(s, ['PIPELINING']);
    s.send('421 4.4.2 idle too long\r\n');
    s.close();
  });
  const conn = await connectSmtp(options(peer.port));
  await sleep(50);
  const [outcome] = await conn.send(message(['a@example.net']));
  assert.deepEqual(outcome, { status: 'deferred', reply: { text: 'connection with peer.example[127.0.0.1] is closed' } });
  assert.equal(conn.usable, false);
  await peer.close();
});

test('the stored message cannot be read midway: no "." is sent, the connection is dropped, the recipient deferred', async () => {
  const peer = await scriptedPeer(async (s) => {
    // With 8BITMIME, so that the message is first read while it is sent (not before, for a downgrade).
    await greet(s, ['PIPELINING', '8BITMIME']);
    for (let i = 0; i < 3; i++) await s.line();
    s.send('250 ok\r\n250 ok\r\n354 go\r\n');
    await assert.rejects(s.data(), /client closed/);
  });
  const conn = await connectSmtp(options(peer.port));
  const failing = () =>
    new Readable({
      read() {
        this.push(Buffer.from('Subject: half\r\n\r\n'));
        this.destroy(new Error('disk on fire'));
      },
    });
  const [outcome] = await conn.send({ ...message(['a@example.net']), open: failing });
  assert.deepEqual(outcome, { status: 'deferred', reply: { text: 'cannot read the queued message: disk on fire' } });
  assert.equal(conn.usable, false);
  await Promise.all(peer.sessions);
  await peer.close();
});
