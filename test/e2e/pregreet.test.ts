// Early talkers (postscreen's pregreet test): a client that sends before the 220 greeting is
// refused with 554 5.5.1 and disconnected; one that waits, as every real MTA does, is served.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../../src/log/logger.ts';
import type { SmtpCheck } from '../../src/policy/check.ts';
import { networkMatcher } from '../../src/policy/networks.ts';
import { relayCheck } from '../../src/policy/relay.ts';
import { Spool } from '../../src/queue/spool.ts';
import { startSmtpServer } from '../../src/smtp/server/server.ts';
import { freePort, startPostern, tempDir, writeConfig } from '../helpers/postern-process.ts';
import { scratchDir } from '../helpers/scratch-dirs.ts';
import { wireClient } from '../helpers/smtp-wire.ts';

const REFUSED = '554 5.5.1 Protocol error: talked before the greeting\r\n';

test('policy.greetDelay: talking during the wait is refused and logged; swaks, which waits, delivers', async (t) => {
  const dir = tempDir();
  t.after(dir.remove);
  const port = await freePort();
  const config = writeConfig(
    dir.path,
    `hostname: mx.example.test
dataDir: var
log: { format: json }
smtp: { listeners: [ { address: 127.0.0.1, port: ${port} } ] }
domains: [ example.test ]
policy: { greetDelay: 1s }
routes: { example.test: { type: maildir, path: mail } }
`,
  );
  const postern = await startPostern(config);
  t.after(() => postern.stop());

  const early = await wireClient(port);
  early.send('EHLO early.example\r\nMAIL FROM:<a@elsewhere.example>\r\n');
  assert.equal(await early.reply(3000), REFUSED, 'the refusal is the only reply');
  await early.closed;
  assert.equal(early.unread(), '');
  const logged = await postern.waitForLog((l) => l.msg === 'refused' && l.check === 'pregreet');
  assert.deepEqual([logged.client, logged.reply, logged.sent], ['127.0.0.1', REFUSED.trim(), 'EHLO early.example\r\nMAIL FROM:<a@elsewhere.example>\r\n']);

  const started = Date.now();
  const swaks = spawnSync('swaks', ['--server', '127.0.0.1', '--port', String(port), '--helo', 'patient.example', '--from', 'a@elsewhere.example', '--to', 'bob@example.test'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(swaks.status, 0, swaks.stdout);
  assert.match(swaks.stdout, /<- {2}250 2\.0\.0 Ok: queued as /);
  assert.ok(Date.now() - started >= 950, 'the greeting waited the delay');
});

test('greetDelay 0: what arrives while the connect checks run counts; without the option the engine reads it after the greeting', async (t) => {
  const spool = await Spool.open({ dir: join(await scratchDir(), 'queue'), minFreeBytes: 0, logger: silentLogger() });
  t.after(() => spool.close());
  const slowConnect: SmtpCheck = { name: 'slow', connect: async () => (await new Promise((r) => setTimeout(r, 300)), { kind: 'continue' }) };
  const options = {
    hostname: 'mx.example.test',
    listeners: [{ address: '127.0.0.1', port: 0, role: 'mta' as const }],
    limits: { maxMessageSize: 1_000_000, maxRecipients: 10, maxErrors: 10, commandTimeoutMs: 5000, dataTimeoutMs: 5000, sessionTimeoutMs: 30_000, maxConnections: 10, maxConnectionsPerClient: 10, maxLineLength: 2048 },
    bareLineEndings: 'normalize' as const,
    isTrusted: networkMatcher([]),
    checks: [slowConnect, relayCheck({ domains: ['example.test'] })],
    sink: spool,
    logger: silentLogger(),
  };
  const strict = await startSmtpServer({ ...options, greetDelayMs: 0 });
  const lenient = await startSmtpServer(options);
  t.after(() => Promise.all([strict.close(0), lenient.close(0)]));

  const early = await wireClient(strict.endpoints[0]!.port);
  early.send('NOOP\r\n');
  assert.equal(await early.reply(), REFUSED);
  await early.closed;

  const patient = await wireClient(strict.endpoints[0]!.port);
  assert.match(await patient.reply(), /^220 /);
  patient.send('NOOP\r\n');
  assert.equal(await patient.code(), '250 2.0.0');
  patient.close();

  const tolerated = await wireClient(lenient.endpoints[0]!.port);
  tolerated.send('NOOP\r\n');
  assert.match(await tolerated.reply(), /^220 /);
  assert.equal(await tolerated.code(), '250 2.0.0');
  tolerated.close();
});
