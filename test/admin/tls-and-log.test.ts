// The admin listener over HTTPS (admin.tls), and the delivery log's bound on its size.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, test } from 'node:test';
import { DeliveryLog } from '../../src/admin/delivery-log.ts';
import { scratchDir } from '../helpers/scratch-dirs.ts';
import { testCa } from '../helpers/test-ca.ts';
import { startAdminFixture, TOKEN, type AdminFixture } from './admin-fixture.ts';

let f: AdminFixture;
const ca = testCa();

before(async () => {
  f = await startAdminFixture('', {}, `, tls: { cert: ${ca.server.certFile}, key: ${ca.server.keyFile} }`);
});

after(async () => {
  await f.close();
});

function getHttps(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: ca.ca, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('error', reject);
    req.end();
  });
}

test('with admin.tls the API answers over HTTPS with the certificate, and still wants the token', async () => {
  const url = f.adminUrl.replace('http:', 'https:');
  assert.equal((await getHttps(`${url}/api/counters`)).status, 401);
  const ok = await getHttps(`${url}/api/counters`, { authorization: `Bearer ${TOKEN}` });
  assert.equal(ok.status, 200);
  assert.deepEqual(Object.keys(JSON.parse(ok.body) as object), ['queue', 'dns']);
  await assert.rejects(fetch(`${f.adminUrl}/api/counters`), 'plain HTTP is not answered');
});

test('the delivery log keeps about admin.deliveryLogSize entries, newest first, and searches literally', async () => {
  const log = new DeliveryLog(await scratchDir(), 10);
  for (let i = 0; i < 1200; i++) {
    log.add({ queueId: `Q${i}`, sender: 'a@example.org', recipient: `r${i}@x_y.test`, domain: 'x_y.test', status: i % 2 === 0 ? 'sent' : 'deferred', relay: 'none', dsn: '2.0.0', reply: '250 ok', at: i });
  }
  const all = log.search({ limit: 500 });
  // Trimmed to 10 at the 1000th insert; 200 came since.
  assert.equal(all.length, 210);
  assert.equal(all[0]!.queueId, 'Q1199');
  assert.deepEqual(log.search({ text: 'r1198@', limit: 5 }).map((d) => d.queueId), ['Q1198']);
  assert.equal(log.search({ text: '%', limit: 5 }).length, 0);
  assert.equal(log.search({ text: 'x_y', status: 'deferred', limit: 500 }).length, 105);
  assert.equal(log.search({ since: 1190, limit: 500 }).length, 10);
  log.close();
});
