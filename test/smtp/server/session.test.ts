import assert from 'node:assert/strict';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../../src/log/logger.ts';
import { networkMatcher } from '../../../src/policy/networks.ts';
import { relayCheck } from '../../../src/policy/relay.ts';
import { Spool } from '../../../src/queue/spool.ts';
import type { SmtpCheck } from '../../../src/policy/check.ts';
import type { SmtpLimits, SmtpServerOptions } from '../../../src/smtp/server/options.ts';
import { startSmtpServer, type SmtpServer } from '../../../src/smtp/server/server.ts';
import { scratchDir } from '../../helpers/scratch-dirs.ts';
import { wireClient, type WireClient } from '../../helpers/smtp-wire.ts';

const LIMITS: SmtpLimits = {
  maxMessageSize: 10_000, maxRecipients: 3, maxErrors: 8, commandTimeoutMs: 1500, dataTimeoutMs: 1500, sessionTimeoutMs: 60_000,
  maxConnections: 50, maxConnectionsPerClient: 40, maxLineLength: 512,
};

let spool: Spool;

function baseOptions(): SmtpServerOptions {
  return {
    hostname: 'mx.example.test',
    listeners: [{ address: '127.0.0.1', port: 0, role: 'mta' }],
    limits: LIMITS,
    bareLineEndings: 'normalize',
    isTrusted: networkMatcher(['127.0.0.1/32']),
    checks: [relayCheck({ domains: ['example.test'] })],
    sink: spool,
    logger: silentLogger(),
  };
}
let server: SmtpServer;
let rejecting: SmtpServer;
let port: number;

before(async () => {
  spool = await Spool.open({ dir: join(await scratchDir(), 'queue'), minFreeBytes: 0, logger: silentLogger() });
  server = await startSmtpServer(baseOptions());
  rejecting = await startSmtpServer({ ...baseOptions(), bareLineEndings: 'reject' });
  port = server.endpoints[0]!.port;
});

after(async () => {
  await server.close(0);
  await rejecting.close(0);
  spool.close();
});

async function session(p = port, localAddress?: string): Promise<WireClient> {
  const c = await wireClient(p, '127.0.0.1', localAddress);
  assert.equal(await c.code(), '220');
  c.send('EHLO client.example.org\r\n');
  await c.reply();
  return c;
}

/** The stored messages whose body contains `marker`. */
async function storedWith(marker: string): Promise<string[]> {
  const bodies: string[] = [];
  for (const id of spool.due(Date.now() + 1000, 10_000)) {
    const body = await text(spool.readBody(id));
    if (body.includes(marker)) bodies.push(body);
  }
  return bodies;
}

test('greeting and EHLO: the keywords a client relies on', async () => {
  const c = await wireClient(port);
  assert.match(await c.reply(), /^220 mx\.example\.test ESMTP/);
  c.send('EHLO client.example.org\r\n');
  const ehlo = await c.reply();
  assert.match(ehlo, /^250-mx\.example\.test\r\n/);
  for (const kw of ['PIPELINING', 'SIZE 10000', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'DSN']) assert.match(ehlo, new RegExp(`^250[- ]${kw}\\r$`, 'm'));
  c.send('HELO x\r\n');
  assert.equal(await c.code(), '250 2.0.0');
  c.send('QUIT\r\n');
  assert.equal(await c.code(), '221 2.0.0');
  await c.closed;
});

test('a message: stored with a Received header, CRLF endings, dots unstuffed, DSN parameters kept', async () => {
  const c = await session();
  c.send('MAIL FROM:<alice@example.org> RET=HDRS ENVID=e1\r\n');
  assert.equal(await c.code(), '250 2.1.0');
  c.send('RCPT TO:<bob@example.test> NOTIFY=SUCCESS ORCPT=rfc822;bob@example.test\r\n');
  assert.equal(await c.code(), '250 2.1.5');
  c.send('DATA\r\n');
  assert.equal(await c.code(), '354');
  c.send('Subject: m1\r\n\r\n..leading dot\r\nmarker-m1\r\n.\r\n');
  const queued = await c.reply();
  assert.match(queued, /^250 2\.0\.0 Ok: queued as ([0-9A-Z]+)\r\n$/);
  const id = /queued as (\w+)/.exec(queued)![1]!;
  const body = await text(spool.readBody(id));
  assert.ok(body.includes(`(Postern) with ESMTP id ${id}\r\n`), 'the Received header names the queue id');
  assert.match(body, /^Received: from client\.example\.org \(\[127\.0\.0\.1\]\)\r\n\tby mx\.example\.test \(Postern\) with ESMTP id \w+\r\n\tfor <bob@example\.test>;\r\n\t\w{3}, \d+ \w{3} \d{4} \d\d:\d\d:\d\d \+0000\r\n/);
  assert.ok(body.endsWith('Subject: m1\r\n\r\n.leading dot\r\nmarker-m1\r\n'));
  const stored = spool.message(id)!;
  assert.equal(stored.envelope.ret, 'hdrs');
  assert.equal(stored.envelope.envid, 'e1');
  assert.deepEqual(stored.envelope.recipients, [{ address: 'bob@example.test', notify: ['success'], orcpt: { type: 'rfc822', address: 'bob@example.test' } }]);
  c.close();
});

test('pipelining: a group of commands gets its replies together, in order', async () => {
  const c = await session();
  c.send('MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.test>\r\nRCPT TO:<c@example.test>\r\nDATA\r\n');
  const replies: string[] = [];
  while (replies.length < 4) replies.push(...(await c.reply()).trimEnd().split('\r\n'));
  assert.deepEqual(replies.map((r) => r.slice(0, 9)), ['250 2.1.0', '250 2.1.5', '250 2.1.5', '354 End d']);
  c.send('pipelined\r\n.\r\nQUIT\r\n');
  assert.equal(await c.code(), '250 2.0.0');
  assert.equal(await c.code(), '221 2.0.0');
  c.close();
});

test('error replies: sequence, syntax, unknown commands and parameters, limits', async () => {
  const c = await wireClient(port);
  await c.reply();
  const expect = async (line: string, code: string) => {
    c.send(`${line}\r\n`);
    assert.equal(await c.code(), code, line);
  };
  await expect('MAIL FROM:<a@example.org>', '503 5.5.1');
  await expect('EHLO', '501 5.5.4');
  await expect('EHLO client.example.org', '250');
  await expect('FROB', '500 5.5.1');
  await expect('RCPT TO:<b@example.test>', '503 5.5.1');
  await expect('DATA', '503 5.5.1');
  await expect('MAIL FROM:<a@example.org> BODY=BINARYMIME', '501 5.5.4');
  await expect('MAIL FROM:<a@example.org> FOO=1', '555 5.5.4');
  await expect('MAIL FROM:<a@example.org> SIZE=10001', '552 5.3.4');
  c.close();
  const d = await session();
  const expectD = async (line: string, code: string) => {
    d.send(`${line}\r\n`);
    assert.equal(await d.code(), code, line);
  };
  await expectD('MAIL FROM:<a@example.org>', '250 2.1.0');
  await expectD('MAIL FROM:<a@example.org>', '503 5.5.1');
  await expectD('DATA', '503 5.5.1');
  await expectD('RCPT TO:<bad address@example.test>', '501 5.1.3');
  for (const to of ['b', 'c', 'd']) await expectD(`RCPT TO:<${to}@example.test>`, '250 2.1.5');
  await expectD('RCPT TO:<e@example.test>', '452 4.5.3');
  await expectD('VRFY bob', '252 2.0.0');
  await expectD('HELP', '214 2.0.0');
  await expectD('NOOP', '250 2.0.0');
  await expectD('RSET', '250 2.0.0');
  await expectD('DATA', '503 5.5.1');
  d.send('NOOP\u0000\r\n');
  assert.equal(await d.code(), '500 5.5.2');
  d.send(`NOOP ${'x'.repeat(600)}\r\n`);
  assert.equal(await d.code(), '500 5.5.2');
  d.close();
});

test('relay control: our domain from anyone, other domains only from relay.networks', async () => {
  const outside = await session(port, '127.0.0.2');
  outside.send('MAIL FROM:<a@example.org>\r\n');
  assert.equal(await outside.code(), '250 2.1.0');
  for (const to of ['x@elsewhere.example', 'x%elsewhere.example@example.test', '@example.test:x@elsewhere.example', 'x@[127.0.0.1]']) {
    outside.send(`RCPT TO:<${to}>\r\n`);
    assert.equal(await outside.reply(), '550 5.7.1 Relaying denied\r\n', to);
  }
  outside.send('RCPT TO:<postmaster@example.test>\r\n');
  assert.equal(await outside.code(), '250 2.1.5');
  outside.close();
  const inside = await session();
  inside.send('MAIL FROM:<a@example.org>\r\nRCPT TO:<x@elsewhere.example>\r\n');
  assert.equal(await inside.code(), '250 2.1.0');
  assert.equal(await inside.code(), '250 2.1.5');
  inside.close();
});

test('too many errors end the session with 421', async () => {
  const c = await session();
  for (let i = 0; i < LIMITS.maxErrors; i++) c.send('FROB\r\n');
  let last = '';
  for (let i = 0; i <= LIMITS.maxErrors; i++) last = await c.reply();
  assert.match(last, /^421 4\.7\.0 .*too many errors/m);
  await c.closed;
});

test('an idle client is dropped with 421 4.4.2 after the command timeout', async () => {
  const c = await session();
  assert.match(await c.reply(3000), /^421 4\.4\.2 /);
  await c.closed;
});

const SMUGGLING = ['\n.\n', '\n.\r\n', '\r\n.\n', '\r.\r', '\r\n.\r', '\r\n\x00.\r\n'];

for (const [n, variant] of SMUGGLING.entries()) {
  test(`smuggling ${JSON.stringify(variant)}: one message, the would-be second one is text in it`, async () => {
    const c = await session();
    const marker = `smuggle-${n}-${Date.now()}`;
    c.send('MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n');
    for (let i = 0; i < 3; i++) await c.reply();
    c.send(`Subject: ${marker}\r\n\r\nfirst${variant}MAIL FROM:<evil@example.org>\r\nRCPT TO:<victim@example.test>\r\nDATA\r\nSubject: second ${marker}\r\n\r\nsmuggled\r\n.\r\n`);
    assert.equal(await c.code(), '250 2.0.0');
    c.send('NOOP\r\n');
    assert.equal(await c.code(), '250 2.0.0', 'no further replies: the smuggled commands were never commands');
    const bodies = await storedWith(marker);
    assert.equal(bodies.length, 1);
    assert.match(bodies[0]!, /MAIL FROM:<evil@example\.org>\r\nRCPT TO:<victim@example\.test>\r\nDATA\r\nSubject: second/);
    assert.doesNotMatch(bodies[0]!.replace(/\r\n/g, ''), /[\r\n]/, 'only CRLF line endings are stored');
    c.close();
  });
}

test('bareLineEndings: reject refuses a message with a bare LF with 550 5.5.2 and stores nothing', async () => {
  const c = await session(rejecting.endpoints[0]!.port);
  const marker = `bare-${Date.now()}`;
  c.send('MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n');
  for (let i = 0; i < 3; i++) await c.reply();
  c.send(`Subject: ${marker}\r\n\r\nline\nother\r\n.\r\n`);
  assert.equal(await c.code(), '550 5.5.2');
  assert.deepEqual(await storedWith(marker), []);
  c.close();
});

test('a message over the size limit: 552 5.3.4 after its end, nothing stored, the session goes on', async () => {
  const c = await session();
  const marker = `big-${Date.now()}`;
  c.send('MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n');
  for (let i = 0; i < 3; i++) await c.reply();
  c.send(`Subject: ${marker}\r\n\r\n${'x'.repeat(998)}\r\n`.repeat(12) + '.\r\n');
  assert.equal(await c.code(), '552 5.3.4');
  assert.deepEqual(await storedWith(marker), []);
  c.send('NOOP\r\n');
  assert.equal(await c.code(), '250 2.0.0');
  c.close();
});

test('connections per client: over the limit 421 4.7.0, except for relay.networks', async () => {
  const small = await startSmtpServer({
    hostname: 'mx.example.test',
    listeners: [{ address: '127.0.0.1', port: 0, role: 'mta' }],
    limits: { ...LIMITS, maxConnectionsPerClient: 2 },
    bareLineEndings: 'normalize',
    isTrusted: networkMatcher(['127.0.0.1/32']),
    checks: [],
    sink: spool,
    logger: silentLogger(),
  });
  const p = small.endpoints[0]!.port;
  const open: WireClient[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const c = await wireClient(p, '127.0.0.1');
      open.push(c);
      assert.equal(await c.code(), '220', `trusted connection ${i + 1}`);
    }
    for (let i = 0; i < 2; i++) {
      const c = await wireClient(p, '127.0.0.1', '127.0.0.3');
      open.push(c);
      assert.equal(await c.code(), '220');
    }
    const third = await wireClient(p, '127.0.0.1', '127.0.0.3');
    open.push(third);
    assert.match(await third.reply(), /^421 4\.7\.0 /);
  } finally {
    for (const c of open) c.close();
    await small.close(0);
  }
});

test('nothing a client sends is run before the greeting; a connect check that refuses late leaves nothing queued', async (t) => {
  const slowReject: SmtpCheck = {
    name: 'slow-dnsbl',
    connect: async () => {
      await new Promise((r) => setTimeout(r, 300));
      return { kind: 'reject', code: 554, enhanced: '5.7.1', text: 'listed' };
    },
  };
  const slowAccept: SmtpCheck = { name: 'slow', connect: async () => (await new Promise((r) => setTimeout(r, 300)), { kind: 'continue' }) };
  const refusing = await startSmtpServer({ ...baseOptions(), checks: [slowReject, relayCheck({ domains: ['example.test'] })] });
  const slow = await startSmtpServer({ ...baseOptions(), checks: [slowAccept, relayCheck({ domains: ['example.test'] })] });
  t.after(() => Promise.all([refusing.close(0), slow.close(0)]));
  const transaction = 'EHLO early.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\nSubject: early-talker\r\n\r\nx\r\n.\r\n';

  const refused = await wireClient(refusing.endpoints[0]!.port);
  refused.send(transaction);
  assert.equal(await refused.reply(), '554 5.7.1 listed\r\n', 'the refusal is the only reply');
  await refused.closed;
  assert.deepEqual(await storedWith('early-talker'), []);

  const early = await wireClient(slow.endpoints[0]!.port);
  early.send('NOOP\r\n');
  assert.match(await early.reply(), /^220 /, 'the greeting comes first');
  assert.equal(await early.code(), '250 2.0.0');
  early.close();
});

test('back-pressure: a client that floods commands without reading gets every reply, in order, once it reads', async () => {
  const c = await session();
  const count = 20_000;
  c.send('NOOP\r\n'.repeat(count));
  await new Promise((r) => setTimeout(r, 300));
  let replies = 0;
  while (replies < count) {
    const chunk = await c.reply();
    assert.equal(chunk, '250 2.0.0 Ok\r\n');
    replies++;
  }
  c.send('QUIT\r\n');
  assert.equal(await c.code(), '221 2.0.0');
});

test('reply text is ASCII: client bytes outside it are echoed as "?"; a line at exactly the limit is accepted however it is cut', async () => {
  const c = await session();
  c.send(Buffer.from('MAIL FROM:<a@example.org> X=\u00e9t\u00e9\r\n', 'utf8'));
  const text = await c.reply();
  assert.match(text, /^555 5\.5\.4 /);
  assert.match(text, /^[\x20-\x7e\r\n]*$/);
  const line = `NOOP ${'x'.repeat(LIMITS.maxLineLength - 5)}`;
  c.send(`${line}\r`);
  await new Promise((r) => setTimeout(r, 50));
  c.send('\n');
  assert.equal(await c.code(), '250 2.0.0');
  c.close();
});
