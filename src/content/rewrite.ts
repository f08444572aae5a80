// The filter's rewrite of a message: attachments replaced by a short text/plain note saying
// what was removed and why, and the subject tagged. Streams through mailsplit's Splitter and
// Joiner, so every part not touched comes out byte for byte as it went in.
import { Joiner, Splitter, type MimeNode } from '@zone-eu/mailsplit';
import { PassThrough, Transform, type TransformCallback, pipeline, type Readable } from 'node:stream';
import { partNumberOf, splitterOptions, type SplitLimits } from './mime-walk.ts';

export interface RewritePlan {
  /** Part numbers to remove, with the note that takes each one's place. */
  strip: ReadonlyMap<string, string>;
  /** Put in front of the Subject (once). */
  subjectPrefix?: string;
  /** The same bounds the walk used, so both read the same parts. */
  limits: SplitLimits;
}

export function rewriteMessage(message: NodeJS.ReadableStream, plan: RewritePlan): Readable {
  const rewritten = new PassThrough();
  // A failure midway destroys `rewritten` with the error, so its reader sees it.
  pipeline(message as Readable, new Splitter(splitterOptions(plan.limits)), new PartReplacer(plan), new Joiner(), rewritten, () => undefined);
  return rewritten;
}

type Chunk = MimeNode | { type: 'data' | 'body'; value: Buffer; node?: MimeNode };

class PartReplacer extends Transform {
  /** Inside a removed part: its body chunks are dropped. */
  private dropping = false;

  constructor(private readonly plan: RewritePlan) {
    super({ objectMode: true });
  }

  override _transform(chunk: Chunk, _encoding: BufferEncoding, done: TransformCallback): void {
    if (chunk.type !== 'node') {
      if (!(this.dropping && chunk.type === 'body')) this.push(chunk);
      return done();
    }
    const node = chunk as MimeNode;
    this.dropping = false;
    if (!node.parentNode && this.plan.subjectPrefix !== undefined) tagSubject(node, this.plan.subjectPrefix);
    const note = !node.multipart && node.messageNode !== true ? this.plan.strip.get(partNumberOf(node)) : undefined;
    if (note === undefined) {
      this.push(node);
      return done();
    }
    const body = Buffer.from(note.replace(/\r?\n/g, '\r\n'), 'utf8');
    const ascii = !/[^\x00-\x7f]/.test(note);
    node.setFilename(`${node.filename || 'attachment'}.removed.txt`);
    const headers = node.headers;
    if (headers) {
      headers.update('Content-Type', 'text/plain; charset=utf-8');
      headers.update('Content-Transfer-Encoding', ascii ? '7bit' : 'base64');
      headers.remove('Content-Description');
    }
    this.push(node);
    this.push({ type: 'body', node, value: ascii ? body : Buffer.from(wrapBase64(body)) });
    this.dropping = true;
    done();
  }
}

function tagSubject(root: MimeNode, prefix: string): void {
  const headers = root.headers;
  if (!headers) return;
  const subject = headers.getFirst('Subject');
  if (subject.startsWith(prefix.trim())) return;
  headers.update('Subject', `${prefix}${subject}`.trimEnd());
}

function wrapBase64(body: Buffer): string {
  return (body.toString('base64').match(/.{1,76}/g) ?? []).map((line) => `${line}\r\n`).join('');
}
