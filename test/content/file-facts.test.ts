// What a file really is against what its name and declared type say.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileFacts } from '../../src/content/file-facts.ts';
import { nameFacts } from '../../src/content/file-name.ts';
import { LINUX_PROGRAM, PDF, WINDOWS_PROGRAM } from './messages.ts';

const JPEG = Buffer.concat([Buffer.from('ffd8ffe000104a46494600010100000100010000', 'hex'), Buffer.alloc(100)]);

describe('file names', () => {
  it('finds the extension that counts', () => {
    assert.deepEqual(nameFacts('C:\\Users\\x\\invoice.pdf.exe'), { name: 'invoice.pdf.exe', extension: 'exe', innerExtension: 'pdf', misleadingDisplay: false });
    assert.deepEqual(nameFacts('tool.EXE. . '), { name: 'tool.EXE. . ', extension: 'exe', innerExtension: undefined, misleadingDisplay: false });
    assert.deepEqual(nameFacts('photo\u202egpj.exe'), { name: 'photo\u202egpj.exe', extension: 'exe', innerExtension: undefined, misleadingDisplay: true });
    assert.equal(nameFacts('README').extension, undefined);
  });
});

describe('file facts', () => {
  it('an openly named program is executable, not disguised', async () => {
    for (const [name, type] of [['setup.exe', 'application/x-dosexec'], ['setup.x64.exe', 'application/octet-stream'], ['tool', 'application/x-msdownload']]) {
      const f = await fileFacts({ name, declaredType: type, head: WINDOWS_PROGRAM });
      assert.equal(f.executable, true, name);
      assert.equal(f.disguised, false, `${name}: ${f.finding}`);
    }
  });

  it('a program behind a document name, type or two extensions is disguised', async () => {
    assert.equal((await fileFacts({ name: 'scan.jpg', head: LINUX_PROGRAM })).finding, 'elf behind a .jpg name');
    assert.equal((await fileFacts({ name: 'scan', declaredType: 'image/jpeg', head: WINDOWS_PROGRAM })).finding, 'exe behind the declared type image/jpeg');
    assert.equal((await fileFacts({ name: 'Rechnung.docx.js', head: Buffer.from('var x = 1;') })).finding, 'script behind a double extension .docx.js');
    assert.equal((await fileFacts({ name: 'run.sh', head: Buffer.from('#!/bin/sh\necho hi\n') })).realType, 'script');
  });

  it('documents are what they say, with the usual aliases', async () => {
    const jpeg = await fileFacts({ name: 'photo.jpeg', declaredType: 'image/jpg', head: JPEG });
    assert.deepEqual([jpeg.realType, jpeg.mismatch, jpeg.executable], ['jpg', false, false]);
    const pdf = await fileFacts({ name: 'report.pdf', declaredType: 'application/pdf', head: PDF });
    assert.deepEqual([pdf.realType, pdf.mismatch], ['pdf', false]);
    const liar = await fileFacts({ name: 'photo.png', declaredType: 'image/png', head: PDF });
    assert.deepEqual([liar.mismatch, liar.disguised, liar.finding], [true, false, 'pdf content declared as .png']);
    const text = await fileFacts({ name: 'notes.txt', declaredType: 'text/plain', head: Buffer.from('hello') });
    assert.deepEqual([text.realType, text.mismatch, text.executable], [undefined, false, false]);
  });
});
