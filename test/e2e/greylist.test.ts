// `postern start` with greylisting (RFC 6647): clients on 127.0.x.y send with Python's smtplib;
// the first try of a triplet gets 451 4.7.1, a retry after the delay passes and is delivered.
// And a real Postfix upstream: deferred by the 451, it retries on its own and the mail arrives.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, startPostern, tempDir, writeConfig, type RunningPostern } from '../helpers/postern-process.ts';
import { postfixUnavailable, startPostfix, type PostfixInstance } from '../helpers/postfix-instance.ts';
import { sendWithSmtplib, type SendResult } from '../helpers/smtp-send.ts';

const skipPostfix = postfixUnavailable();
const UPSTREAM = '127.0.0.63';

let dir: { path: string; remove: () => void };
let postern: RunningPostern;
let upstream: PostfixInstance | undefined;
let smtpPort: number;

before(async () => {
  dir = tempDir();
  chmodSync(dir.path, 0o755);
  smtpPort = await freePort();
  const config = writeConfig(
    dir.path,
    `hostname: mx.example.test
dataDir: var
log: { format: json }
smtp: { listeners: [ { address: 127.0.0.1, port: ${smtpPort} } ] }
domains: [ example.test ]
relay: { networks: [ 127.0.5.0/24 ] }
routes: { example.test: { type: maildir, path: mail } }
policy:
  greylist: { enabled: true, delay: 1s, window: 1h }
`,
  );
  postern = await startPostern(config);
  if (skipPostfix) return;
  // Its smtp client speaks from UPSTREAM; deferred mail is retried every second.
  upstream = await startPostfix({
    home: join(dir.path, 'upstream'),
    address: UPSTREAM,
    port: await freePort(UPSTREAM),
    main: {
      myhostname: 'up-postfix.test',
      smtpd_peername_lookup: 'no',
      relayhost: `[127.0.0.1]:${smtpPort}`,
      smtp_bind_address: UPSTREAM,
      queue_run_delay: '1s',
      minimal_backoff_time: '1s',
      maximal_backoff_time: '2s',
    },
    services: ['pickup unix n - n 60 1 pickup'],
  });
});

after(async () => {
  try {
    await postern.stop();
    await upstream?.stop();
  } finally {
    dir.remove();
  }
});

async function send(source: string, to = 'user@example.test', from = 'sender@outside.example'): Promise<SendResult> {
  const [result] = await sendWithSmtplib(smtpPort, [{ from, to: [to], body: `Subject: from ${source}\r\n\r\nhello\r\n` }], 1, { source });
  return result!;
}

test('first try 451 4.7.1; after the delay the retry passes, and so does the next host of the same /24; another /24 is greylisted', async () => {
  const first = await send('127.0.0.2');
  assert.equal(first.code, 451);
  assert.equal(first.reply, '4.7.1 Greylisted, try again in 1 seconds');
  assert.ok(existsSync(join(dir.path, 'var', 'greylist.db')), 'the triplets are in <dataDir>/greylist.db');
  const line = await postern.waitForLog((l) => l.msg === 'refused' && l.check === 'greylist');
  assert.equal(line.client, '127.0.0.2');
  await new Promise((r) => setTimeout(r, 1100));
  const retry = await send('127.0.0.2');
  assert.equal(retry.code, 250, retry.reply);
  assert.equal((await send('127.0.0.3')).code, 250, 'another host of the same /24 is the same triplet');
  assert.equal((await send('127.0.1.2')).code, 451, 'another /24 is greylisted anew');
});

test('trusted clients and mail to the postmaster are never greylisted', async () => {
  const [trusted, postmaster] = await Promise.all([send('127.0.5.1', 'user@example.test', 'new@outside.example'), send('127.0.2.2', 'postmaster@example.test', 'new@outside.example')]);
  assert.equal(trusted.code, 250, trusted.reply);
  assert.equal(postmaster.code, 250, postmaster.reply);
});

test('a real Postfix upstream, deferred with 451 4.7.1, retries by itself and the mail arrives', { skip: skipPostfix }, async () => {
  const body = 'From: erin@up-postfix.test\nTo: frank@example.test\nSubject: greylist-postfix\n\nretried\n';
  const sent = spawnSync('sendmail', ['-C', upstream!.config, '-f', 'erin@up-postfix.test', '-i', '--', 'frank@example.test'], { input: body, encoding: 'utf8', timeout: 15_000 });
  assert.equal(sent.status, 0, sent.stderr);
  const folder = join(dir.path, 'mail', 'frank', 'new');
  for (const deadline = Date.now() + 30_000; !(existsSync(folder) && readdirSync(folder).length > 0) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 200));
  const log = upstream!.log();
  assert.ok(existsSync(folder) && readdirSync(folder).length === 1, `not delivered to Postern's Maildir; Postfix's log:\n${log}`);
  assert.match(log, /to=<frank@example\.test>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:\d+, .*status=deferred \(host 127\.0\.0\.1\[127\.0\.0\.1\] said: 451 4\.7\.1 Greylisted, try again in \d+ seconds/);
  for (const deadline = Date.now() + 10_000; !/to=<frank@example\.test>.*status=sent/.test(upstream!.log()) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 200));
  assert.match(upstream!.log(), /to=<frank@example\.test>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:\d+, .*status=sent \(250 2\.0\.0 Ok: queued as \w+\)/);
  const refused = postern.logs.find((l) => l.msg === 'refused' && l.check === 'greylist' && l.client === UPSTREAM);
  assert.ok(refused, 'Postern logged the greylisting of the Postfix client');
});
