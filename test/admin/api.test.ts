// The admin API of a running Postern: tokens, security headers, the queue with its filters and
// actions (logged with who acted), the delivery log, and /metrics moving as mail goes through.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { attachment, message, multipart, PDF, textPart } from '../content/messages.ts';
import { sendWithSmtplib } from '../helpers/smtp-send.ts';
import { READER_TOKEN, startAdminFixture, type AdminFixture } from './admin-fixture.ts';

let f: AdminFixture;
before(async () => {
  f = await startAdminFixture();
});
after(async () => {
  await f.close();
});

/** The value of one sample line of a Prometheus text exposition; 0 when it is not there yet. */
function sample(metrics: string, series: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('no token, a wrong token or a malformed header gets 401 on the API and /metrics; the right one gets in', async () => {
  for (const path of ['/api/queue', '/api/quarantine', '/api/deliveries', '/api/counters', '/metrics']) {
    const none = await fetch(`${f.adminUrl}${path}`);
    assert.equal(none.status, 401, `${path} without a token`);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    const wrong = await fetch(`${f.adminUrl}${path}`, { headers: { authorization: 'Bearer test-admin-token-0123456789abcdeX' } });
    assert.equal(wrong.status, 401, `${path} with a wrong token`);
    const basic = await fetch(`${f.adminUrl}${path}`, { headers: { authorization: `Basic ${Buffer.from('admin:x').toString('base64')}` } });
    assert.equal(basic.status, 401, `${path} with Basic credentials`);
    const prefix = await fetch(`${f.adminUrl}${path}`, { headers: { authorization: 'Bearer test-admin-token' } });
    assert.equal(prefix.status, 401, `${path} with a prefix of the token`);
    assert.equal((await f.api(path)).status, 200, `${path} with the token`);
    assert.equal((await f.api(path, { headers: { authorization: `Bearer ${READER_TOKEN}` } })).status, 200, `${path} with a named token`);
  }
  assert.ok(f.postern.logs.some((l) => l.msg === 'admin: request without a valid token refused' && l.client === '127.0.0.1'));
  // Other spellings of the same routes, and paths that match nothing, get no further without a token.
  for (const path of ['/%61pi/queue', '/api/%71ueue', '/API/queue', '//api/queue', '/api/queue/', '/metrics/', '/nothing-here']) {
    assert.equal((await fetch(`${f.adminUrl}${path}`)).status, 401, path);
  }
});

test('every answer carries the security headers; the console page needs no token', async () => {
  const page = await fetch(`${f.adminUrl}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  const csp = page.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  const refused = await fetch(`${f.adminUrl}/api/queue`);
  assert.equal(refused.headers.get('x-content-type-options'), 'nosniff');
  assert.equal((await fetch(`${f.adminUrl}/assets/..%2F..%2Fpackage.json`)).status, 404);
  assert.equal((await fetch(`${f.adminUrl}/assets/console.js`)).status, 200);
});

test('/metrics scraped before and after mail moves: sessions, accepted, deliveries by result and destination, queue sizes', async () => {
  const before = await (await f.api('/metrics')).text();
  const results = await sendWithSmtplib(f.smtpPort, [
    { from: 'alice@example.org', to: ['bob@up.test'], body: 'Subject: one\r\n\r\nfirst\r\n' },
    { from: 'alice@example.org', to: ['carol@down.test'], body: 'Subject: two\r\n\r\nsecond\r\n' },
  ]);
  assert.deepEqual(results.map((r) => r.code), [250, 250]);
  const after = await waitFor('both delivery attempts in /metrics', async () => {
    const text = await (await f.api('/metrics')).text();
    return sample(text, 'postern_delivery_attempts_total{result="deferred",destination="down.test"}') > sample(before, 'postern_delivery_attempts_total{result="deferred",destination="down.test"}') &&
      sample(text, 'postern_delivery_attempts_total{result="sent",destination="up.test"}') > sample(before, 'postern_delivery_attempts_total{result="sent",destination="up.test"}')
      ? text
      : undefined;
  });
  assert.equal(sample(after, 'postern_messages_accepted_total') - sample(before, 'postern_messages_accepted_total'), 2);
  assert.equal(sample(after, 'postern_smtp_sessions_total{listener="mta"}') - sample(before, 'postern_smtp_sessions_total{listener="mta"}'), 1);
  assert.ok(sample(after, 'postern_queue_recipients{state="deferred"}') >= 1);
  assert.ok(sample(after, 'postern_queue_messages{state="all"}') >= 1);
  assert.match(after, /^# TYPE postern_dns_cache_hit_ratio gauge$/m);
  assert.equal((await f.sink.received()).filter((m) => m.envelope.recipients.some((r) => r.address === 'bob@up.test')).length, 1);
});

test('/metrics counts the SMTP connections open now and those refused for the limits', async () => {
  const socket = connect({ host: '127.0.0.1', port: f.smtpPort });
  await new Promise<void>((resolve) => socket.once('data', () => resolve()));
  const metrics = await (await f.api('/metrics')).text();
  socket.destroy();
  assert.ok(sample(metrics, 'postern_smtp_connections') >= 1, metrics);
  assert.match(metrics, /^postern_smtp_connections_refused_total 0$/m);
});

test('a relay refusal is counted by check and stage, and shows among the top refusal reasons', async () => {
  // 127.0.0.1 is a relay network; 127.0.0.5 is not, so its mail for another domain is refused.
  const [result] = await sendWithSmtplib(f.smtpPort, [{ from: 'x@example.org', to: ['y@elsewhere.test'], body: 'Subject: no\r\n\r\nno\r\n' }], 1, { source: '127.0.0.5' });
  assert.ok(result!.code >= 500, `refused: ${JSON.stringify(result)}`);
  const metrics = await (await f.api('/metrics')).text();
  assert.match(metrics, /^postern_smtp_refusals_total\{stage="rcpt",check="[^"]+",kind="reject"\} [1-9]/m);
  const activity = (await (await f.api('/api/activity')).json()) as { minutes: Array<{ refused: number }>; topRefusals: Array<{ reply: string; count: number }> };
  assert.ok(activity.minutes.reduce((n, m) => n + m.refused, 0) >= 1);
  assert.ok(activity.topRefusals.some((r) => /relay/i.test(r.reply)), JSON.stringify(activity.topRefusals));
});

test('the queue filters by domain, status and reason; show gives subject and attachments; hold and release are logged with who acted', async () => {
  const body = message(multipart([textPart('see attached'), attachment(PDF, 'application/pdf', 'filename="report.pdf"')]), 'quarterly report');
  const [sent] = await sendWithSmtplib(f.smtpPort, [{ from: 'dave@example.org', to: ['erin@down.test'], body }]);
  const id = /queued as (\S+)/.exec(sent!.reply)![1]!;
  await waitFor('the deferral', async () => {
    const { messages } = (await (await f.api('/api/queue?status=deferred')).json()) as { messages: Array<{ id: string }> };
    return messages.some((m) => m.id === id) || undefined;
  });
  const byReason = (await (await f.api('/api/queue?reason=connection%20refused&domain=down.test')).json()) as { messages: Array<{ id: string; recipients: Array<{ lastError: string }> }> };
  assert.ok(byReason.messages.some((m) => m.id === id));
  assert.match(byReason.messages.find((m) => m.id === id)!.recipients[0]!.lastError, /Connection refused/);
  const one = (await (await f.api('/api/queue?limit=1')).json()) as { messages: unknown[]; matched: number; total: number };
  assert.equal(one.messages.length, 1);
  assert.ok(one.matched >= 2 && one.total >= one.matched, JSON.stringify(one));
  assert.equal((await f.api('/api/queue?limit=0')).status, 400);
  const otherDomain = (await (await f.api('/api/queue?domain=up.test')).json()) as { messages: Array<{ id: string }> };
  assert.ok(!otherDomain.messages.some((m) => m.id === id));

  const shown = (await (await f.api(`/api/queue/${id}`)).json()) as { summary: { subject: string; attachments: Array<{ filename: string; contentType: string; size: number }> } };
  assert.equal(shown.summary.subject, 'quarterly report');
  assert.deepEqual(shown.summary.attachments, [{ filename: 'report.pdf', contentType: 'application/pdf', size: PDF.length }]);

  const held = await f.api(`/api/queue/${id}/hold`, { method: 'POST', headers: { authorization: `Bearer ${READER_TOKEN}` } });
  assert.equal(held.status, 200);
  const heldList = (await (await f.api('/api/queue?status=held')).json()) as { messages: Array<{ id: string }> };
  assert.ok(heldList.messages.some((m) => m.id === id));
  const line = await f.postern.waitForLog((l) => l.msg === 'admin change' && l.action === 'queue hold');
  assert.equal(line.actor, 'reader');
  assert.equal(line.client, '127.0.0.1');
  assert.equal(line.target, id);

  assert.equal((await f.api(`/api/queue/${id}`, { method: 'DELETE' })).status, 200);
  assert.equal((await f.api(`/api/queue/${id}`)).status, 404);
  assert.equal((await f.api('/api/queue/not-an-id!/hold', { method: 'POST' })).status, 400);
  const deleted = await f.postern.waitForLog((l) => l.msg === 'admin change' && l.action === 'queue delete');
  assert.equal(deleted.actor, 'admin');
});

test('the delivery log finds deliveries by address and result', async () => {
  const sent = (await (await f.api('/api/deliveries?q=bob%40up.test&status=sent')).json()) as { deliveries: Array<{ recipient: string; status: string; relay: string }> };
  assert.ok(sent.deliveries.length >= 1);
  assert.ok(sent.deliveries.every((d) => d.recipient === 'bob@up.test' && d.status === 'sent'));
  assert.match(sent.deliveries[0]!.relay, /^127\.0\.0\.71/);
  const deferred = (await (await f.api('/api/deliveries?q=down.test&status=deferred')).json()) as { deliveries: Array<{ reply: string }> };
  assert.ok(deferred.deliveries.every((d) => /Connection refused/.test(d.reply)));
  assert.equal((await f.api('/api/deliveries?status=lost')).status, 400);
  assert.equal((await f.api('/api/deliveries?limit=100000')).status, 400);
});

test('directory lookup answers as postern directory lookup does; a malformed address is 400', async () => {
  const report = (await (await f.api('/api/directory/lookup?address=bob%40down.test')).json()) as { address: string; rcpt: string };
  assert.equal(report.address, 'bob@down.test');
  assert.match(report.rcpt, /down\.test is not one of our domains/);
  assert.equal((await f.api('/api/directory/lookup?address=%3Cscript%3E')).status, 400);
});

test('config check and DNS zones answer; a DNS reload without a DNS server says so', async () => {
  const check = (await (await f.api('/api/config/check')).json()) as { ok: boolean; message: string };
  assert.equal(check.ok, true, check.message);
  assert.deepEqual(await (await f.api('/api/dns/zones')).json(), { zones: [] });
  const reload = (await (await f.api('/api/dns/reload', { method: 'POST' })).json()) as { ok: boolean; message: string };
  assert.match(reload.message, /no DNS listener/);
});
