// The MIME walk and the rules together: what each kind of dangerous or broken message meets.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { buildSchema } from '../../src/config/schema.ts';
import { walkMessage } from '../../src/content/mime-walk.ts';
import { ContentRules } from '../../src/content/rules.ts';
import type { Direction } from '../../src/content/types.ts';
import { attachment, LINUX_PROGRAM, message, multipart, nestedMessage, PDF, textPart, WINDOWS_PROGRAM, zipOf } from './messages.ts';

const content = (raw: unknown = {}) => buildSchema('/tmp').parse({ content: raw }).content;

async function inspect(raw: string, rules?: unknown[], directions: Direction[] = ['inbound']) {
  const config = content(rules ? { rules } : {});
  const compiled = new ContentRules(config.rules);
  const report = await walkMessage(Readable.from([Buffer.from(raw, 'latin1')]), compiled.probes, config.limits);
  const matches = compiled.evaluate(report, { directions: new Set(directions) });
  return { report, matches, first: matches[0] };
}

describe('content inspection with the default rules', () => {
  it('lets a plain message and a real PDF through', async () => {
    const { matches, report } = await inspect(message(multipart([textPart('Hello'), attachment(PDF, 'application/pdf', 'filename="report.pdf"')])));
    assert.deepEqual(matches, []);
    assert.equal(report.parts[1].realType, 'pdf');
  });

  it('quarantines an .exe renamed .pdf', async () => {
    const { first } = await inspect(message(multipart([textPart('see attached'), attachment(WINDOWS_PROGRAM, 'application/pdf', 'filename="report.pdf"')])));
    assert.equal(first.rule, 'disguised-executable');
    assert.equal(first.action, 'quarantine');
    assert.match(first.reason, /attachment "report.pdf" \(exe behind a \.pdf name\)/);
    assert.deepEqual(first.parts, ['2']);
  });

  it('quarantines a double extension, invoice.pdf.exe', async () => {
    const { first } = await inspect(message(multipart([textPart('x'), attachment(WINDOWS_PROGRAM, 'application/octet-stream', 'filename="invoice.pdf.exe"')])));
    assert.equal(first.rule, 'disguised-executable');
    assert.match(first.reason, /double extension \.pdf\.exe/);
  });

  it('quarantines a right-to-left override name, given in RFC 2231 encoding', async () => {
    // "invoice\u202Efdp.exe" shows as "invoiceexe.pdf"
    const { first, report } = await inspect(message(multipart([textPart('x'), attachment(WINDOWS_PROGRAM, 'application/octet-stream', "filename*=utf-8''invoice%E2%80%AEfdp.exe")])));
    assert.equal(report.parts[1].name, 'invoice\u202efdp.exe');
    assert.equal(first.rule, 'disguised-executable');
    assert.match(first.reason, /invisible direction controls/);
  });

  it('reads a name in RFC 2047 encoding: a Linux program named =?utf-8?B?...?= (bild.jpg) is disguised', async () => {
    const encoded = `=?utf-8?B?${Buffer.from('bild.jpg').toString('base64')}?=`;
    const { first, report } = await inspect(message(multipart([textPart('x'), attachment(LINUX_PROGRAM, 'image/jpeg', `filename="${encoded}"`)])));
    assert.equal(report.parts[1].name, 'bild.jpg');
    assert.equal(report.parts[1].realType, 'elf');
    assert.equal(first.rule, 'disguised-executable');
  });

  it('strips an openly named program', async () => {
    const { matches } = await inspect(message(multipart([textPart('x'), attachment(WINDOWS_PROGRAM, 'application/x-msdownload', 'filename="setup.exe"')])));
    assert.deepEqual(matches.map((m) => [m.rule, m.action]), [['executable', 'strip']]);
  });

  it('strips a zip holding an .exe, naming the file inside', async () => {
    const zip = zipOf([{ name: 'readme.txt', bytes: Buffer.from('read me') }, { name: 'tool.exe', bytes: WINDOWS_PROGRAM }]);
    const { matches, report } = await inspect(message(multipart([textPart('x'), attachment(zip, 'application/zip', 'filename="tools.zip"')])));
    assert.deepEqual(report.parts[1].inside.map((f) => [f.name, f.realType]), [['readme.txt', undefined], ['tool.exe', 'exe']]);
    assert.deepEqual(matches.map((m) => [m.rule, m.action]), [['executable', 'strip']]);
    assert.match(matches[0].reason, /"tool.exe" inside: exe content/);
  });

  it('tags an encrypted zip, and still sees the program names in it', async () => {
    const zip = zipOf([{ name: 'invoice.pdf.exe', bytes: WINDOWS_PROGRAM }], 'secret');
    const { matches, report } = await inspect(message(multipart([textPart('password: secret'), attachment(zip, 'application/zip', 'filename="invoice.zip"')])));
    assert.equal(report.parts[1].encrypted, true);
    assert.deepEqual(matches.map((m) => [m.rule, m.action]), [['disguised-executable', 'quarantine'], ['executable', 'strip'], ['encrypted-archive', 'tag']]);
  });

  it('tags an encrypted zip of documents', async () => {
    const zip = zipOf([{ name: 'report.pdf', bytes: PDF }], 'secret');
    const { matches } = await inspect(message(multipart([textPart('x'), attachment(zip, 'application/zip', 'filename="docs.zip"')])));
    assert.deepEqual(matches.map((m) => [m.rule, m.action]), [['encrypted-archive', 'tag']]);
  });

  it('judges a damaged zip by its own type: cut short, or with a directory that promises more entries than there are', async () => {
    const zip = zipOf([{ name: 'a.txt', bytes: Buffer.from('aaaa') }, { name: 'b.txt', bytes: Buffer.from('bbbb') }]);
    const cut = zip.subarray(0, zip.length - 30);
    const overcounted = Buffer.from(zip);
    const eocd = overcounted.lastIndexOf(Buffer.from('PK\x05\x06', 'latin1'));
    overcounted.writeUInt16LE(5, eocd + 8);
    overcounted.writeUInt16LE(5, eocd + 10);
    for (const damaged of [cut, overcounted]) {
      const { matches, report } = await inspect(message(multipart([textPart('x'), attachment(damaged, 'application/zip', 'filename="a.zip"')])));
      assert.equal(report.parts[1].realType, 'zip');
      assert.equal(report.problem, undefined);
      assert.deepEqual(matches, []);
    }
  });

  it('refuses a message nested deeper than limits.maxDepth, naming it', async () => {
    let raw = message(textPart('the innermost'));
    for (let i = 0; i < 30; i++) raw = message(multipart([textPart(`level ${i}`), nestedMessage(raw)]));
    const { report } = await inspect(raw);
    assert.deepEqual(report.problem, { rule: 'mime-depth', reason: 'MIME nesting too deep (more than 20 levels)' });
  });

  it('inspects nested messages within the bound: a program in a forwarded message is found', async () => {
    const inner = message(multipart([textPart('x'), attachment(WINDOWS_PROGRAM, 'application/octet-stream', 'filename="a.exe"')]));
    const { matches, report } = await inspect(message(multipart([textPart('fwd'), nestedMessage(inner)])));
    assert.equal(report.problem, undefined);
    assert.deepEqual(matches.map((m) => [m.rule, m.parts]), [['executable', ['2.2']]]);
  });

  it('inspects the parts of a message without its final boundary', async () => {
    const raw = message(multipart([textPart('x'), attachment(WINDOWS_PROGRAM, 'application/octet-stream', 'filename="a.exe"')], false));
    const { matches, report } = await inspect(raw);
    assert.equal(report.problem, undefined);
    assert.deepEqual(matches.map((m) => m.rule), ['executable']);
  });

  it('decodes broken base64 leniently: stray characters and a cut-off end do not hide a program', async () => {
    const part = attachment(WINDOWS_PROGRAM, 'application/pdf', 'filename="scan.pdf"');
    part.body = `${part.body.slice(0, 40)}!!**%%${part.body.slice(40, 301)}`;
    const { first } = await inspect(message(multipart([textPart('x'), part])));
    assert.equal(first.rule, 'disguised-executable');
  });

  it('refuses a header of 1 MB, naming it', async () => {
    const huge = `X-Filler: ${Array.from({ length: 1100 }, () => 'a'.repeat(950)).join('\r\n ')}`;
    const { report } = await inspect(message(textPart('x'), 'Test', [huge]));
    assert.equal(report.problem?.rule, 'mime-header-size');
  });

  it('refuses a message of more parts than limits.maxParts, naming it', async () => {
    const { report } = await inspect(message(multipart(Array.from({ length: 1001 }, (_, i) => textPart(`part ${i}`)))));
    assert.deepEqual(report.problem, { rule: 'mime-parts', reason: 'too many MIME parts (more than 1000)' });
  });

  it('never throws on garbage', async () => {
    for (const raw of ['', '\r\n\r\n', 'Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n--', 'Content-Type: message/rfc822\r\n\r\nContent-Type: message/rfc822\r\n\r\n', Buffer.alloc(5000, 0xff).toString('latin1')]) {
      await inspect(raw);
    }
  });
});

describe('content.rules', () => {
  const exeZip = () => zipOf([{ name: 'run.exe', bytes: WINDOWS_PROGRAM }]);

  it('matches on real type, extension, mismatch, size, signature, text and header, each naming its action', async () => {
    const rules = [
      { name: 'no-elf', match: { realType: ['elf'] }, action: 'reject' },
      { name: 'no-iso', match: { extension: ['.ISO'] }, action: 'strip' },
      { name: 'liar', match: { mismatch: true }, action: 'tag' },
      { name: 'big', match: { sizeOver: '1k' }, action: 'notify' },
      { name: 'marker', match: { signature: ['hex:deadbeef', 'CONFIDENTIAL'] }, action: 'copyPostmaster' },
      { name: 'words', match: { text: 'wire\\s+transfer' }, action: 'tag' },
      { name: 'list', match: { header: '^List-Id: .*spam' }, action: 'discard' },
    ];
    const raw = message(
      multipart([
        textPart('Please do the WIRE   transfer today'),
        attachment(LINUX_PROGRAM, 'application/octet-stream', 'filename="tool"'),
        attachment(Buffer.from('x'), 'application/octet-stream', 'filename="disk.iso"'),
        attachment(PDF, 'image/png', 'filename="photo.png"'),
        attachment(Buffer.concat([Buffer.alloc(2000, 0x20), Buffer.from('dead', 'hex'), Buffer.from('beef', 'hex')]), 'application/octet-stream', 'filename="blob.dat"'),
      ]),
      'Offer',
      ['List-Id: <x.spam.example>'],
    );
    const { matches } = await inspect(raw, rules);
    assert.deepEqual(
      matches.map((m) => [m.rule, m.action, m.parts]),
      [
        ['no-elf', 'reject', ['2']],
        ['no-iso', 'strip', ['3']],
        ['liar', 'tag', ['4']],
        ['big', 'notify', ['5']],
        ['marker', 'copyPostmaster', ['5']],
        ['words', 'tag', ['1']],
        ['list', 'discard', []],
      ],
    );
  });

  it('applies a rule only in its directions', async () => {
    const rules = [{ name: 'out-exe', match: { realType: ['exe'] }, action: 'reject', directions: ['outbound'] }];
    const raw = message(multipart([textPart('x'), attachment(exeZip(), 'application/zip', 'filename="a.zip"')]));
    assert.deepEqual((await inspect(raw, rules, ['inbound'])).matches, []);
    assert.equal((await inspect(raw, rules, ['outbound', 'internal'])).first.rule, 'out-exe');
  });

  it('keeps the virus rule when the configuration has none', () => {
    const config = content({ rules: [{ name: 'no-exe', match: { realType: ['exe', 'elf'] }, action: 'strip' }] });
    const rules = new ContentRules(config.rules);
    const report = { parts: [], headerHits: new Set<number>() };
    const matches = rules.evaluate(report, { directions: new Set(['inbound']), scan: { kind: 'infected', signature: 'Eicar-Signature' } });
    assert.deepEqual(matches.map((m) => [m.rule, m.action, m.reason]), [['virus', 'quarantine', 'virus Eicar-Signature']]);
  });
});
