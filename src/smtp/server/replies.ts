import type { Reply } from './syntax/reply.ts';

/** One reply on the wire; several lines share the code, with "-" on all but the last (RFC 5321 §4.2.1). */
export function formatReply({ code, enhanced, text }: Reply): string {
  const lines = text.split('\n');
  return lines.map((line, i) => `${code}${i < lines.length - 1 ? '-' : ' '}${enhanced} ${line}\r\n`).join('');
}

/** Replies without an enhanced code: the greeting and the EHLO keyword list (RFC 2034 §3). */
export function formatPlain(code: number, lines: string[]): string {
  return lines.map((line, i) => `${code}${i < lines.length - 1 ? '-' : ' '}${line}\r\n`).join('');
}
