// The running server deletes quarantined messages older than content.quarantine.retention on its
// own, and says so in its log; `postern quarantine list` then no longer shows them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freePort, runPosternAsync, startPostern, tempDir, writeConfig, type RunningPostern } from '../helpers/postern-process.ts';
import { sendWithSmtplib } from '../helpers/smtp-send.ts';

let dir: { path: string; remove: () => void };
let postern: RunningPostern;
let configFile: string;
let port: number;

before(async () => {
  dir = tempDir();
  port = await freePort();
  const closed = await freePort('127.0.0.53');
  configFile = writeConfig(
    dir.path,
    `hostname: mx.example.test
dataDir: var
log: { format: json }
smtp: { listeners: [ { address: 127.0.0.1, port: ${port} } ] }
domains: [ example.test ]
routes: { example.test: { type: smtp, host: 127.0.0.53, port: ${closed} } }
content:
  rules: [ { name: hold-all, match: { header: "^Subject: hold" }, action: quarantine } ]
  quarantine: { retention: 3s }
`,
  );
  postern = await startPostern(configFile);
});

after(async () => {
  await postern?.stop();
  dir?.remove();
});

test('a quarantined message is deleted by the running server once the retention has passed', async () => {
  const [r] = await sendWithSmtplib(port, [{ from: 'alice@sender.test', to: ['bob@example.test'], body: 'From: alice@sender.test\r\nTo: bob@example.test\r\nSubject: hold me\r\n\r\nbody\r\n' }]);
  assert.equal(r!.code, 250, r!.reply);
  const held = await postern.waitForLog((l) => l.msg === 'message quarantined');
  const expired = await postern.waitForLog((l) => l.msg === 'quarantine retention expired; message deleted', 30_000);
  assert.equal(typeof held.queueId, 'string');
  assert.equal(expired.queueId, held.queueId);
  assert.equal(expired.rule, 'hold-all');
  const list = await runPosternAsync(['quarantine', 'list', '--config', configFile]);
  assert.equal(list.status, 0, list.stderr);
  assert.equal(list.stdout, 'Quarantine is empty\n');
});
