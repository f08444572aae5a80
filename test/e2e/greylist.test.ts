// `postern start` with greylisting (RFC 6647): clients on 127.0.x.y send with Python's smtplib;
// the first try of a triplet gets 451 4.7.1, a retry after the delay passes and is delivered.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, startPostern, tempDir, writeConfig, type RunningPostern } from '../helpers/postern-process.ts';
import { sendWithSmtplib, type SendResult } from '../helpers/smtp-send.ts';

let dir: { path: string; remove: () => void };
let postern: RunningPostern;
let smtpPort: number;

before(async () => {
  dir = tempDir();
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
});

after(async () => {
  await postern.stop();
  dir.remove();
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
