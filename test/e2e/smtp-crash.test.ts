// Nothing acknowledged is lost: several sessions send while Postern is killed with SIGKILL at
// random moments, round after round; after the last restart every message that got its 250 is
// in a Maildir exactly once, and no message is there in part.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { freePort, startPostern, tempDir, writeConfig } from '../helpers/postern-process.ts';
import { sendWithSmtplib, type OutgoingMessage } from '../helpers/smtp-send.ts';

const ROUNDS = 4;
const PER_ROUND = 300;

function delivered(root: string): string[] {
  const folder = join(root, 'mail', 'bob', 'new');
  return existsSync(folder) ? readdirSync(folder).map((f) => readFileSync(join(folder, f), 'utf8')) : [];
}

test(`crash: ${ROUNDS} rounds of SIGKILL during ${PER_ROUND} messages from 4 sessions lose nothing and deliver nothing twice or in part`, async (t) => {
  const dir = tempDir();
  t.after(dir.remove);
  const port = await freePort();
  const config = writeConfig(
    dir.path,
    `hostname: mx.example.test\ndataDir: var\nlog: { format: json }\nsmtp: { listeners: [ { address: 127.0.0.1, port: ${port} } ] }\ndomains: [ example.test ]\nroutes: { example.test: { type: maildir, path: mail } }\n`,
  );
  const acknowledged = new Set<string>();
  for (let round = 0; round < ROUNDS; round++) {
    const postern = await startPostern(config);
    const messages: OutgoingMessage[] = Array.from({ length: PER_ROUND }, (_, i) => {
      const marker = `m-${round}-${i}`;
      return { from: 'alice@example.org', to: ['bob@example.test'], body: `Subject: ${marker}\r\n\r\n${'body line\r\n'.repeat(200)}END ${marker}\r\n` };
    });
    const sending = sendWithSmtplib(port, messages, 4);
    // Kill at a random moment once mail is flowing (a loaded machine may take a while to get there).
    await postern.waitForLog((l) => l.msg === 'message accepted', 60_000);
    await new Promise((r) => setTimeout(r, 200 + Math.random() * 1500));
    postern.child.kill('SIGKILL');
    await postern.exited;
    for (const r of await sending) if (r.ok) acknowledged.add(`m-${round}-${r.index}`);
  }
  assert.ok(acknowledged.size > 0, 'some messages were acknowledged before the kills');
  assert.ok(acknowledged.size < ROUNDS * PER_ROUND, 'the kills interrupted the sending (else this tests nothing)');
  t.diagnostic(`acknowledged ${acknowledged.size} of ${ROUNDS * PER_ROUND} messages before the kills`);

  const postern = await startPostern(config);
  t.after(() => postern.stop());
  // Every acknowledged message must be delivered or still queued (delivery may lag on a busy machine).
  // Small bodies are kept in the spool's SQLite, larger ones as files beside it.
  const queuedMarkers = (): Set<string> => {
    const markers = new Set<string>();
    const add = (body: string) => {
      const m = /^Subject: (m-\d+-\d+)\r$/m.exec(body)?.[1];
      if (m) markers.add(m);
    };
    const db = new Database(join(dir.path, 'var', 'queue', 'queue.db'), { readonly: true });
    try {
      for (const row of db.prepare('SELECT data FROM bodies').all() as Array<{ data: Buffer }>) add(row.data.toString('utf8'));
    } finally {
      db.close();
    }
    const folder = join(dir.path, 'var', 'queue', 'messages');
    for (const f of existsSync(folder) ? readdirSync(folder) : []) {
      try {
        add(readFileSync(join(folder, f), 'utf8'));
      } catch {
        // delivered and removed between the listing and the read
      }
    }
    return markers;
  };
  const seen = new Map<string, number>();
  let queued = new Set<string>();
  for (let i = 0; i < 1200; i++) {
    seen.clear();
    for (const file of delivered(dir.path)) {
      const marker = /^Subject: (m-\d+-\d+)$/m.exec(file)?.[1] ?? 'unknown';
      assert.ok(file.endsWith(`END ${marker}\n`), `a partial message was delivered: ${marker}`);
      seen.set(marker, (seen.get(marker) ?? 0) + 1);
    }
    if ([...acknowledged].every((m) => seen.has(m))) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  queued = queuedMarkers();
  const lost = [...acknowledged].filter((m) => !seen.has(m) && !queued.has(m));
  assert.deepEqual(lost, [], 'acknowledged messages neither delivered nor queued after the restart');
  const twice = [...seen].filter(([, n]) => n > 1).map(([m]) => m);
  assert.deepEqual(twice, [], 'messages delivered twice');
});
