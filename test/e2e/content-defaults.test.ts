// The company policy's defaults end to end (no content.rules): a zip holding a program arrives
// with the zip replaced by a note, an encrypted zip arrives tagged, a program with a double
// extension is quarantined, a clean archive passes untouched.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFilteringPostern, type FilteringPostern } from '../content/filtering-postern.ts';
import { attachment, message, multipart, PDF, textPart, WINDOWS_PROGRAM, zipOf } from '../content/messages.ts';

let filter: FilteringPostern;

before(async () => {
  filter = await startFilteringPostern('', {
    'zip with a program': message(multipart([textPart('tools'), attachment(zipOf([{ name: 'notes.txt', bytes: Buffer.from('notes') }, { name: 'setup.exe', bytes: WINDOWS_PROGRAM }]), 'application/zip', 'filename="tools.zip"')])),
    'encrypted zip': message(multipart([textPart('the password is in the next mail'), attachment(zipOf([{ name: 'report.pdf', bytes: PDF }], 'secret'), 'application/zip', 'filename="report.zip"')])),
    'double extension': message(multipart([textPart('your invoice'), attachment(WINDOWS_PROGRAM, 'application/octet-stream', 'filename="invoice.pdf.exe"')])),
    'clean zip': message(multipart([textPart('reports'), attachment(zipOf([{ name: 'report.pdf', bytes: PDF }]), 'application/zip', 'filename="reports.zip"')])),
  });
});

after(() => filter?.stop());

describe('content filter defaults end to end', () => {
  it('strips a zip holding a program, saying which file inside it was the reason', async () => {
    assert.equal(filter.reply('zip with a program').code, 250);
    const { body } = await filter.arrived('zip with a program');
    assert.match(body, /\r\nX-Postern-Content: rule=executable; action=strip\r\n/);
    assert.match(body, /The attachment "tools\.zip" \(\d+ bytes\) was removed from this message by the mail gateway,\r\nas the company's email policy requires \(rule executable\)\.\r\nFound: attachment "tools\.zip" \("setup\.exe" inside: exe content\)\./);
    assert.match(body, /filename=tools\.zip\.removed\.txt/);
  });

  it('tags an encrypted zip and delivers it whole', async () => {
    assert.equal(filter.reply('encrypted zip').code, 250);
    const { body } = await filter.arrived('encrypted zip');
    assert.match(body, /\r\nSubject: \[SUSPICIOUS\] encrypted zip\r\n/);
    assert.match(body, /\r\nX-Postern-Content: rule=encrypted-archive; action=tag\r\n/);
    assert.match(body, /filename="report\.zip"/);
  });

  it('quarantines a program with a double extension', async () => {
    assert.equal(filter.reply('double extension').code, 250);
    const logged = await filter.postern.waitForLog((l) => l.msg === 'message quarantined');
    assert.equal(logged.rule, 'disguised-executable');
    assert.match(String(logged.reason), /attachment "invoice\.pdf\.exe" \(exe behind a double extension \.pdf\.exe\)/);
    await filter.arrived('clean zip');
    assert.equal(await filter.delivered('double extension'), false);
  });

  it('delivers a zip of documents untouched', async () => {
    const { body } = await filter.arrived('clean zip');
    assert.doesNotMatch(body, /X-Postern-Content/);
    assert.match(body, /filename="reports\.zip"/);
  });
});
