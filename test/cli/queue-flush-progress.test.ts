// `postern queue flush` on a terminal (a pty from script(1)): a progress bar of the recipients
// tried, ending at all of them; piped, the one-line answer only.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { progressLine } from '../../src/cli/flush-progress.ts';
import { startAdminFixture, type AdminFixture } from '../admin/admin-fixture.ts';
import { POSTERN_BIN, runPosternAsync } from '../helpers/postern-process.ts';
import { sendWithSmtplib } from '../helpers/smtp-send.ts';

const MESSAGES = 300;
const RECIPIENTS = 4;
let f: AdminFixture;
let config: string;

before(async () => {
  f = await startAdminFixture();
  config = `${f.dataDir}/../postern.yaml`;
  const messages = Array.from({ length: MESSAGES }, (_, i) => ({
    from: 'bulk@example.org',
    to: Array.from({ length: RECIPIENTS }, (_, r) => `user${i}-${r}@down.test`),
    body: `Subject: bulk ${i}\r\n\r\nhello\r\n`,
  }));
  const results = await sendWithSmtplib(f.smtpPort, messages, 4);
  assert.equal(results.filter((r) => r.code === 250).length, MESSAGES);
  // Every first attempt fails (nothing listens for down.test): all deferred for an hour.
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((d) => setTimeout(d, 250))) {
    const counts = (await (await f.api('/api/counters')).json()) as { queue: { deferred: number } };
    if (counts.queue.deferred === MESSAGES * RECIPIENTS) break;
  }
});

after(async () => {
  await f.close();
});

test('the bar: filled in proportion, with counts and a percentage', () => {
  assert.equal(progressLine(0, 4000), `[${'.'.repeat(30)}] 0/4000 recipients tried (0%)`);
  assert.equal(progressLine(1200, 4000), `[${'#'.repeat(9)}${'.'.repeat(21)}] 1200/4000 recipients tried (30%)`);
  assert.equal(progressLine(0, 0), `[${'#'.repeat(30)}] 0/0 recipients tried (100%)`);
});

test('on a terminal, flush draws the bar up to every recipient tried', async () => {
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('script', ['-qec', `${process.execPath} ${POSTERN_BIN} queue flush --config ${config}`, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`exit ${code}: ${text}`))));
  });
  const total = MESSAGES * RECIPIENTS;
  assert.match(output, new RegExp(`${total} recipients scheduled for delivery now`));
  // The first look may come after the first attempts ended: the bar starts at what is left.
  assert.match(output, new RegExp(`^\\[[#.]{30}\\] \\d+/${total} recipients tried \\(\\d+%\\)\\r`, 'm'));
  assert.match(output, new RegExp(`\\r\\[#{30}\\] ${total}/${total} recipients tried \\(100%\\)`));
});

test('piped, flush answers its one line and draws nothing', async () => {
  const result = await runPosternAsync(['queue', 'flush', '--config', config]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /recipients scheduled for delivery now/);
  assert.doesNotMatch(result.stdout + result.stderr, /recipients tried/);
});
