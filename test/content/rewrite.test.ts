// The filter's rewrite: what strip and tag leave of a message, read back as a mail client would.
import assert from 'node:assert/strict';
import { text } from 'node:stream/consumers';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { walkMessage } from '../../src/content/mime-walk.ts';
import { rewriteMessage } from '../../src/content/rewrite.ts';
import { ContentRules } from '../../src/content/rules.ts';
import { attachment, message, multipart, PDF, textPart, WINDOWS_PROGRAM, type Part } from './messages.ts';

const LIMITS = { maxDepth: 20, maxParts: 1000, maxHeaderSize: 256 * 1024, maxArchiveSize: 10 * 1024 * 1024, maxUnpackedSize: 200 * 1024 * 1024, maxTextSize: 1024 * 1024 };

const rewrite = (raw: string, strip: Record<string, string>, subjectPrefix?: string) =>
  text(rewriteMessage(Readable.from([Buffer.from(raw, 'latin1')]), { strip: new Map(Object.entries(strip)), subjectPrefix, limits: LIMITS }));

const inspect = async (raw: string) => {
  const rules = new ContentRules(undefined);
  const report = await walkMessage(Readable.from([Buffer.from(raw, 'latin1')]), rules.probes, LIMITS);
  return { report, matches: rules.evaluate(report, { directions: new Set(['inbound']) }) };
};

describe('rewrite', () => {
  it('strips one attachment and leaves every other byte as it was', async () => {
    const pdf = attachment(PDF, 'application/pdf', 'filename="report.pdf"');
    const raw = message(multipart([textPart('hello'), attachment(WINDOWS_PROGRAM, 'application/x-msdownload', 'filename="setup.exe"'), pdf]));
    const out = await rewrite(raw, { '2': 'The attachment "setup.exe" was removed.\n' });
    const [before, after] = raw.split(/--b\d+-postern-test\r\nContent-Type: application\/x-msdownload[\s\S]*?(?=\r\n--b)/);
    assert.ok(out.startsWith(before!), 'the headers and the parts before are unchanged');
    assert.ok(out.endsWith(after!), 'the parts after are unchanged');
    assert.match(out, /Content-Type: text\/plain; charset=utf-8\r\nContent-Disposition: attachment; filename=setup\.exe\.removed\.txt\r\nContent-Transfer-Encoding: 7bit\r\n\r\nThe attachment "setup\.exe" was removed\.\r\n/);
    const { report, matches } = await inspect(out);
    assert.deepEqual(matches, [], 'nothing left to strip');
    assert.deepEqual(report.parts.map((p) => p.declaredType), ['text/plain', 'text/plain', 'application/pdf']);
  });

  it('writes a note with non-ASCII text in base64', async () => {
    const raw = message(multipart([textPart('x'), attachment(WINDOWS_PROGRAM, 'application/octet-stream', "filename*=utf-8''R%C3%A9sum%C3%A9.exe")]));
    const out = await rewrite(raw, { '2': 'Le fichier « Résumé.exe » a été retiré.\n' });
    const body = /Content-Transfer-Encoding: base64\r\n\r\n([A-Za-z0-9+/=\r\n]+?)\r\n(?:\r\n)?--/.exec(out);
    assert.equal(Buffer.from(body![1]!, 'base64').toString('utf8'), 'Le fichier « Résumé.exe » a été retiré.\r\n');
  });

  it('replaces the body of a single-part message that is itself a program', async () => {
    const raw = ['From: a@sender.test', 'Subject: tool', 'MIME-Version: 1.0', ...attachment(WINDOWS_PROGRAM, 'application/octet-stream', 'filename="tool.exe"').headers, '', attachment(WINDOWS_PROGRAM, 'x', 'x').body, ''].join('\r\n');
    const { matches } = await inspect(raw);
    assert.deepEqual(matches.map((m) => [m.rule, m.parts]), [['executable', ['1']]]);
    const out = await rewrite(raw, { '1': 'removed\n' });
    assert.match(out, /^From: a@sender\.test\r\nSubject: tool\r\n/);
    assert.match(out, /\r\n\r\nremoved\r\n$/);
    assert.doesNotMatch(out, /TVq/);
  });

  it('removes a message attached whole (disposition attachment) that holds a program', async () => {
    const inner = message(multipart([textPart('x'), attachment(WINDOWS_PROGRAM, 'application/octet-stream', 'filename="a.exe"')]));
    const attached: Part = { headers: ['Content-Type: message/rfc822', 'Content-Disposition: attachment; filename="fwd.eml"'], body: inner };
    const raw = message(multipart([textPart('see the forwarded mail'), attached]));
    const { matches, report } = await inspect(raw);
    assert.deepEqual(matches.map((m) => [m.rule, m.parts]), [['executable', ['2.2']]]);
    assert.equal(report.parts.find((p) => p.part === '2.2')?.removable, '2');
    const out = await rewrite(raw, { '2': 'The forwarded message was removed.\n' });
    assert.match(out, /filename=fwd\.eml\.removed\.txt/);
    assert.doesNotMatch(out, /a\.exe/);
    assert.match(out, /see the forwarded mail/);
  });

  it('tags the subject once, keeping encoded words, and adds one when there is none', async () => {
    const encoded = '=?utf-8?Q?Gr=C3=BC=C3=9Fe?=';
    const out = await rewrite(message(textPart('x'), encoded), {}, '[SUSPICIOUS] ');
    assert.match(out, new RegExp(`\\r\\nSubject: \\[SUSPICIOUS\\] ${encoded.replace(/[?=[\]]/g, '\\$&')}\\r\\n`));
    assert.equal(await rewrite(out, {}, '[SUSPICIOUS] '), out);
    const none = await rewrite('From: a@sender.test\r\n\r\nbody\r\n', {}, '[SUSPICIOUS] ');
    assert.equal(none, 'Subject: [SUSPICIOUS]\r\nFrom: a@sender.test\r\n\r\nbody\r\n');
  });
});
