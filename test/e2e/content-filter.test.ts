// The content filter end to end: a real Postern between Python's smtplib (a client outside
// relay.networks, so inbound mail) and a sink behind the route of our domain. What the sender is
// answered and what arrives at the sink is what a user sees.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sendWithSmtplib } from '../helpers/smtp-send.ts';
import { startFilteringPostern, type FilteringPostern } from '../content/filtering-postern.ts';
import { attachment, message, multipart, nestedMessage, PDF, textPart, WINDOWS_PROGRAM, type Part } from '../content/messages.ts';

function deeplyNested(levels: number): string {
  let raw = message(textPart('innermost'));
  for (let i = 0; i < levels; i++) raw = message(multipart([textPart(`level ${i}`), nestedMessage(raw)]));
  return raw;
}

function brokenBase64Program(): Part {
  const part = attachment(WINDOWS_PROGRAM, 'application/octet-stream', 'filename="tool.exe"');
  part.body = `${part.body.slice(0, 40)}!*!${part.body.slice(40)}`;
  return part;
}

/** The messages sent, by subject, all before the tests look at the outcomes. */
const MESSAGES: Record<string, string> = {
  'strip me': message(multipart([textPart('the tool you asked for'), attachment(WINDOWS_PROGRAM, 'application/x-msdownload', 'filename="setup.exe"')])),
  Payment: message(multipart([textPart('Please make the wire  transfer today.'), attachment(PDF, 'application/pdf', 'filename="invoice.pdf"')])),
  'an image': message(multipart([textPart('x'), attachment(Buffer.from('CD001'), 'application/octet-stream', 'filename="disk.iso"')])),
  'quarantine me': message(multipart([textPart('x'), attachment(WINDOWS_PROGRAM, 'application/pdf', 'filename="report.pdf"')])),
  junk: message(textPart('buy now'), 'Test message', ['List-Id: <offers.junk.example>']),
  deep: deeplyNested(25),
  'huge header': message(textPart('x'), 'Test message', [`X-Filler: ${Array.from({ length: 1100 }, () => 'a'.repeat(950)).join('\r\n ')}`]),
  broken: message(multipart([textPart('x'), brokenBase64Program()], false)),
  clean: message(multipart([textPart('hello'), attachment(PDF, 'application/pdf', 'filename="report.pdf"')])),
};

let filter: FilteringPostern;

before(async () => {
  filter = await startFilteringPostern(
    `content:
  rules:
    - { name: no-iso, match: { extension: [ iso ] }, action: reject }
    - { name: wire-fraud, match: { text: "wire\\\\s+transfer" }, action: tag, subjectPrefix: "[FRAUD?] " }
    - { name: junk-list, match: { header: "^List-Id: .*junk" }, action: discard }
    - { name: disguised, match: { disguised: true }, action: quarantine }
    - { name: no-exe, match: { realType: [ exe, elf ] }, action: strip, directions: [ inbound ] }
`,
    MESSAGES,
  );
});

after(() => filter?.stop());

const reply = (subject: string) => filter.reply(subject);
const arrived = (subject: string) => filter.arrived(subject);

describe('content filter end to end', () => {
  it('strips a program: the attachment arrives as a note saying what was removed and why', async () => {
    const r = reply('strip me');
    assert.equal(r.code, 250, r.reply);
    const { body } = await arrived('strip me');
    assert.match(body, /\r\nX-Postern-Content: rule=no-exe; action=strip\r\nReceived: from client.example.org/);
    assert.match(body, /Content-Type: text\/plain; charset=utf-8\r\n/);
    assert.match(body, /filename=setup\.exe\.removed\.txt/);
    assert.match(body, /The attachment "setup\.exe" \(\d+ bytes\) was removed from this message by the mail gateway,\r\nas the company's email policy requires \(rule no-exe\)\.\r\nFound: attachment "setup\.exe" \(exe\)\.\r\n/);
    assert.match(body, /the tool you asked for/);
    assert.doesNotMatch(body, new RegExp(WINDOWS_PROGRAM.subarray(0, 30).toString('base64').slice(0, 20)));
  });

  it('tags a message: the subject prefix and the X-header arrive', async () => {
    const r = reply('Payment');
    assert.equal(r.code, 250, r.reply);
    const { body } = await arrived('Payment');
    assert.match(body, /\r\nSubject: \[FRAUD\?\] Payment\r\n/);
    assert.match(body, /\r\nX-Postern-Content: rule=wire-fraud; action=tag\r\nReceived: from client.example.org/);
    assert.match(body, /%PDF|JVBERi0/);
  });

  it('rejects at end of data with a reply naming the rule', async () => {
    const r = reply('an image');
    assert.equal(r.code, 550);
    assert.equal(r.reply, '5.7.1 Message refused by content policy (rule no-iso)');
  });

  it('quarantines a program renamed .pdf: 250 to the sender, nothing delivered, logged with the rule', async () => {
    const r = reply('quarantine me');
    assert.equal(r.code, 250, r.reply);
    const logged = await filter.postern.waitForLog((l) => l.msg === 'message quarantined');
    assert.equal(logged.rule, 'disguised');
    assert.match(String(logged.reason), /attachment "report\.pdf" \(exe behind a \.pdf name\)/);
    await new Promise((d) => setTimeout(d, 500));
    assert.equal(await filter.delivered('quarantine me'), false);
  });

  it('discards by a header rule: 250, nothing delivered', async () => {
    const r = reply('junk');
    assert.equal(r.code, 250, r.reply);
    const logged = await filter.postern.waitForLog((l) => l.msg === 'message discarded');
    assert.match(String(logged.reason), /rule junk-list/);
  });

  it('refuses a message nested too deep, naming why', async () => {
    const r = reply('deep');
    assert.equal(r.code, 550);
    assert.equal(r.reply, '5.7.1 Message refused by content policy: MIME nesting too deep (more than 20 levels) (rule mime-depth)');
  });

  it('refuses a header of 1 MB, naming why', async () => {
    const r = reply('huge header');
    assert.equal(r.code, 550);
    assert.match(r.reply, /^5\.7\.1 Message refused by content policy: a MIME header block too large \(over 262144 bytes\) \(rule mime-header-size\)$/);
  });

  it('inspects a message without its final boundary and with broken base64: the program is still stripped', async () => {
    const r = reply('broken');
    assert.equal(r.code, 250, r.reply);
    const { body } = await arrived('broken');
    assert.match(body, /The attachment "tool\.exe" .* was removed/);
  });

  it('applies a rule only in its directions: a program sent from the trusted network to our domain (internal) keeps it', async () => {
    const raw = message(multipart([textPart('internal tool'), attachment(WINDOWS_PROGRAM, 'application/x-msdownload', 'filename="setup.exe"')]), 'internal program');
    const [r] = await sendWithSmtplib(filter.port, [{ from: 'carol@example.test', to: ['bob@example.test'], body: raw }], 1, { source: '127.0.0.9' });
    assert.equal(r!.code, 250, r!.reply);
    const { body } = await arrived('internal program');
    assert.doesNotMatch(body, /X-Postern-Content/);
    assert.match(body, /filename="setup\.exe"/);
  });

  it('delivers a clean message unchanged', async () => {
    const r = reply('clean');
    assert.equal(r.code, 250, r.reply);
    const { body } = await arrived('clean');
    assert.doesNotMatch(body, /X-Postern-Content/);
    assert.ok(body.endsWith(MESSAGES.clean!.replace('Subject: Test message', 'Subject: clean').split('\r\n\r\n').slice(1).join('\r\n\r\n')), 'the body arrives as sent');
  });
});
