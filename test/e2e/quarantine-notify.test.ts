// notify and copyPostmaster end to end: a real Postern whose rules name them; the notices and the
// postmaster's copy are read at the sink as a user's mailbox would get them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort, startPostern, tempDir, writeConfig, type RunningPostern } from '../helpers/postern-process.ts';
import { sendWithSmtplib } from '../helpers/smtp-send.ts';
import { startSink, type ReceivedMessage, type TestSink } from '../helpers/smtp-sink.ts';

const SINK = '127.0.0.52';
let dir: { path: string; remove: () => void };
let postern: RunningPostern;
let sink: TestSink;
let port: number;

before(async () => {
  dir = tempDir();
  port = await freePort();
  sink = await startSink(SINK, await freePort(SINK));
  postern = await startPostern(
    writeConfig(
      dir.path,
      `hostname: mx.example.test
dataDir: var
log: { format: json }
smtp: { listeners: [ { address: 127.0.0.1, port: ${port} } ] }
domains: [ example.test ]
relay: { networks: [ 127.0.0.1/32 ] }
routes: { example.test: { type: smtp, host: ${SINK}, port: ${sink.port} } }
content:
  rules:
    - { name: shared-password, match: { text: "password is" }, action: notify }
    - { name: audit, match: { header: "^Subject: audit" }, action: copyPostmaster }
  notify:
    templates:
      recipient: "Subject: Heads up: {subject}\\n\\nRule {rule} found this: {reason}.\\nThe message from {sender} was {action}.\\n"
`,
    ),
  );
});

after(async () => {
  await postern?.stop();
  await sink?.close();
  dir?.remove();
});

async function arrivals(count: number, match: (m: ReceivedMessage) => boolean): Promise<ReceivedMessage[]> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((d) => setTimeout(d, 100))) {
    const hits = (await sink.received()).filter(match);
    if (hits.length >= count) return hits;
  }
  throw new Error(`fewer than ${count} messages arrived; the sink has:\n${(await sink.received()).map((m) => m.body.slice(0, 400)).join('\n---\n')}`);
}

/** The notice's Subject, its encoded words decoded. */
function subjectOf(m: ReceivedMessage): string {
  const field = /\r\nSubject: ((?:[^\r\n]|\r\n )+)\r\n/.exec(m.body)![1]!;
  return [...field.matchAll(/=\?utf-8\?B\?([^?]+)\?=/g)].map((w) => Buffer.from(w[1]!, 'base64').toString('utf8')).join('');
}

const sent = (subject: string, text: string) => `From: carol@example.test\r\nTo: bob@example.test\r\nSubject: ${subject}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${text}\r\n`;

describe('notices', () => {
  it('notify: the message is delivered, our recipient gets the notice from the configured template, our sender the built-in one, both from the null sender', async () => {
    const [r] = await sendWithSmtplib(port, [{ from: 'carol@example.test', to: ['bob@example.test'], body: sent('Zugang für Bob', 'The password is hunter2.') }]);
    assert.equal(r!.code, 250, r!.reply);
    const [original] = await arrivals(1, (m) => m.envelope.sender === 'carol@example.test' && m.body.includes('hunter2'));
    assert.deepEqual(original!.envelope.recipients.map((x) => x.address), ['bob@example.test']);

    const [toBob] = await arrivals(1, (m) => m.envelope.sender === '' && m.envelope.recipients[0]?.address === 'bob@example.test');
    assert.match(toBob!.body, /\r\nSubject: =\?utf-8\?B\?/, 'a non-ASCII subject is encoded');
    assert.match(toBob!.body, /\r\nFrom: Mail gateway <postmaster@example\.test>\r\n/);
    assert.match(toBob!.body, /\r\nAuto-Submitted: auto-generated\r\n/);
    assert.match(toBob!.body, /\r\n\r\nRule shared-password found this: [^\r\n]+\.\r\nThe message from carol@example\.test was delivered\.\r\n/);
    assert.equal(subjectOf(toBob!), 'Heads up: Zugang für Bob');

    const [toCarol] = await arrivals(1, (m) => m.envelope.sender === '' && m.envelope.recipients[0]?.address === 'carol@example.test');
    assert.equal(subjectOf(toCarol!), 'Your message was delivered: Zugang für Bob');
    assert.match(toCarol!.body, /inspected a message you sent/);
    assert.match(toCarol!.body, /It matched the company's email policy \(rule shared-password\)/);
    assert.match(toCarol!.body, /  To: +bob@example\.test\r\n/);
  });

  it('copyPostmaster: only where a rule names it, the postmaster of our first domain gets a notice with the message attached', async () => {
    const [r] = await sendWithSmtplib(port, [{ from: 'carol@example.test', to: ['bob@example.test'], body: sent('audit 2026', 'figures attached') }]);
    assert.equal(r!.code, 250, r!.reply);
    const [copy] = await arrivals(1, (m) => m.envelope.recipients[0]?.address === 'postmaster@example.test');
    assert.equal(copy!.envelope.sender, '');
    assert.match(copy!.body, /Subject: Content policy: rule audit matched a message from carol@example\.test\r\n/);
    assert.match(copy!.body, /Content-Type: message\/rfc822\r\n/);
    assert.match(copy!.body, /\r\n\r\nReceived: from [^\r\n]+\r\n[\s\S]*Subject: audit 2026\r\n[\s\S]*figures attached\r\n/);
    await arrivals(1, (m) => m.envelope.sender === 'carol@example.test' && m.body.includes('figures attached'));
    const copies = (await sink.received()).filter((m) => m.envelope.recipients.some((x) => x.address.startsWith('postmaster@')));
    assert.equal(copies.length, 1, 'the notify message before had no copy');
  });
});
