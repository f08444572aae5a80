// Every relay trick from a client outside relay.networks, sent by Python's smtplib to the real
// `postern start`, whose routes send everything (our domain and the rest of the world) to one
// real SMTP sink: each RCPT gets 550 5.7.1, one log line names the check, and the sink stays empty
// but for the one honest message sent alongside to show the path to it works.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, startPostern, tempDir, writeConfig } from '../helpers/postern-process.ts';
import { sendWithSmtplib } from '../helpers/smtp-send.ts';
import { startSink } from '../helpers/smtp-sink.ts';

const TRICKS = [
  'user%elsewhere.example@example.test', // percent hack
  'elsewhere.example!user@example.test', // bang path
  '@example.test:user@elsewhere.example', // source route
  '@example.test,@mx.example.test:user@elsewhere.example',
  '"user@elsewhere.example"@example.test', // quoted local part with @
  '"user%elsewhere.example"@example.test',
  'user@[127.0.0.1]', // address literals
  'user@[127.0.0.5]',
  'user@[IPv6:::1]',
  'user@elsewhere.example.', // trailing dots
  'user@example.test.',
  'USER@ELSEWHERE.EXAMPLE', // case
  'user@EXAMPLE.TEST.elsewhere.example',
  'user@exаmple.test', // a Cyrillic "а": punycode xn--exmple-4nf.test, a look-alike of ours
  'user@bücher.example.elsewhere.example', // UTF-8 and punycode spellings of ours as a prefix
  'user@xn--bcher-kva.example.elsewhere.example',
  'user@bucher.example',
];

/** One smtplib session: MAIL with SMTPUTF8, then each RCPT sent as written (smtplib's own rcpt() would rewrite a source route). */
const PROBE = `
import json, smtplib, sys
job = json.load(sys.stdin)
client = smtplib.SMTP("127.0.0.1", job["port"], timeout=60, local_hostname="client.example.org")
client.ehlo("client.example.org")
client.mail("sender@elsewhere.example", ["SMTPUTF8"])
replies = [[to, *client.docmd("RCPT", "TO:<%s>" % to)] for to in job["tricks"]]
print(json.dumps([[to, code, text.decode()] for to, code, text in replies]))
client.quit()
`;

function probe(port: number, tricks: string[]): Promise<Array<[string, number, string]>> {
  return new Promise((done, fail) => {
    const child = spawn('python3', ['-c', PROBE], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.once('error', fail);
    child.once('close', (code) => (code === 0 ? done(JSON.parse(out) as Array<[string, number, string]>) : fail(new Error(`probe exited with ${code}`))));
    child.stdin.end(JSON.stringify({ port, tricks }));
  });
}

test('from an untrusted address every relay trick is refused with 550 5.7.1 and nothing reaches the sink', async (t) => {
  const dir = tempDir();
  t.after(dir.remove);
  const sink = await startSink('127.0.0.5', await freePort('127.0.0.5'));
  t.after(() => sink.close());
  const port = await freePort();
  const toSink = `{ type: smtp, host: 127.0.0.5, port: ${sink.port} }`;
  const config = writeConfig(
    dir.path,
    `hostname: mx.example.test
dataDir: var
log: { format: json }
smtp: { listeners: [ { address: 127.0.0.1, port: ${port} } ], limits: { maxErrors: 100 } }
domains: [ example.test, bücher.example ]
relay: { networks: [ 127.0.0.200/32 ] }   # the test client (127.0.0.1) is outside
resolver: { servers: [ "127.0.0.1:9" ], timeout: 200ms, attempts: 1 }
routes: { example.test: ${toSink}, xn--bcher-kva.example: ${toSink}, "*": ${toSink} }
`,
  );
  const postern = await startPostern(config);
  t.after(() => postern.stop());

  const started = Date.now();
  const replies = await probe(port, TRICKS);
  t.diagnostic(`${TRICKS.length} RCPTs answered in ${Date.now() - started} ms`);
  assert.equal(replies.length, TRICKS.length);
  // A few are not even addresses to the parser (a trailing dot): refused as syntax, before relay control.
  const bySyntax = replies.filter(([, code]) => code === 501).map(([to]) => to);
  assert.deepEqual(bySyntax, ['user@elsewhere.example.', 'user@example.test.']);
  for (const [to, code, text] of replies) {
    if (bySyntax.includes(to)) assert.match(text, /^5\.1\.3 Bad recipient address syntax/, to);
    else assert.deepEqual([code, text], [550, '5.7.1 Relaying denied'], `RCPT TO:<${to}>`);
  }
  // One log line each, naming the check; the address as the parser read it (domain lower-cased, a source route dropped).
  const refusedByRelay = TRICKS.length - bySyntax.length;
  const relayLines = () => postern.logs.filter((l) => l.msg === 'refused' && l.check === 'relay');
  await postern.waitForLog(() => relayLines().length >= refusedByRelay, 5000);
  assert.equal(relayLines().length, refusedByRelay);
  for (const line of relayLines()) assert.deepEqual([line.client, line.from, line.reply], ['127.0.0.1', 'sender@elsewhere.example', '550 5.7.1 Relaying denied'], JSON.stringify(line));
  assert.ok(relayLines().some((l) => l.to === 'user%elsewhere.example@example.test'));

  // The honest message: proves the route to the sink works, so its emptiness of the rest means something.
  const [honest] = await sendWithSmtplib(port, [{ from: 'friend@elsewhere.example', to: ['bob@example.test'], body: 'Subject: honest\r\n\r\nhello\r\n' }]);
  assert.equal(honest!.code, 250, honest!.reply);
  for (let i = 0; i < 200 && (await sink.received()).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  const arrived = await sink.received();
  assert.deepEqual(
    arrived.map((m) => m.envelope.recipients.map((r) => r.address)),
    [['bob@example.test']],
  );
  const queued = join(dir.path, 'var', 'queue', 'messages');
  assert.deepEqual(existsSync(queued) ? readdirSync(queued) : [], [], 'nothing left in the queue');
});

test('policy.relay.tarpit: each "Relaying denied" of a session comes later than the one before', async (t) => {
  const dir = tempDir();
  t.after(dir.remove);
  const port = await freePort();
  const config = writeConfig(
    dir.path,
    `hostname: mx.example.test
dataDir: var
log: { format: json }
smtp: { listeners: [ { address: 127.0.0.1, port: ${port} } ] }
domains: [ example.test ]
relay: { networks: [ 127.0.0.200/32 ] }
policy: { relay: { tarpit: { enabled: true, firstDelay: 300ms, maxDelay: 600ms } } }
routes: { example.test: { type: maildir, path: mail } }
`,
  );
  const postern = await startPostern(config);
  t.after(() => postern.stop());
  const started = Date.now();
  const replies = await probe(port, ['a@elsewhere.example', 'b@elsewhere.example', 'c@elsewhere.example']);
  assert.deepEqual(replies.map(([, code, text]) => `${code} ${text}`), Array(3).fill('550 5.7.1 Relaying denied'));
  assert.ok(Date.now() - started >= 300 + 600 + 600, `three refusals after 300, 600 and 600 ms took ${Date.now() - started} ms`);
});
