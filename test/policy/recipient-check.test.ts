// The RCPT check and the commit-time expansion with a users-file directory: our domains only,
// the postmaster exempt, unknown 550 5.1.1 and the harvest counter, ORCPT and de-duplication.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { openDirectory, type Directory } from '../../src/directory/directory.ts';
import { silentLogger } from '../../src/log/logger.ts';
import type { RcptContext, Verdict } from '../../src/policy/check.ts';
import { recipientCheck } from '../../src/policy/recipient-check.ts';
import { envelopeExpander } from '../../src/policy/recipient-expansion.ts';
import type { Envelope } from '../../src/queue/envelope.ts';
import { tempDir } from '../helpers/postern-process.ts';

function fileDirectory(t: { after(fn: () => unknown): void }): Directory {
  const dir = tempDir();
  t.after(dir.remove);
  const users = join(dir.path, 'users.yaml');
  writeFileSync(
    users,
    `users:
  alice@example.test: { aliases: [ a.smith@example.test ], mailHost: 10.0.0.26 }
  bob@example.test: {}
groups:
  team@example.test: [ alice@example.test, bob@example.test, friend@partner.example ]
`,
  );
  const config = parseConfig(`directory: { backends: [ { type: file, path: ${users} } ] }\n`, join(dir.path, 'postern.yaml'));
  return openDirectory(config.directory, { configFile: config.configFile, logger: silentLogger() })!;
}

const rcptContext = (address: string, results = new Map<string, unknown>()): RcptContext => ({
  client: { address: '192.0.2.1', port: 40000, listener: 'mta' },
  trusted: false,
  results,
  sender: 'x@remote.example',
  params: { body: '7bit', smtputf8: false, requireTls: false },
  recipient: { address },
  accepted: [],
});

test('RCPT: users, aliases and groups of our domains go on; unknown 550 5.1.1; other domains and the postmaster are not looked up', async (t) => {
  const check = recipientCheck({ domains: ['example.test'], directory: fileDirectory(t), expansion: { maxDepth: 8, maxRecipients: 10 }, harvest: { delayAfter: 5, delayMs: 1, maxDelayMs: 1, disconnectAfter: 9 } });
  const answer = (address: string) => check.rcpt!(rcptContext(address)) as Promise<Verdict>;
  for (const address of ['alice@example.test', 'a.smith@EXAMPLE.test', 'team@example.test', 'anyone@remote.example', 'postmaster@example.test', 'Postmaster']) {
    assert.deepEqual(await answer(address), { kind: 'continue' }, address);
  }
  assert.deepEqual(await answer('nobody@example.test'), { kind: 'reject', code: 550, enhanced: '5.1.1', text: '<nobody@example.test>: Recipient address rejected: User unknown' });
});

test('the harvest counter lives as long as the session: full speed, then slowed, then 421', async (t) => {
  const check = recipientCheck({ domains: ['example.test'], directory: fileDirectory(t), expansion: { maxDepth: 8, maxRecipients: 10 }, harvest: { delayAfter: 1, delayMs: 40, maxDelayMs: 60, disconnectAfter: 4 } });
  const session = new Map<string, unknown>();
  const timed = async (address: string) => {
    const started = Date.now();
    const verdict = (await check.rcpt!(rcptContext(address, session))) as Verdict;
    return { code: verdict.kind === 'reject' || verdict.kind === 'defer' ? verdict.code : 250, ms: Date.now() - started };
  };
  const answers = [await timed('u1@example.test'), await timed('alice@example.test'), await timed('u2@example.test'), await timed('u3@example.test'), await timed('u4@example.test')];
  assert.deepEqual(answers.map((a) => a.code), [550, 250, 550, 550, 421]);
  assert.ok(answers[0]!.ms < 40 && answers[2]!.ms >= 40 && answers[3]!.ms >= 60, JSON.stringify(answers));
  assert.equal(((await check.rcpt!(rcptContext('u5@example.test'))) as Verdict & { code: number }).code, 550, 'a new session starts again');
});

test('before the commit: recipients expanded, routed, kept once, the given address as ORCPT; other domains untouched', async (t) => {
  const expand = envelopeExpander({ domains: ['example.test'], directory: fileDirectory(t), expansion: { maxDepth: 8, maxRecipients: 10 }, logger: silentLogger() });
  const envelope: Envelope = {
    sender: 'x@remote.example',
    recipients: [{ address: 'bob@example.test', notify: ['failure'] }, { address: 'team@example.test', notify: ['success'] }, { address: 'a.smith@example.test' }, { address: 'carol@remote.example' }, { address: 'postmaster@example.test' }],
    body: '7bit',
    smtputf8: false,
    requireTls: false,
    client: { address: '192.0.2.1', port: 40000, helo: 'client.example.org', listener: 'mta' },
    receivedAt: 1_000,
  };
  assert.deepEqual((await expand(envelope)).recipients, [
    { address: 'bob@example.test', notify: ['failure'] },
    { address: 'alice@example.test', notify: ['success'], orcpt: { type: 'rfc822', address: 'team@example.test' }, relayHost: '10.0.0.26' },
    { address: 'friend@partner.example', notify: ['success'], orcpt: { type: 'rfc822', address: 'team@example.test' } },
    { address: 'carol@remote.example' },
    { address: 'postmaster@example.test' },
  ]);
});
