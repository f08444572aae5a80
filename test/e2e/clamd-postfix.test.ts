// A real Postfix relaying into Postern while Postern's clamd is down: Postern answers 451 4.7.0
// at end of data, Postfix keeps the message deferred with that reason, and once clamd is back
// Postfix's next attempt is accepted and the message reaches the sink, once.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startClamd, type TestClamd } from '../helpers/clamd.ts';
import { postfixUnavailable, startPostfix, type PostfixInstance } from '../helpers/postfix-instance.ts';
import { freePort, startPostern, tempDir, writeConfig, type RunningPostern } from '../helpers/postern-process.ts';
import { sendWithSmtplib } from '../helpers/smtp-send.ts';
import { startSink, type TestSink } from '../helpers/smtp-sink.ts';

const skip = postfixUnavailable();
const SINK = '127.0.0.49';
const cleanups: Array<() => unknown> = [];
let clamd: TestClamd;
let sink: TestSink;
let upstream: PostfixInstance;
let upstreamPort: number;
let postern: RunningPostern;

before(async () => {
  if (skip) return;
  const dir = tempDir('postern-clamd-postfix-');
  cleanups.push(() => dir.remove());
  chmodSync(dir.path, 0o755);
  clamd = await startClamd({ after: (fn) => cleanups.push(fn) });
  sink = await startSink(SINK, await freePort(SINK));
  cleanups.push(() => sink.close());
  const posternPort = await freePort();
  postern = await startPostern(
    writeConfig(
      dir.path,
      `hostname: mx.example.test
dataDir: var
log: { format: json }
smtp: { listeners: [ { address: 127.0.0.1, port: ${posternPort} } ] }
domains: [ example.test ]
routes: { example.test: { type: smtp, host: ${SINK}, port: ${sink.port} } }
content:
  clamav: { address: "${clamd.address}", timeout: 10s }
`,
    ),
  );
  cleanups.push(() => postern.stop());
  upstreamPort = await freePort();
  upstream = await startPostfix({
    home: join(dir.path, 'upstream'),
    port: upstreamPort,
    main: { myhostname: 'up-postfix.test', smtpd_peername_lookup: 'no', relayhost: `[127.0.0.1]:${posternPort}` },
  });
  cleanups.push(() => upstream.stop());
});

after(async () => {
  for (const fn of cleanups.reverse()) await fn();
});

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, ms = 60_000): Promise<T> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    const value = await probe();
    if (value !== undefined) return value;
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('Postfix → Postern with clamd stopped: deferred on 451 4.7.0, delivered once clamd is back and Postfix retries', { skip }, async () => {
  await clamd.stop();
  const body = 'From: carol@up-postfix.test\r\nTo: bob@example.test\r\nSubject: relayed while the scanner was down\r\n\r\nhello through two MTAs\r\n';
  const [sent] = await sendWithSmtplib(upstreamPort, [{ from: 'carol@up-postfix.test', to: ['bob@example.test'], body }]);
  assert.equal(sent!.code, 250, sent!.reply);

  const deferred = await until(() => upstream.queue().find((m) => m.recipients.some((r) => /4\.7\.0/.test(r.delay_reason ?? ''))), 'Postfix to defer on 4.7.0');
  assert.equal(deferred.queue_name, 'deferred');
  assert.match(deferred.recipients[0]!.delay_reason!, /said: 451 4\.7\.0 /);
  assert.equal((await sink.received()).length, 0);

  await clamd.start();
  const flushed = spawnSync('postqueue', ['-c', upstream.config, '-i', deferred.queue_id], { encoding: 'utf8' });
  assert.equal(flushed.status, 0, flushed.stderr);
  const [arrived] = await until(async () => {
    const received = await sink.received();
    return received.length > 0 ? received : undefined;
  }, 'the message at the sink');
  assert.match(arrived!.body, /Subject: relayed while the scanner was down\r\n/);
  assert.match(arrived!.body, /hello through two MTAs/);
  await until(() => (upstream.queue().length === 0 ? true : undefined), "Postfix's queue to empty");
  assert.equal((await sink.received()).length, 1, 'delivered once');
});
