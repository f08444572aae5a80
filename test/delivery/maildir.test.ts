import assert from 'node:assert/strict';
import { readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { silentLogger } from '../../src/log/logger.ts';
import type { Routes } from '../../src/config/sections/routes.ts';
import { ConnectionPool } from '../../src/delivery/connection-pool.ts';
import { QueueManager } from '../../src/delivery/queue-manager.ts';
import { Resolver } from '../../src/dns/resolver/resolver.ts';
import { connectSmtp } from '../../src/smtp/client/connect.ts';
import { deliverToMaildir, maildirFolderName } from '../../src/delivery/maildir.ts';
import { Spool } from '../../src/queue/spool.ts';
import { scratchDir } from '../helpers/scratch-dirs.ts';

const BODY = 'Subject: test\r\n\r\nHello\r\n';
const delivery = (root: string, recipient = 'Bob@example.test') => ({ root, queueId: 'Q1', sender: 'alice@example.org', recipient, hostname: 'mx.example.test', message: Readable.from([Buffer.from(BODY)]) });

test('Maildir layout: tmp, new, cur; Return-Path and Delivered-To on top; the body intact', async () => {
  const root = await scratchDir();
  const { path, duplicate } = await deliverToMaildir(delivery(root));
  assert.equal(duplicate, false);
  assert.deepEqual(readdirSync(join(root, 'bob')).sort(), ['cur', 'new', 'tmp']);
  assert.equal(path, join(root, 'bob', 'new', readdirSync(join(root, 'bob', 'new'))[0]!));
  assert.equal(readFileSync(path, 'utf8'), `Return-Path: <alice@example.org>\nDelivered-To: Bob@example.test\n${BODY.replaceAll('\r\n', '\n')}`, 'Unix line endings, as Maildir readers expect');
  assert.deepEqual(readdirSync(join(root, 'bob', 'tmp')), []);
});

test('CRLF split across chunks still becomes LF; nothing else changes', async () => {
  const root = await scratchDir();
  const pieces = ['Subject: x\r', '\n\r', '\nline with \u00e9 and a lone dot\r\n.\r', '\n'];
  const { path } = await deliverToMaildir({ ...delivery(root), message: Readable.from(pieces.map((p) => Buffer.from(p, 'latin1'))) });
  assert.equal(readFileSync(path, 'latin1').split('\n').slice(2).join('\n'), 'Subject: x\n\nline with \u00e9 and a lone dot\n.\n');
});

test('delivering the same message to the same recipient again is a no-op, also after the client moved it to cur/', async () => {
  const root = await scratchDir();
  const first = await deliverToMaildir(delivery(root));
  assert.equal((await deliverToMaildir(delivery(root))).duplicate, true);
  const name = first.path.split('/').at(-1)!;
  renameSync(first.path, join(root, 'bob', 'cur', `${name}:2,S`));
  assert.equal((await deliverToMaildir(delivery(root))).duplicate, true);
  assert.equal(readdirSync(join(root, 'bob', 'new')).length, 0);
  assert.equal((await deliverToMaildir(delivery(root, 'carol@example.test'))).duplicate, false);
});

test('local parts never name a path outside the root', () => {
  assert.equal(maildirFolderName('Bob.Smith+tag'), 'bob.smith+tag');
  assert.equal(maildirFolderName('..'), '=2E.');
  assert.equal(maildirFolderName('.hidden'), '=2Ehidden');
  assert.equal(maildirFolderName('../../etc/passwd'), '=2E.=2F..=2Fetc=2Fpasswd');
  assert.equal(maildirFolderName('"a b\\"@c"'), '=22a=20b=5C=22=40c=22');
  assert.equal(maildirFolderName('jörg'), 'j=C3=B6rg');
  assert.equal(maildirFolderName('a\u0000b'), 'a=00b');
});

/** A queue manager whose only working routes are Maildir ones: the DNS server it would ask for MX does not answer. */
function localDelivery(spool: Spool, routes: Routes): QueueManager & { resolver: Resolver } {
  const resolver = new Resolver({ servers: [{ address: '127.0.0.1', port: 9 }], timeoutMs: 100, attempts: 1 });
  const manager = new QueueManager({
    spool,
    routes,
    hostname: 'mx.example.test',
    timing: { retryMinMs: 60_000, retryMaxMs: 60_000, delayWarningMs: 3_600_000, lifetimeMs: 86_400_000 },
    pool: new ConnectionPool({ maxConnections: 1, perDestination: { initial: 1, max: 1 }, messagesPerConnection: 1, idleMs: 1 }),
    smtp: { resolver, self: { names: new Set(), addresses: new Set() }, connect: connectSmtp, heloName: 'mx.example.test', mxPort: 25, timeouts: { connectMs: 100 } },
    logger: silentLogger(),
  });
  return Object.assign(manager, { resolver });
}

test('local delivery: maildir-routed recipients delivered and the message removed; others stay queued', async () => {
  const dir = await scratchDir();
  const spool = await Spool.open({ dir: join(dir, 'queue'), minFreeBytes: 0, logger: silentLogger() });
  const local = localDelivery(spool, { 'example.test': { type: 'maildir', path: join(dir, 'mail') } });
  local.start();
  const envelope = (to: string[]) => ({ sender: 'a@example.org', recipients: to.map((address) => ({ address })), body: '7bit' as const, smtputf8: false, requireTls: false, client: { address: '127.0.0.1', port: 1, helo: 'x', listener: 'mta' as const }, receivedAt: Date.now() });
  const commit = async (to: string[]) => {
    const w = spool.open();
    w.write(Buffer.from(BODY));
    return w.commit(envelope(to));
  };
  const onlyLocal = await commit(['bob@example.test', 'carol@example.test']);
  const mixed = await commit(['bob@example.test', 'dave@remote.example']);
  await local.idle(onlyLocal);
  await local.idle(mixed);
  await local.stop();
  local.resolver.close();
  assert.equal(readdirSync(join(dir, 'mail', 'bob', 'new')).length, 2);
  assert.equal(readdirSync(join(dir, 'mail', 'carol', 'new')).length, 1);
  assert.equal(spool.message(onlyLocal), undefined, 'finished messages leave the queue');
  assert.deepEqual(spool.message(mixed)!.recipients.map((r) => r.state), ['delivered', 'deferred'], 'the remote one waits: its DNS does not answer');
  spool.close();
});

test('local delivery after a restart: what was queued before is delivered once', async () => {
  const dir = await scratchDir();
  const routes = { 'example.test': { type: 'maildir' as const, path: join(dir, 'mail') } };
  const before = await Spool.open({ dir: join(dir, 'queue'), minFreeBytes: 0, logger: silentLogger() });
  const w = before.open();
  w.write(Buffer.from(BODY));
  const id = await w.commit({ sender: '', recipients: [{ address: 'bob@example.test' }], body: '7bit', smtputf8: false, requireTls: false, client: { address: '127.0.0.1', port: 1, helo: 'x', listener: 'mta' }, receivedAt: Date.now() });
  before.close();
  const spool = await Spool.open({ dir: join(dir, 'queue'), minFreeBytes: 0, logger: silentLogger() });
  const local = localDelivery(spool, routes);
  local.start();
  for (let i = 0; i < 100 && spool.message(id); i++) await new Promise((r) => setTimeout(r, 20));
  await local.stop();
  local.resolver.close();
  const files = readdirSync(join(dir, 'mail', 'bob', 'new'));
  assert.equal(files.length, 1);
  assert.match(readFileSync(join(dir, 'mail', 'bob', 'new', files[0]!), 'utf8'), /^Return-Path: <>\n/);
  spool.close();
});
