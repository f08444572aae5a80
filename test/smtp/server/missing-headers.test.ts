import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MissingHeaders } from '../../../src/smtp/server/missing-headers.ts';

const NOW = new Date(Date.UTC(2026, 10, 29, 8, 30, 0));

/** Runs a message through MissingHeaders cut into pieces at the given offsets. */
function filled(message: string, cuts: number[] = []): string {
  const out: Buffer[] = [];
  const headers = new MissingHeaders((chunk) => out.push(Buffer.from(chunk)), 'mx.example.test', () => NOW);
  const bytes = Buffer.from(message);
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    headers.write(bytes.subarray(from, cut));
    from = cut;
  }
  headers.end();
  return Buffer.concat(out).toString().replace(/<[^>]+@mx\.example\.test>/, '<ID@mx.example.test>');
}

const ADDED = 'Date: Sun, 29 Nov 2026 08:30:00 +0000\r\nMessage-ID: <ID@mx.example.test>\r\n';

test('missing Date and Message-ID go at the end of the header section, folded headers and the body untouched', () => {
  const message = 'From: a@example.test\r\nSubject: a folded\r\n subject\r\n\r\nbody\r\nDate: not a header here\r\n';
  assert.equal(filled(message), `From: a@example.test\r\nSubject: a folded\r\n subject\r\n${ADDED}\r\nbody\r\nDate: not a header here\r\n`);
});

test('present ones are kept and not added again, whatever their case and spacing', () => {
  const message = 'DATE : Mon, 1 Jan 2024 00:00:00 +0000\r\nmessage-id:<x@y>\r\n\r\nbody\r\n';
  assert.equal(filled(message), message);
  assert.equal(filled('Message-ID: <x@y>\r\n\r\nb\r\n'), 'Message-ID: <x@y>\r\nDate: Sun, 29 Nov 2026 08:30:00 +0000\r\n\r\nb\r\n');
});

test('a body without the empty line gets one; a message of headers only gets the fields at its end; an empty one gets just them', () => {
  assert.equal(filled('Subject: x\r\nno header line\r\n'), `Subject: x\r\n${ADDED}\r\nno header line\r\n`);
  assert.equal(filled('Subject: x\r\n'), `Subject: x\r\n${ADDED}`);
  assert.equal(filled(''), ADDED);
  assert.equal(filled(' starts with a space\r\n'), `${ADDED}\r\n starts with a space\r\n`, 'a continuation line with no field before it is body');
});

test('the result is the same however the stream is cut, including inside CRLF and inside a field name', () => {
  const message = 'From: a@example.test\r\nX-Long: ' + 'y'.repeat(300) + '\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\nbody line\r\n';
  const whole = filled(message);
  for (let i = 1; i < message.length; i += 7) {
    assert.equal(filled(message, [i]), whole, `cut at ${i}`);
    assert.equal(filled(message, [i, Math.min(message.length, i + 1)]), whole, `cuts at ${i} and ${i + 1}`);
  }
});
