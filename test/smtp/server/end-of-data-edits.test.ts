// End-of-data checks change what is stored (added fields, a rewritten message) or where it goes
// (quarantine, discard): what a client and the spool see of each.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../../src/log/logger.ts';
import type { EndOfDataContext, SmtpCheck } from '../../../src/policy/check.ts';
import { CONTINUE } from '../../../src/policy/check.ts';
import { networkMatcher } from '../../../src/policy/networks.ts';
import { Spool } from '../../../src/queue/spool.ts';
import { startSmtpServer, type SmtpServer } from '../../../src/smtp/server/server.ts';
import { scratchDir } from '../../helpers/scratch-dirs.ts';
import { wireClient } from '../../helpers/smtp-wire.ts';

/** Acts on a word in the message: the checks a filter would be, reduced to what the engine must carry out. */
const actOnMarkers: SmtpCheck = {
  name: 'markers',
  async endOfData(ctx: EndOfDataContext) {
    const message = await text(await ctx.readMessage());
    if (message.includes('please-quarantine')) return { kind: 'quarantine', reason: 'asked to', rule: 'marker' };
    if (message.includes('please-discard')) return { kind: 'discard', reason: 'asked to' };
    if (message.includes('please-break')) ctx.addHeader('X-Broken: a\r\nSmuggled: line');
    if (message.includes('please-tag')) await ctx.replaceMessage(await ctx.readMessage().then(text).then((m) => Buffer.from(m.replace('Subject: ', 'Subject: [tagged] '))));
    ctx.addHeader('X-First: one');
    ctx.addHeader('X-Second: two\r\n\tfolded');
    return CONTINUE;
  },
};

/** Sees what the first check left: the size and message after its changes. */
const seen: Array<{ size: number; top: string }> = [];
const recordSeen: SmtpCheck = {
  name: 'record',
  async endOfData(ctx) {
    const message = await text(await ctx.readMessage());
    assert.equal(ctx.size, Buffer.byteLength(message));
    seen.push({ size: ctx.size, top: message.slice(0, 40) });
    return CONTINUE;
  },
};

let spool: Spool;
let server: SmtpServer;

before(async () => {
  spool = await Spool.open({ dir: join(await scratchDir(), 'queue'), minFreeBytes: 0, logger: silentLogger() });
  server = await startSmtpServer({
    hostname: 'mx.example.test',
    listeners: [{ address: '127.0.0.1', port: 0, role: 'mta' }],
    limits: { maxMessageSize: 1_000_000, maxRecipients: 3, maxErrors: 8, commandTimeoutMs: 5000, dataTimeoutMs: 5000, sessionTimeoutMs: 60_000, maxConnections: 50, maxConnectionsPerClient: 40, maxLineLength: 1000 },
    bareLineEndings: 'normalize',
    isTrusted: networkMatcher(['127.0.0.1/32']),
    checks: [actOnMarkers, recordSeen],
    sink: spool,
    logger: silentLogger(),
  });
});

after(async () => {
  await server.close(0);
  spool.close();
});

async function send(body: string): Promise<string> {
  const c = await wireClient(server.endpoints[0]!.port);
  await c.reply();
  c.send('EHLO client.example.org\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n');
  for (const expected of ['250', '250', '250', '354']) assert.equal((await c.reply()).slice(0, 3), expected);
  c.send(`${body}\r\n.\r\n`);
  const answer = await c.reply();
  c.close();
  return answer;
}

const queueId = (answer: string): string => /queued as (\w+)/.exec(answer)![1]!;

for (const [kind, filler] of [['small (in SQLite)', ''], ['large (a body file)', `${'x'.repeat(998)}\r\n`.repeat(200)]] as const) {
  test(`${kind}: added fields go on top, the last added first; a rewrite replaces the message and keeps later fields`, async () => {
    const answer = await send(`Subject: hello\r\n\r\nplease-tag\r\n${filler}end`);
    assert.match(answer, /^250 2\.0\.0 Ok: queued as \w+/);
    const stored = await text(spool.readBody(queueId(answer)));
    assert.ok(stored.startsWith('X-Second: two\r\n\tfolded\r\nX-First: one\r\nReceived: from client.example.org'), stored.slice(0, 120));
    assert.match(stored, /\r\nSubject: \[tagged\] hello\r\n\r\nplease-tag\r\n/);
    assert.ok(stored.endsWith('end\r\n'));
    assert.equal(spool.message(queueId(answer))!.size, Buffer.byteLength(stored));
    assert.equal(seen.at(-1)!.size, Buffer.byteLength(stored));
  });
}

test('quarantine: answered 250 like any accepted message, stored with its reason, never due', async () => {
  const answer = await send('Subject: q\r\n\r\nplease-quarantine');
  assert.match(answer, /^250 2\.0\.0 Ok: queued as \w+/);
  const stored = spool.message(queueId(answer))!;
  assert.equal(stored.quarantine?.reason, 'asked to');
  assert.equal(stored.quarantine?.rule, 'marker');
  assert.ok(!spool.due(Date.now() + 86_400_000).includes(stored.id));
  assert.ok(!spool.page(1000).includes(stored.id), 'not in the queue listing');
});

test('discard: answered 250, nothing stored', async () => {
  const answer = await send('Subject: d\r\n\r\nplease-discard');
  assert.match(answer, /^250 2\.0\.0 Ok: queued as \w+/);
  assert.equal(spool.message(queueId(answer)), undefined);
});

test('a field that would smuggle a line is refused: the message is deferred (451), not stored', async () => {
  const answer = await send('Subject: b\r\n\r\nplease-break');
  assert.match(answer, /^451 4\.3\.0 /);
});
