// content.clamav, content.quarantine, content.notify and content.copyPostmaster: defaults, and
// errors that name the key and the fix.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { problemsOf } from '../helpers/config-problems.ts';
import { scratchDir } from '../helpers/scratch-dirs.ts';

const BASE = 'hostname: mx.example.test\n';

test('defaults: no scanner, 30 days of quarantine, both audiences notified, the postmaster sent the message', () => {
  const { content } = parseConfig(BASE, '/etc/postern/postern.yaml');
  assert.equal(content.clamav, undefined);
  assert.equal(content.quarantine.retention, 30 * 24 * 3600 * 1000);
  assert.deepEqual({ recipient: content.notify.recipient, sender: content.notify.sender, templates: content.notify.templates }, { recipient: true, sender: true, templates: {} });
  assert.deepEqual(content.copyPostmaster, { send: 'message' });
});

test('content.clamav: TCP, [IPv6]:port or a socket path, with its defaults', () => {
  const tcp = parseConfig(`${BASE}content: { clamav: { address: "127.0.0.1:3310" } }\n`, '/etc/postern/postern.yaml').content.clamav;
  assert.deepEqual(tcp, { address: { host: '127.0.0.1', port: 3310 }, timeout: 30_000, maxParallel: 4, failOpen: false });
  assert.deepEqual(parseConfig(`${BASE}content: { clamav: { address: "[::1]:3310", failOpen: true } }\n`, '/x.yaml').content.clamav?.address, { host: '::1', port: 3310 });
  assert.deepEqual(parseConfig(`${BASE}content: { clamav: { address: /run/clamav/clamd.ctl } }\n`, '/x.yaml').content.clamav?.address, { path: '/run/clamav/clamd.ctl' });
});

test('content.clamav errors name the key and the fix', () => {
  assert.deepEqual(problemsOf(`${BASE}content: { clamav: { address: clamd.sock } }\n`), [
    'content.clamav.address: expected "host:port" (e.g. "127.0.0.1:3310") or an absolute unix socket path (e.g. "/run/clamav/clamd.ctl"), got "clamd.sock"',
  ]);
  assert.match(problemsOf(`${BASE}content: { clamav: { address: "127.0.0.1:3310", maxParallel: 0 } }\n`)[0]!, /^content\.clamav\.maxParallel: expected a whole number of at least 1/);
  assert.match(problemsOf(`${BASE}content: { clamav: { address: "127.0.0.1:3310", timeout: soon } }\n`)[0]!, /^content\.clamav\.timeout: expected a duration/);
  assert.match(problemsOf(`${BASE}content: { quarantine: { retention: forever } }\n`)[0]!, /^content\.quarantine\.retention: expected a duration like 30s, 5m, 4h or 5d/);
});

test('notice templates: inline or from a file next to the configuration, checked at load', async () => {
  const dir = await scratchDir();
  writeFileSync(join(dir, 'sender.txt'), 'Subject: About {subject}\n\nRule {rule}: {reason}\n');
  const config = parseConfig(`${BASE}content: { notify: { templates: { sender: { file: sender.txt }, recipient: "Subject: Hi\\n\\nx {action}" } } }\n`, join(dir, 'postern.yaml'));
  assert.deepEqual(config.content.notify.templates.sender, { subject: 'About {subject}', body: 'Rule {rule}: {reason}\r\n' });
  assert.deepEqual(config.content.notify.templates.recipient, { subject: 'Hi', body: 'x {action}' });
  assert.deepEqual(problemsOf(`${BASE}content: { notify: { templates: { recipient: "Subject: Hi\\n\\nfor {recipent}" } } }\n`), [
    'content.notify.templates.recipient: unknown placeholder {recipent}; a template may use {sender}, {recipients}, {subject}, {rule}, {reason}, {action}, {date}, {hostname}',
  ]);
  assert.deepEqual(problemsOf(`${BASE}content: { notify: { templates: { recipient: "no subject here" } } }\n`), [
    'content.notify.templates.recipient: a template starts with a "Subject: ..." line and a blank line, then the body',
  ]);
  assert.match(problemsOf(`${BASE}content: { notify: { templates: { sender: { file: missing.txt } } } }\n`)[0]!, /^content\.notify\.templates\.sender: cannot read the template \/etc\/postern\/missing\.txt: ENOENT; give an existing file or the text inline$/);
  assert.match(problemsOf(`${BASE}content: { copyPostmaster: { send: everything } }\n`)[0]!, /^content\.copyPostmaster\.send: expected one of message, notice/);
});
