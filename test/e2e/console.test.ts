// The web console in headless Chromium (Debian's, driven by playwright-core) against a real
// Postern: a deferred message shows with its reason; a subject and an attachment name carrying
// script stay text; screenshots are kept in test-artifacts/console/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildConsole } from '../../scripts/build-console.ts';
import { startAdminFixture, TOKEN, type AdminFixture } from '../admin/admin-fixture.ts';
import { attachment, message, multipart, PDF, textPart } from '../content/messages.ts';
import { sendWithSmtplib } from '../helpers/smtp-send.ts';

const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts/console');

let f: AdminFixture;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  await buildConsole();
  f = await startAdminFixture();
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('dialog', (dialog) => void dialog.accept());
});

after(async () => {
  await browser?.close();
  await f?.close();
});

/** Opens the console afresh and signs in (the token lives in this tab's sessionStorage). */
async function signIn(): Promise<void> {
  await page.goto(`${f.adminUrl}/`);
  await page.evaluate(() => sessionStorage.clear());
  await page.reload();
  await page.fill('input[name=token]', TOKEN);
  await page.click('button[type=submit]');
  await page.waitForSelector('nav');
}

async function queuedId(reply: string): Promise<string> {
  return /queued as (\S+)/.exec(reply)![1]!;
}

test('a wrong token is refused and the sign-in form comes back', async () => {
  await page.goto(`${f.adminUrl}/`);
  await page.fill('input[name=token]', 'not-the-token-at-all');
  await page.click('button[type=submit]');
  await page.waitForSelector('form.sign-in .error');
  assert.match(await page.textContent('form.sign-in .error') ?? '', /token was not accepted/);
});

test('the console shows a deferred message with its reason', async () => {
  const [sent] = await sendWithSmtplib(f.smtpPort, [{ from: 'alice@example.org', to: ['bob@down.test'], body: 'Subject: waiting\r\n\r\nhello\r\n' }]);
  const id = await queuedId(sent!.reply);
  await f.postern.waitForLog((l) => l.msg === 'delivery' && l.queueId === id && l.status === 'deferred');
  await signIn();
  await page.selectOption('select[name=status]', 'deferred');
  await page.fill('input[name=domain]', 'down.test');
  await page.click('form.filters button[type=submit]');
  const row = page.locator(`tr[data-id="${id}"]`);
  await row.waitFor();
  assert.equal(await row.locator('td.state').textContent(), 'deferred');
  assert.match((await row.locator('td.reason').textContent()) ?? '', /connect to 127\.0\.0\.72\[127\.0\.0\.72\]:\d+: Connection refused/);
  assert.match((await row.textContent()) ?? '', /bob@down\.test/);
  await page.screenshot({ path: join(ARTIFACTS, 'queue-deferred.png'), fullPage: true });
});

test('script in a subject and in an attachment name is shown as text and never runs', async () => {
  const subject = '<img src=x onerror="window.__xss=\'subject\'"><script>window.__xss=\'subject-script\'</script>';
  const filename = '<img src=y onerror="window.__xss=\'file\'">.pdf';
  const body = message(multipart([textPart('hello'), attachment(PDF, 'application/pdf', `filename="${filename.replace(/"/g, '\\"')}"`)]), subject);
  const [sent] = await sendWithSmtplib(f.smtpPort, [{ from: 'mallory@example.org', to: ['victim@down.test'], body }]);
  const id = await queuedId(sent!.reply);
  await f.postern.waitForLog((l) => l.msg === 'delivery' && l.queueId === id && l.status === 'deferred');
  await signIn();
  await page.click('form.filters button[type=submit]');
  await page.locator(`tr[data-id="${id}"] button.link`).click();
  await page.waitForSelector('#queue-details .subject');
  assert.equal(await page.textContent('#queue-details .subject'), subject);
  assert.equal(await page.textContent('#queue-details .filename'), filename);
  assert.equal(await page.locator('#queue-details img, #queue-details script').count(), 0);
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => (window as unknown as { __xss?: string }).__xss), undefined);
  assert.deepEqual(pageErrors, []);
  await page.screenshot({ path: join(ARTIFACTS, 'queue-xss-inert.png'), fullPage: true });
});

test('the delivery log and the activity charts show what happened', async () => {
  await sendWithSmtplib(f.smtpPort, [{ from: 'alice@example.org', to: ['carol@up.test'], body: 'Subject: fine\r\n\r\nhello\r\n' }]);
  await f.postern.waitForLog((l) => l.msg === 'delivery' && l.to === 'carol@up.test' && l.status === 'sent');
  await signIn();
  await page.click('nav a[href="#deliveries"]');
  await page.fill('input[name=q]', 'carol@up.test');
  await page.click('form.filters button[type=submit]');
  await page.waitForSelector('table.deliveries td.state.sent');
  await page.screenshot({ path: join(ARTIFACTS, 'deliveries.png'), fullPage: true });
  await page.click('nav a[href="#activity"]');
  await page.waitForSelector('svg.chart circle.series-delivered');
  const legend = (await page.textContent('figure.chart-box .legend')) ?? '';
  assert.match(legend, /delivered: \d+ in the last minute, [1-9]\d* in the hour/);
  await page.screenshot({ path: join(ARTIFACTS, 'activity.png'), fullPage: true });
});
