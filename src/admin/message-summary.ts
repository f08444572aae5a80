// What an administrator needs to recognise a message: subject, From, To, and its attachments'
// names, types and sizes, read with mailparser's streaming parser. Attachment bodies are counted
// and dropped, never kept.
import type { Readable } from 'node:stream';
import { MailParser, type AttachmentStream, type MessageText } from 'mailparser';

export interface MessageSummary {
  subject: string;
  from: string;
  to: string;
  date?: string;
  attachments: Array<{ filename: string; contentType: string; size: number }>;
}

function addressText(value: unknown): string {
  if (value === undefined) return '';
  const list = Array.isArray(value) ? value : [value];
  return list.map((v) => (v as { text?: string }).text ?? '').join(', ');
}

export function summariseMessage(message: Readable): Promise<MessageSummary> {
  return new Promise((resolve, reject) => {
    const parser = new MailParser({ skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
    const summary: MessageSummary = { subject: '', from: '', to: '', attachments: [] };
    parser.on('headers', (headers) => {
      const subject = headers.get('subject');
      summary.subject = typeof subject === 'string' ? subject : '';
      summary.from = addressText(headers.get('from'));
      summary.to = addressText(headers.get('to'));
      const date = headers.get('date');
      if (date instanceof Date && !Number.isNaN(date.getTime())) summary.date = date.toISOString();
    });
    parser.on('data', (part: AttachmentStream | MessageText) => {
      if (part.type !== 'attachment') return;
      const entry = { filename: part.filename ?? '', contentType: part.contentType, size: 0 };
      summary.attachments.push(entry);
      part.content.on('data', (chunk: Buffer) => (entry.size += chunk.length));
      part.content.on('end', () => part.release?.());
    });
    parser.once('end', () => resolve(summary));
    parser.once('error', reject);
    message.once('error', reject);
    message.pipe(parser);
  });
}
