// A quarantined message's body for review: its plain text, and its HTML made safe (safe-html.ts).
// The console shows the HTML in a sandboxed frame without scripts; this is the server's half.
import type { Readable } from 'node:stream';
import { MailParser, type AttachmentStream, type MessageText } from 'mailparser';
import { safeHtml } from './safe-html.ts';

/** Longer bodies are cut here: a reviewer needs to see what a message is, not all of it. */
const MAX_CHARS = 512 * 1024;

export interface MessagePreview {
  text: string;
  /** The sanitised HTML part; '' when the message has none. */
  html: string;
  truncated: boolean;
}

export function previewMessage(message: Readable): Promise<MessagePreview> {
  return new Promise((resolve, reject) => {
    const parser = new MailParser({ skipHtmlToText: false, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
    const preview: MessagePreview = { text: '', html: '', truncated: false };
    parser.on('data', (part: AttachmentStream | MessageText) => {
      if (part.type === 'attachment') {
        part.content.resume();
        part.content.on('end', () => part.release?.());
        return;
      }
      const text = part.text ?? '';
      const html = typeof part.html === 'string' ? part.html : '';
      preview.truncated = text.length > MAX_CHARS || html.length > MAX_CHARS;
      preview.text = text.slice(0, MAX_CHARS);
      preview.html = html === '' ? '' : safeHtml(html.slice(0, MAX_CHARS));
    });
    parser.once('end', () => resolve(preview));
    parser.once('error', reject);
    message.once('error', reject);
    message.pipe(parser);
  });
}
