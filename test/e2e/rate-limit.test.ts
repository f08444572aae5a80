// policy.rateLimits on the real `postern start`: clients on different 127.0.0.x addresses, so
// each limit is met by its own client; relay.networks (127.0.0.200) is exempt.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { hashPassword } from '../../src/directory/password-hash.ts';
import { freePort, startPostern, tempDir, writeConfig, type RunningPostern } from '../helpers/postern-process.ts';
import { sendWithSmtplib } from '../helpers/smtp-send.ts';
import { wireClient, type WireClient } from '../helpers/smtp-wire.ts';

let dir: { path: string; remove: () => void };
let postern: RunningPostern;
let port: number;

before(async () => {
  dir = tempDir();
  port = await freePort();
  const config = writeConfig(
    dir.path,
    `hostname: mx.example.test
dataDir: var
log: { format: json }
smtp: { listeners: [ { address: 127.0.0.1, port: ${port} } ], auth: { allowPlaintext: true, onMta: true } }   # AUTH without TLS: this test is about counting
directory: { backends: [ { type: file, path: users.yaml } ] }
domains: [ example.test ]
relay: { networks: [ 127.0.0.200/32 ] }
policy: { rateLimits: { client: { connectionsPerMinute: 3, messagesPerHour: 2, recipientsPerHour: 3 }, user: { messagesPerHour: 1 } } }
routes: { example.test: { type: maildir, path: mail } }
`,
  );
  const hash = await hashPassword('s3cret');
  writeFileSync(join(dir.path, 'users.yaml'), `users:\n${['alice', 'bob', 'a', 'b', 'c', 'd'].map((u) => `  ${u}@example.test: { password: "${hash}" }\n`).join('')}`);
  postern = await startPostern(config);
});

after(async () => {
  await postern.stop();
  dir.remove();
});

async function connectFrom(localAddress: string): Promise<{ client: WireClient; greeting: string }> {
  const client = await wireClient(port, '127.0.0.1', localAddress);
  return { client, greeting: await client.reply() };
}

test('connections per minute: the fourth from one address gets 421 4.7.0 and is closed; other addresses and trusted ones are not affected', async () => {
  const open: WireClient[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const { client, greeting } = await connectFrom('127.0.0.3');
      open.push(client);
      assert.match(greeting, /^220 /);
    }
    const { client: fourth, greeting } = await connectFrom('127.0.0.3');
    assert.equal(greeting, '421 4.7.0 Error: too many connections from 127.0.0.3; try again later\r\n');
    await fourth.closed;
    const logged = await postern.waitForLog((l) => l.msg === 'refused' && l.check === 'rate-limit' && l.client === '127.0.0.3');
    assert.match(String(logged.reply), /^421 4\.7\.0 /);
    const other = await connectFrom('127.0.0.7');
    open.push(other.client);
    assert.match(other.greeting, /^220 /);
    for (let i = 0; i < 5; i++) {
      const trusted = await connectFrom('127.0.0.200');
      open.push(trusted.client);
      assert.match(trusted.greeting, /^220 /, 'relay.networks are exempt');
    }
  } finally {
    for (const c of open) c.close();
  }
});

test('messages per hour: the third MAIL from one address gets 451 4.7.1 (smtplib)', async () => {
  const message = (n: number) => ({ from: 'friend@elsewhere.example', to: ['bob@example.test'], body: `Subject: rate ${n}\r\n\r\nhello\r\n` });
  const results = await sendWithSmtplib(port, [message(1), message(2), message(3)]);
  assert.deepEqual(results.map((r) => r.code), [250, 250, 451]);
  assert.equal(results[2]!.reply, '4.7.1 Error: too many messages from 127.0.0.1; try again later');
});

test('recipients per hour: the fourth RCPT from one address gets 451 4.7.1', async () => {
  const { client, greeting } = await connectFrom('127.0.0.4');
  try {
    assert.match(greeting, /^220 /);
    client.send('EHLO client.elsewhere.example\r\n');
    await client.reply();
    client.send('MAIL FROM:<friend@elsewhere.example>\r\n');
    assert.equal(await client.code(), '250 2.1.0');
    const codes: string[] = [];
    for (const to of ['a', 'b', 'c', 'd']) {
      client.send(`RCPT TO:<${to}@example.test>\r\n`);
      codes.push(await client.code());
    }
    assert.deepEqual(codes, ['250 2.1.5', '250 2.1.5', '250 2.1.5', '451 4.7.1']);
  } finally {
    client.close();
  }
});

test('per user: after AUTH the user\'s own count applies (smtplib)', async () => {
  const message = (n: number) => ({ from: 'alice@example.test', to: ['bob@example.test'], body: `Subject: user rate ${n}\r\n\r\nhello\r\n` });
  const results = await sendWithSmtplib(port, [message(1), message(2)], 1, { login: ['alice@example.test', 's3cret'] });
  assert.deepEqual(results.map((r) => r.code), [250, 451]);
  assert.equal(results[1]!.reply, '4.7.1 Error: too many messages from user alice@example.test; try again later');
  const logged = await postern.waitForLog((l) => l.msg === 'refused' && l.check === 'rate-limit' && l.user === 'alice@example.test');
  assert.equal(logged.reply, '451 4.7.1 Error: too many messages from user alice@example.test; try again later');
});
