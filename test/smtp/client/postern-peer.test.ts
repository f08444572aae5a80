// The client against Postern's own SMTP server with a real spool: what arrives is what was
// stored (apart from the Received header the server adds), over BDAT (the server offers
// CHUNKING) and over STARTTLS.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../../src/log/logger.ts';
import { networkMatcher } from '../../../src/policy/networks.ts';
import { relayCheck } from '../../../src/policy/relay.ts';
import { Spool } from '../../../src/queue/spool.ts';
import { connectSmtp } from '../../../src/smtp/client/connect.ts';
import type { OutboundMessage } from '../../../src/smtp/client/types.ts';
import { replyOf } from './reply-of.ts';
import { startSmtpServer, type SmtpServer } from '../../../src/smtp/server/server.ts';
import { loadServerTls } from '../../../src/smtp/server/tls-contexts.ts';
import { scratchDir } from '../../helpers/scratch-dirs.ts';
import { testCa } from '../../helpers/test-ca.ts';

let spool: Spool;
let plain: SmtpServer;
let withTls: SmtpServer;

before(async () => {
  spool = await Spool.open({ dir: join(await scratchDir(), 'queue'), minFreeBytes: 0, logger: silentLogger() });
  const ca = testCa();
  const base = {
    hostname: 'mx.example.test',
    listeners: [{ address: '127.0.0.1', port: 0, role: 'mta' as const }],
    limits: {
      maxMessageSize: 4_000_000, maxRecipients: 10, maxErrors: 8, commandTimeoutMs: 5000, dataTimeoutMs: 5000, sessionTimeoutMs: 60_000,
      maxConnections: 50, maxConnectionsPerClient: 40, maxLineLength: 2048,
    },
    bareLineEndings: 'reject' as const,
    // 127.0.0.1 is not trusted, so that mail to other domains is refused (550 5.7.1)
    isTrusted: networkMatcher(['192.0.2.0/24']),
    checks: [relayCheck({ domains: ['example.test'] })],
    sink: spool,
    logger: silentLogger(),
  };
  plain = await startSmtpServer(base);
  withTls = await startSmtpServer({ ...base, tls: loadServerTls('test.yaml', [{ cert: ca.server.chainFile, key: ca.server.keyFile, names: [] }], 'TLSv1.2') });
});

after(async () => {
  await plain.close(0);
  await withTls.close(0);
  spool.close();
});

function message(content: Buffer, recipients: string[], extra: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    sender: 'alice@example.org', recipients: recipients.map((address) => ({ address })), body: '8bitmime', smtputf8: false,
    size: content.length, open: () => Readable.from([content]), ...extra,
  };
}

/** The stored body that contains `marker`, without the Received header Postern put on top. */
async function arrived(marker: string): Promise<{ body: string; id: string }> {
  for (const id of spool.due(Date.now() + 1000, 10_000)) {
    const body = await text(spool.readBody(id));
    if (body.includes(marker)) return { body: body.replace(/^Received: [^\r]*\r\n(?:\t[^\r]*\r\n)*/, ''), id };
  }
  throw new Error(`no stored message with ${marker}`);
}

const options = (port: number) => ({ host: 'mx.example.test', address: '127.0.0.1', port, protocol: 'smtp' as const, heloName: 'relay.example.org', tls: 'opportunistic' as const });

test('BDAT: a message arrives byte for byte, dot lines and 8-bit included, in chunks of 1 MiB', async () => {
  const conn = await connectSmtp(options(plain.endpoints[0]!.port));
  assert.equal(conn.extensions.chunking, true);
  assert.equal(conn.tls, undefined);
  const big = 'x'.repeat(998) + '\r\n';
  const content = Buffer.from(
    `From: alice@example.org\r\nSubject: bdat-marker\r\n\r\n.\r\n..two\r\n.leading dot\r\nGr\u00fc\u00dfe\r\n${big.repeat(2600)}.\r\nend\r\n`,
    'utf8',
  );
  const outcomes = await conn.send(message(content, ['bob@example.test', 'carol@example.test']));
  assert.deepEqual(outcomes.map((o) => o.status), ['sent', 'sent']);
  assert.equal(replyOf(outcomes[0]!).code, 250);
  assert.equal(replyOf(outcomes[0]!).enhanced, '2.0.0');
  assert.equal(replyOf(outcomes[0]!).inReplyTo, 'BDAT LAST');
  const { body, id } = await arrived('bdat-marker');
  assert.ok(Buffer.from(body, 'utf8').equals(content), 'identical bytes');
  assert.equal(spool.message(id)!.envelope.recipients.length, 2);
  assert.ok(conn.usable);
  await conn.quit();
  assert.equal(conn.usable, false);
});

test('several transactions on one connection; a refused recipient and DSN parameters', async () => {
  const conn = await connectSmtp(options(plain.endpoints[0]!.port));
  const first = await conn.send(
    message(Buffer.from('Subject: first-marker\r\n\r\nbody\r\n'), ['bob@example.test', 'someone@elsewhere.example'], {
      ret: 'hdrs', envid: 'id+1=x',
    }),
  );
  assert.equal(first[0]!.status, 'sent');
  assert.equal(first[1]!.status, 'bounced');
  assert.equal(replyOf(first[1]!).enhanced, '5.7.1');
  assert.equal(replyOf(first[1]!).inReplyTo, 'RCPT TO');
  const second = await conn.send({
    ...message(Buffer.from('Subject: second-marker\r\n\r\nbody\r\n'), []),
    recipients: [{ address: 'dave@example.test', notify: ['success', 'failure'], orcpt: { type: 'rfc822', address: 'Dave+x@example.test' } }],
  });
  assert.equal(second[0]!.status, 'sent');
  assert.equal(second[0]!.status === 'sent' && second[0]!.relayed, false, 'the peer offers DSN: no relayed notice');
  const stored = spool.message((await arrived('first-marker')).id)!.envelope;
  assert.equal(stored.ret, 'hdrs');
  assert.equal(stored.envid, 'id+1=x');
  assert.deepEqual(spool.message((await arrived('second-marker')).id)!.envelope.recipients, [
    { address: 'dave@example.test', notify: ['success', 'failure'], orcpt: { type: 'rfc822', address: 'Dave+x@example.test' } },
  ]);
  await conn.quit();
});

test('all recipients refused, then the next transaction on the same connection still works (RSET)', async () => {
  const conn = await connectSmtp(options(plain.endpoints[0]!.port));
  const refused = await conn.send(message(Buffer.from('Subject: nobody\r\n\r\nx\r\n'), ['a@elsewhere.example']));
  assert.equal(refused[0]!.status, 'bounced');
  const ok = await conn.send(message(Buffer.from('Subject: after-rset-marker\r\n\r\nx\r\n'), ['bob@example.test']));
  assert.equal(ok[0]!.status, 'sent');
  await arrived('after-rset-marker');
  await conn.quit();
});

test('a message over the peer\'s SIZE is bounced 5.3.4 without being sent', async () => {
  const conn = await connectSmtp(options(plain.endpoints[0]!.port));
  assert.equal(conn.extensions.size, 4_000_000);
  const outcomes = await conn.send({ ...message(Buffer.from('x\r\n'), ['bob@example.test']), size: 4_000_001 });
  assert.equal(outcomes[0]!.status, 'bounced');
  assert.equal(replyOf(outcomes[0]!).enhanced, '5.3.4');
  assert.match(outcomes[0]!.reply.text, /message size 4000001 exceeds size limit 4000000 of server mx\.example\.test\[127\.0\.0\.1\]/);
  await conn.quit();
});

test('STARTTLS: used when offered, EHLO again, TLS details exposed, the message arrives over TLS', async () => {
  const conn = await connectSmtp(options(withTls.endpoints[0]!.port));
  assert.ok(conn.tls);
  assert.match(conn.tls.version, /^TLSv1\.[23]$/);
  assert.ok(conn.tls.cipher.length > 0);
  assert.equal(conn.extensions.startTls, false, 'the second EHLO, under TLS, offers no STARTTLS');
  assert.equal(conn.extensions.requireTls, true);
  const content = Buffer.from('Subject: tls-marker\r\n\r\n.hidden\r\n');
  const outcomes = await conn.send(message(content, ['bob@example.test']));
  assert.equal(outcomes[0]!.status, 'sent');
  const stored = await text(spool.readBody((await arrived('tls-marker')).id));
  assert.match(stored, /with ESMTPS/);
  assert.ok(stored.endsWith('Subject: tls-marker\r\n\r\n.hidden\r\n'));
  await conn.quit();
});

test("tls: 'none' stays in plaintext even when STARTTLS is offered", async () => {
  const conn = await connectSmtp({ ...options(withTls.endpoints[0]!.port), tls: 'none' });
  assert.equal(conn.tls, undefined);
  assert.equal(conn.extensions.startTls, true);
  await conn.quit();
});
