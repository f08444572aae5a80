// DNSBL and RHSBL checks against blocklist zones served by Postern's own DNS server on loopback,
// asked through Postern's resolver: listings, return-code filters, weights, TXT reasons, and the
// zones that must never refuse anyone (127.255.255.x, garbage, a server that never answers).
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { Resolver } from '../../src/dns/resolver/resolver.ts';
import { allowlist } from '../../src/policy/allowlist.ts';
import type { SessionContext, SmtpCheck, Verdict } from '../../src/policy/check.ts';
import { dnsblCheck, dnsblName, type BlocklistOptions } from '../../src/policy/dnsbl.ts';
import { rhsblCheck } from '../../src/policy/rhsbl.ts';
import { startTestDnsServer } from '../helpers/dns.ts';
import { scratchDir } from '../helpers/scratch-dirs.ts';

const LONG = 'x'.repeat(250);
const ZONES: Record<string, string> = {
  'bl.test': `2.0.0.127 A 127.0.0.2
          TXT "Listed: see https://bl.test/lookup?ip=127.0.0.2"
3.0.0.127 A 127.255.255.254
4.0.0.127 A 10.1.2.3
5.0.0.127 A 127.0.0.20
6.0.0.127 A 127.0.0.3
          TXT "bell\\007 and \\195\\169 and \\"quotes\\"" "${LONG}"
7.0.0.127 A 127.0.0.4
2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2 A 127.0.0.2
          TXT "IPv6 listed"
`,
  'bl2.test': `7.0.0.127 A 127.0.0.2
8.0.0.127 A 127.0.0.2
`,
  'dbl.test': `spammer.example A 127.0.1.2
                TXT "Spam domain"
bad-helo.example A 127.0.1.2
`,
};

const dir = await scratchDir();
const zoneConfigs = Object.entries(ZONES).map(([name, records]) => {
  const file = join(dir, `${name}.zone`);
  writeFileSync(file, `$ORIGIN ${name}.\n$TTL 60\n@ SOA ns hostmaster 1 3600 600 86400 60\n  NS ns\nns A 127.0.0.53\n${records}`);
  return { name, file };
});
const { endpoint } = await startTestDnsServer({ after }, zoneConfigs);
const resolver = new Resolver({ servers: [endpoint], timeoutMs: 500, attempts: 1 });
after(() => resolver.close());

/** A logger whose JSON lines the test can read. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

function options(overrides: Partial<BlocklistOptions> = {}): BlocklistOptions {
  return {
    zones: [{ zone: 'bl.test', codes: ['127.0.0.2-127.0.0.11'], weight: 1 }],
    threshold: 1,
    domains: ['example.test'],
    allowlist: allowlist({ networks: [], domains: [] }),
    resolver,
    logger: capturingLogger().logger,
    ...overrides,
  };
}

interface Client {
  address: string;
  helo?: string;
  sender?: string;
  recipients?: string[];
  trusted?: boolean;
  authUser?: string;
}

/** One session through the check's hooks, as the SMTP engine calls them; the verdict for each recipient. */
async function session(check: SmtpCheck, client: Client): Promise<Verdict[]> {
  const ctx: SessionContext = { client: { address: client.address, port: 0, listener: 'mta', authUser: client.authUser }, trusted: client.trusted ?? false, results: new Map() };
  await check.connect?.(ctx);
  const helo = client.helo ?? 'client.example.org';
  ctx.client.helo = helo;
  await check.helo?.({ ...ctx, helo });
  const mail = { ...ctx, sender: client.sender ?? 'someone@sender.example', params: { body: '7bit' as const, smtputf8: false, requireTls: false } };
  await check.mail?.(mail);
  const verdicts: Verdict[] = [];
  for (const address of client.recipients ?? ['user@example.test']) verdicts.push(await check.rcpt!({ ...mail, recipient: { address }, accepted: [] }));
  return verdicts;
}

const replyOf = (v: Verdict | undefined) => (v && (v.kind === 'reject' || v.kind === 'defer') ? `${v.code} ${v.enhanced} ${v.text}` : v?.kind);

test('query names: reversed octets for IPv4 (also IPv4-mapped IPv6), nibbles for IPv6', () => {
  assert.equal(dnsblName('192.0.2.1'), '1.2.0.192');
  assert.equal(dnsblName('::ffff:192.0.2.1'), '1.2.0.192');
  assert.equal(dnsblName('2001:db8::2'), '2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2');
  assert.equal(dnsblName('not an address'), undefined);
});

test('a listed client is refused at RCPT with the zone\'s TXT reason, in Postfix\'s words; the postmaster still gets its mail', async () => {
  const [user, postmaster, bare] = await session(dnsblCheck(options()), { address: '127.0.0.2', recipients: ['user@example.test', 'Postmaster@EXAMPLE.test', 'Postmaster'] });
  assert.equal(replyOf(user), '554 5.7.1 Service unavailable; client [127.0.0.2] blocked using bl.test: Listed: see https://bl.test/lookup?ip=127.0.0.2');
  assert.equal(replyOf(postmaster), 'continue');
  assert.equal(replyOf(bare), 'continue');
});

test('an IPv6 client is looked up by its nibbles; an IPv4-mapped one as IPv4, and named so', async () => {
  const [v6] = await session(dnsblCheck(options()), { address: '2001:db8::2' });
  assert.equal(replyOf(v6), '554 5.7.1 Service unavailable; client [2001:db8::2] blocked using bl.test: IPv6 listed');
  const [mapped] = await session(dnsblCheck(options()), { address: '::ffff:127.0.0.2' });
  assert.match(replyOf(mapped)!, /^554 5\.7\.1 Service unavailable; client \[127\.0\.0\.2\] blocked using bl\.test: /);
});

test('answers are cached: the next session of a listed client and of an unlisted one asks nothing on the wire', async () => {
  const own = new Resolver({ servers: [endpoint], timeoutMs: 500, attempts: 1 });
  after(() => own.close());
  const check = dnsblCheck(options({ resolver: own }));
  for (const address of ['127.0.0.2', '127.0.0.99']) await session(check, { address });
  const sent = own.stats().queriesSent;
  assert.equal(sent, 3, 'A and TXT for the listed client, A for the unlisted one');
  for (const address of ['127.0.0.2', '127.0.0.99']) await session(check, { address });
  assert.equal(own.stats().queriesSent, sent);
});

test('unlisted clients, and answers outside the zone\'s codes, pass', async () => {
  assert.equal(replyOf((await session(dnsblCheck(options()), { address: '127.0.0.99' }))[0]), 'continue');
  assert.equal(replyOf((await session(dnsblCheck(options()), { address: '127.0.0.5' }))[0]), 'continue', '127.0.0.20 is not in 127.0.0.2-127.0.0.11');
  const anyCode = dnsblCheck(options({ zones: [{ zone: 'bl.test', codes: [], weight: 1 }] }));
  assert.match(replyOf((await session(anyCode, { address: '127.0.0.5' }))[0])!, /^554 5\.7\.1 .*blocked using bl\.test$/, 'no codes: any 127/8 answer counts; no TXT, no reason');
});

test('127.255.255.x (refused query) and garbage never refuse; each problem is logged once per zone', async () => {
  const { logger, lines } = capturingLogger();
  const check = dnsblCheck(options({ logger, zones: [{ zone: 'bl.test', codes: ['127.0.0.0-127.255.255.255'], weight: 1 }] }));
  for (const address of ['127.0.0.3', '127.0.0.3', '127.0.0.4', '127.0.0.4']) assert.equal(replyOf((await session(check, { address }))[0]), 'continue', address);
  const warnings = lines.filter((l) => l.msg === 'blocklist zone unusable; its answers count as not listed');
  assert.deepEqual(warnings.map((l) => [l.zone, l.problem]), [['bl.test', 'refused'], ['bl.test', 'garbage']]);
  assert.match(String(warnings[0]!.detail), /3\.0\.0\.127\.bl\.test answered 127\.255\.255\.x/);
});

test('a zone whose server never answers (timeout) refuses nobody, and the answer is ready by RCPT all the same', async () => {
  const silent = createSocket('udp4');
  await new Promise<void>((done) => silent.bind(0, '127.0.0.1', done));
  after(() => silent.close());
  const deaf = new Resolver({ servers: [{ address: '127.0.0.1', port: silent.address().port }], timeoutMs: 300, attempts: 1 });
  after(() => deaf.close());
  const { logger, lines } = capturingLogger();
  const started = Date.now();
  const [v] = await session(dnsblCheck(options({ resolver: deaf, logger })), { address: '127.0.0.2' });
  assert.equal(replyOf(v), 'continue');
  assert.ok(Date.now() - started < 2000);
  assert.equal(lines.find((l) => l.zone === 'bl.test')?.problem, 'failed');
});

test('weights add up across zones against the threshold; the reply names every zone that counted', async () => {
  const zones = [
    { zone: 'bl.test', codes: [], weight: 1 },
    { zone: 'bl2.test', codes: [], weight: 1 },
  ];
  const check = dnsblCheck(options({ zones, threshold: 2 }));
  assert.equal(replyOf((await session(check, { address: '127.0.0.8' }))[0]), 'continue', 'listed in bl2.test only: 1 < 2');
  assert.equal(replyOf((await session(check, { address: '127.0.0.7' }))[0]), '554 5.7.1 Service unavailable; client [127.0.0.7] blocked using bl.test, bl2.test');
});

test('a TXT reason is cleaned for the reply: printable ASCII only, at most 200 characters', async () => {
  const [v] = await session(dnsblCheck(options()), { address: '127.0.0.6' });
  const text = replyOf(v)!;
  const reason = text.slice(text.indexOf('bl.test: ') + 'bl.test: '.length);
  assert.match(reason, /^bell and and "quotes"x+\.\.\.$/);
  assert.equal(reason.length, 200);
});

test('trusted, authenticated and allowlisted clients and allowlisted sender domains skip the blocklists', async () => {
  const check = dnsblCheck(options({ allowlist: allowlist({ networks: ['127.0.0.0/30'], domains: ['friend.example'] }) }));
  assert.equal(replyOf((await session(check, { address: '127.0.0.2' }))[0]), 'continue', 'allowlisted network');
  const plain = dnsblCheck(options({ allowlist: allowlist({ networks: [], domains: ['friend.example'] }) }));
  assert.equal(replyOf((await session(plain, { address: '127.0.0.2', sender: 'a@mail.FRIEND.example' }))[0]), 'continue', 'allowlisted sender domain (a subdomain)');
  assert.match(replyOf((await session(plain, { address: '127.0.0.2', sender: 'a@notfriend.example' }))[0]) ?? '', /^554 /, 'notfriend.example is not a subdomain of friend.example');
  assert.equal(replyOf((await session(plain, { address: '127.0.0.2', trusted: true }))[0]), 'continue', 'trusted');
  assert.equal(replyOf((await session(plain, { address: '127.0.0.2', authUser: 'alice' }))[0]), 'continue', 'authenticated');
});

test('RHSBL: the sender domain and the HELO name, each refused at RCPT naming what is listed', async () => {
  const check = rhsblCheck(options({ zones: [{ zone: 'dbl.test', codes: ['127.0.1.2-127.0.1.99'], weight: 1 }] }));
  assert.equal(replyOf((await session(check, { address: '127.0.0.99', sender: 'x@Spammer.Example' }))[0]), '554 5.7.1 Service unavailable; sender domain spammer.example blocked using dbl.test: Spam domain');
  assert.equal(replyOf((await session(check, { address: '127.0.0.99', helo: 'bad-helo.example' }))[0]), '554 5.7.1 Service unavailable; HELO name bad-helo.example blocked using dbl.test');
  assert.equal(replyOf((await session(check, { address: '127.0.0.99', helo: '[127.0.0.99]', sender: '' }))[0]), 'continue', 'an address literal and the null sender are not asked about');
  assert.equal(replyOf((await session(check, { address: '127.0.0.99', sender: 'x@spammer.example', recipients: ['postmaster@example.test'] }))[0]), 'continue');
});

test('RHSBL: a HELO name too long to ask with the zone appended passes, and is not blamed on the zone', async () => {
  const { logger, lines } = capturingLogger();
  const check = rhsblCheck(options({ logger, zones: [{ zone: 'dbl.test', codes: [], weight: 1 }] }));
  const helo = `${Array.from({ length: 4 }, () => 'a'.repeat(60)).join('.')}.example`;
  assert.equal(replyOf((await session(check, { address: '127.0.0.99', helo }))[0]), 'continue');
  assert.deepEqual(lines, []);
});
