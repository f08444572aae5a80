// Test messages for the content filter, built as a mail client would send them, and the
// files they carry: a Windows program, a Linux one, zips made by Info-ZIP's zip.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The start of a Windows program: the MZ header with a PE offset and the DOS stub's message. */
export const WINDOWS_PROGRAM = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff', 'latin1'), Buffer.alloc(46), Buffer.from('This program cannot be run in DOS mode.\r\r\n$', 'latin1'), Buffer.alloc(400, 0x41)]);

/** The start of a Linux x86-64 program. */
export const LINUX_PROGRAM = Buffer.concat([Buffer.from('7f454c4602010100000000000000000002003e00', 'hex'), Buffer.alloc(300, 0x42)]);

export const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

export interface Part {
  headers: string[];
  body: string;
}

export function textPart(text: string): Part {
  return { headers: ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 7bit'], body: text };
}

/** An attachment in base64; `nameParam` is the raw filename parameter as a mail client writes it. */
export function attachment(bytes: Buffer, contentType: string, nameParam: string): Part {
  return {
    headers: [`Content-Type: ${contentType}`, `Content-Disposition: attachment; ${nameParam}`, 'Content-Transfer-Encoding: base64'],
    body: (bytes.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n'),
  };
}

export function nestedMessage(message: string): Part {
  return { headers: ['Content-Type: message/rfc822'], body: message };
}

let boundaries = 0;

/** A multipart/mixed part holding the parts; `close: false` leaves out the final boundary. */
export function multipart(parts: Part[], close = true): Part {
  const boundary = `b${++boundaries}-postern-test`;
  const body = parts.map((p) => `--${boundary}\r\n${p.headers.join('\r\n')}\r\n\r\n${p.body}\r\n`).join('') + (close ? `--${boundary}--\r\n` : '');
  return { headers: [`Content-Type: multipart/mixed; boundary="${boundary}"`], body };
}

export function message(body: Part, subject = 'Test message', extraHeaders: string[] = []): string {
  return [
    'From: Alice <alice@sender.test>',
    'To: Bob <bob@example.test>',
    `Subject: ${subject}`,
    'Date: Sun, 29 Nov 2026 09:00:00 +0000',
    'Message-ID: <content-test@sender.test>',
    'MIME-Version: 1.0',
    ...extraHeaders,
    ...body.headers,
    '',
    body.body,
  ].join('\r\n');
}

/** A zip made by Info-ZIP's zip, encrypted (ZipCrypto) when a password is given. */
export function zipOf(files: Array<{ name: string; bytes: Buffer }>, password?: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'postern-zip-'));
  try {
    for (const f of files) writeFileSync(join(dir, f.name), f.bytes);
    const out = join(dir, 'out.zip');
    execFileSync('zip', ['-q', '-j', ...(password ? ['-P', password] : []), out, ...files.map((f) => join(dir, f.name))]);
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
