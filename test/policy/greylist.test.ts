// Greylisting (RFC 6647) against its real SQLite file, with a clock the test moves.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { silentLogger } from '../../src/log/logger.ts';
import { allowlist } from '../../src/policy/allowlist.ts';
import type { SmtpCheck, Verdict } from '../../src/policy/check.ts';
import { clientNetwork } from '../../src/policy/greylist-network.ts';
import { GreylistStore } from '../../src/policy/greylist-store.ts';
import { greylistCheck, type GreylistOptions } from '../../src/policy/greylist.ts';
import { scratchDir } from '../helpers/scratch-dirs.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

async function greylist(overrides: Partial<GreylistOptions> = {}) {
  const clock = { now: 1_800_000_000_000 };
  const file = join(await scratchDir(), 'greylist.db');
  const check = greylistCheck({
    file,
    timing: { delayMs: 5 * MINUTE, windowMs: 4 * 60 * MINUTE, rememberMs: 36 * DAY },
    prefixes: { ipv4: 24, ipv6: 64 },
    domains: ['example.test'],
    allowlist: allowlist({ networks: ['192.0.2.128/25'], domains: ['friend.example'] }),
    logger: silentLogger(),
    now: () => clock.now,
    ...overrides,
  });
  return { check, clock, file };
}

function rcpt(check: SmtpCheck, { address = '198.51.100.7', sender = 'a@sender.example', recipient = 'bob@example.test', trusted = false, authUser = undefined as string | undefined } = {}): Verdict {
  const ctx = { client: { address, port: 0, listener: 'mta' as const, authUser }, trusted, results: new Map() };
  return check.rcpt!({ ...ctx, sender, params: { body: '7bit', smtputf8: false, requireTls: false }, recipient: { address: recipient }, accepted: [] }) as Verdict;
}

const replyOf = (v: Verdict) => (v.kind === 'defer' || v.kind === 'reject' ? `${v.code} ${v.enhanced} ${v.text}` : v.kind);

test('the client network of a triplet: /24 for IPv4 (IPv4-mapped too), /64 for IPv6', () => {
  assert.equal(clientNetwork('192.0.2.77', { ipv4: 24, ipv6: 64 }), '192.0.2.0/24');
  assert.equal(clientNetwork('::ffff:192.0.2.77', { ipv4: 24, ipv6: 64 }), '192.0.2.0/24');
  assert.equal(clientNetwork('192.0.2.77', { ipv4: 20, ipv6: 64 }), '192.0.0.0/20');
  assert.equal(clientNetwork('2001:db8:1:2:3:4:5:6', { ipv4: 24, ipv6: 64 }), '2001:db8:1:2::/64');
});

test('first sight: 451 4.7.1 with the wait; too early: the rest of it; after the delay within the window: passes', async () => {
  const { check, clock, file } = await greylist();
  assert.equal(existsSync(file), false, 'opened on first use only');
  assert.equal(replyOf(rcpt(check)), '451 4.7.1 Greylisted, try again in 300 seconds');
  assert.equal(existsSync(file), true);
  clock.now += 2 * MINUTE;
  assert.equal(replyOf(rcpt(check)), '451 4.7.1 Greylisted, try again in 180 seconds', 'a retry too early does not restart the delay');
  clock.now += 3 * MINUTE;
  assert.equal(replyOf(rcpt(check, { address: '198.51.100.200' })), 'continue', 'the retry may come from another host of the /24');
  assert.equal(replyOf(rcpt(check, { address: '198.51.101.7' })), '451 4.7.1 Greylisted, try again in 300 seconds', 'another /24 is another triplet');
  assert.equal(replyOf(rcpt(check, { recipient: 'carol@example.test' })), '451 4.7.1 Greylisted, try again in 300 seconds', 'another recipient is another triplet');
});

test('once passed, the triplet is remembered for 36 days from its last pass; a retry after the window starts over', async () => {
  const { check, clock } = await greylist();
  rcpt(check);
  clock.now += 6 * MINUTE;
  assert.equal(replyOf(rcpt(check)), 'continue');
  clock.now += 30 * DAY;
  assert.equal(replyOf(rcpt(check)), 'continue', 'remembered: passes at once');
  clock.now += 35 * DAY;
  assert.equal(replyOf(rcpt(check)), 'continue', 'each pass extends the memory');
  clock.now += 37 * DAY;
  assert.equal(replyOf(rcpt(check)), '451 4.7.1 Greylisted, try again in 300 seconds', 'forgotten after 36 days without mail');

  rcpt(check, { sender: 'late@sender.example' });
  clock.now += 5 * 60 * MINUTE;
  assert.equal(replyOf(rcpt(check, { sender: 'late@sender.example' })), '451 4.7.1 Greylisted, try again in 300 seconds', 'retried after the 4h window: first sight again');
});

test('never for trusted, authenticated or allowlisted clients, allowlisted senders, or the postmaster', async () => {
  const { check } = await greylist();
  assert.equal(replyOf(rcpt(check, { trusted: true })), 'continue');
  assert.equal(replyOf(rcpt(check, { authUser: 'alice' })), 'continue');
  assert.equal(replyOf(rcpt(check, { address: '192.0.2.200' })), 'continue');
  assert.equal(replyOf(rcpt(check, { sender: 'x@news.friend.example' })), 'continue');
  assert.equal(replyOf(rcpt(check, { recipient: 'postmaster@example.test' })), 'continue');
  assert.equal(replyOf(rcpt(check)), '451 4.7.1 Greylisted, try again in 300 seconds');
});

test('expired triplets are pruned from the file; the state survives a new connection (a restart)', async () => {
  const { check, clock, file } = await greylist();
  rcpt(check, { sender: 'once@sender.example' });
  rcpt(check);
  clock.now += 6 * MINUTE;
  rcpt(check);
  GreylistStore.at(file).close();
  clock.now += 5 * 60 * MINUTE;
  assert.equal(replyOf(rcpt(check)), 'continue', 'remembered across a new connection');
  const db = new Database(file, { readonly: true });
  const rows = db.prepare('SELECT sender FROM triplets').all() as { sender: string }[];
  db.close();
  assert.deepEqual(rows.map((r) => r.sender), ['a@sender.example'], 'the never-retried triplet is gone after its window');
});

test('a greylist file that cannot be opened lets mail through: the other checks still stand', async () => {
  const { check } = await greylist({ file: join(await scratchDir(), 'missing-folder', 'greylist.db') });
  assert.equal(replyOf(rcpt(check)), 'continue');
});
