// Quarantine review in the web console (headless Chromium against a real Postern whose content
// rule quarantines): the list and the preview keep hostile markup inert, and releasing the
// message makes it arrive at the destination's sink. Screenshots in test-artifacts/console/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildConsole } from '../../scripts/build-console.ts';
import { startAdminFixture, TOKEN, type AdminFixture } from '../admin/admin-fixture.ts';
import { sendWithSmtplib } from '../helpers/smtp-send.ts';

const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts/console');
const SUBJECT = 'Invoice <img src=x onerror="window.__xss=1">';

let f: AdminFixture;
let browser: Browser;
let page: Page;
const remoteRequests: string[] = [];
const pageErrors: string[] = [];

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  await buildConsole();
  f = await startAdminFixture('content: { rules: [ { name: hold-invoices, match: { text: "pay-this-now" }, action: quarantine } ] }');
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('dialog', (dialog) => void dialog.accept());
  page.on('request', (request) => {
    if (!request.url().startsWith(f.adminUrl) && !request.url().startsWith('data:') && !request.url().startsWith('about:')) remoteRequests.push(request.url());
  });
});

after(async () => {
  await browser?.close();
  await f?.close();
});

const MESSAGE = [
  `Subject: ${SUBJECT}`,
  'From: billing@example.org',
  'MIME-Version: 1.0',
  'Content-Type: multipart/alternative; boundary="alt"',
  '',
  '--alt',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Please pay-this-now: <script>window.__xss=2</script>',
  '--alt',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<html><body><p>Please <b>pay-this-now</b></p><script>window.parent.__xss=3</script>',
  '<img src="http://127.0.0.1:9/tracker.gif"><a href="javascript:alert(1)">pay</a></body></html>',
  '--alt--',
  '',
].join('\r\n');

test('a quarantined message is previewed safely, released from the console, and arrives at the sink', async () => {
  const [sent] = await sendWithSmtplib(f.smtpPort, [{ from: 'billing@example.org', to: ['frank@up.test'], body: MESSAGE }]);
  assert.equal(sent!.code, 250, sent!.reply);
  const id = /queued as (\S+)/.exec(sent!.reply)![1]!;
  await f.postern.waitForLog((l) => l.msg === 'message quarantined' && l.queueId === id);
  assert.equal((await f.sink.received()).length, 0);
  assert.match(await (await f.api('/metrics')).text(), /^postern_messages_quarantined_total\{check="[^"]+"\} 1$/m);

  await page.goto(`${f.adminUrl}/#quarantine`);
  await page.fill('input[name=token]', TOKEN);
  await page.click('button[type=submit]');
  const row = page.locator(`table.quarantine tr[data-id="${id}"]`);
  await row.waitFor();
  assert.equal(await row.locator('td.subject').textContent(), SUBJECT);
  await row.locator('button.link').click();
  await page.waitForSelector('#quarantine-details pre.preview-text');
  assert.match((await page.textContent('#quarantine-details pre.preview-text')) ?? '', /Please pay-this-now: <script>window.__xss=2<\/script>/);
  const frame = page.frameLocator('#quarantine-details iframe.preview');
  await frame.locator('b').waitFor();
  assert.equal(await frame.locator('b').textContent(), 'pay-this-now');
  assert.equal(await frame.locator('script').count(), 0);
  assert.equal(await frame.locator('img[src^="http"]').count(), 0);
  assert.equal(await page.locator('#quarantine-details iframe.preview').getAttribute('sandbox'), '');
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
  assert.deepEqual(remoteRequests, []);
  assert.deepEqual(pageErrors, []);
  await page.screenshot({ path: join(ARTIFACTS, 'quarantine-preview.png'), fullPage: true });

  await page.click('#quarantine-details button.release');
  await page.waitForSelector('.notice.ok');
  assert.match((await page.textContent('.notice')) ?? '', /released/);
  const release = await f.postern.waitForLog((l) => l.msg === 'admin change' && l.action === 'quarantine release');
  assert.equal(release.actor, 'admin');
  assert.equal(release.target, id);
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((d) => setTimeout(d, 100))) {
    if ((await f.sink.received()).some((m) => m.body.includes('pay-this-now'))) break;
  }
  const arrived = (await f.sink.received()).filter((m) => m.body.includes('pay-this-now'));
  assert.equal(arrived.length, 1);
  assert.deepEqual(arrived[0]!.envelope.recipients.map((r) => r.address), ['frank@up.test']);
  assert.equal(await page.locator(`table.quarantine tr[data-id="${id}"]`).count(), 0);
  await page.screenshot({ path: join(ARTIFACTS, 'quarantine-released.png'), fullPage: true });
});
