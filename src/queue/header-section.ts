// A stored message's header section and its Subject, read from the top only: a large body costs nothing.
import { MailParser } from 'mailparser';

/** Header sections are read this far at most. */
const MAX_HEADER_BYTES = 256 * 1024;

/** The bytes up to and including the blank line that ends the header section (all of a message without one, up to the bound). */
export async function headerSection(message: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of message) {
      chunks.push(chunk as Buffer);
      length += (chunk as Buffer).length;
      const sofar = Buffer.concat(chunks, length);
      const end = sofar.indexOf('\r\n\r\n');
      if (end >= 0) return sofar.subarray(0, end + 4);
      if (length >= MAX_HEADER_BYTES) return sofar.subarray(0, MAX_HEADER_BYTES);
    }
    return Buffer.concat(chunks, length);
  } finally {
    (message as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  }
}

/** The decoded Subject (RFC 2047 encoded words, folding), '' when there is none. */
export function subjectOf(header: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const parser = new MailParser({ skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
    parser.once('headers', (headers) => {
      const subject = headers.get('subject');
      resolve(typeof subject === 'string' ? subject : '');
    });
    parser.on('data', () => {});
    parser.once('end', () => resolve(''));
    parser.once('error', reject);
    parser.end(header.subarray(-4).equals(Buffer.from('\r\n\r\n')) ? header : Buffer.concat([header, Buffer.from('\r\n\r\n')]));
  });
}
