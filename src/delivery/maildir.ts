// Local delivery into Maildir (as Postfix's local(8) and virtual(8) do): write to tmp/, fsync,
// rename into new/, fsync new/. The file name derives from the queue id and the recipient, so
// delivering the same message to the same recipient again (after a crash between the rename
// and the queue update) finds the file already there and does not deliver twice. Files have
// Unix line endings, as Postfix, qmail and Dovecot write Maildir (the spool keeps CRLF).
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fsyncPath } from '../system/fsync.ts';

export interface MaildirDelivery {
  /** The route's folder; each local part gets root/<folder>/{tmp,new,cur}. */
  root: string;
  queueId: string;
  sender: string;
  recipient: string;
  hostname: string;
  message: NodeJS.ReadableStream;
}

/**
 * The folder for a local part: lower-cased; letters, digits and ._+- kept, every other octet
 * (/, NUL, quotes, non-ASCII) written =XX, and a leading dot too, so no local part can name a
 * path outside the root, a hidden folder, "." or "..".
 */
export function maildirFolderName(localPart: string): string {
  let out = '';
  for (const byte of Buffer.from(localPart.toLowerCase(), 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[a-z0-9_+\-.]/.test(ch) && !(ch === '.' && out === '') ? ch : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function alreadyDelivered(folder: string, name: string): boolean {
  if (existsSync(join(folder, 'new', name))) return true;
  // A mail client that has seen it moved it to cur/ as NAME:2,FLAGS.
  return readdirSync(join(folder, 'cur')).some((f) => f === name || f.startsWith(`${name}:`));
}

/** CRLF to LF; the spool's messages have CRLF line endings only, so a CR is dropped only before an LF. */
function crlfToLf(): Transform {
  let heldCr = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      let text = chunk.toString('latin1');
      if (heldCr) text = `\r${text}`;
      heldCr = text.endsWith('\r');
      if (heldCr) text = text.slice(0, -1);
      done(null, Buffer.from(text.replace(/\r\n/g, '\n'), 'latin1'));
    },
    flush(done) {
      done(null, heldCr ? Buffer.from('\r') : undefined);
    },
  });
}

/** Delivers one message to one recipient; resolves with the file's path in new/ (or the existing delivery's). */
export async function deliverToMaildir(d: MaildirDelivery): Promise<{ path: string; duplicate: boolean }> {
  const at = d.recipient.lastIndexOf('@');
  const folder = join(d.root, maildirFolderName(at > 0 ? d.recipient.slice(0, at) : d.recipient));
  for (const sub of ['tmp', 'new', 'cur']) mkdirSync(join(folder, sub), { recursive: true, mode: 0o700 });
  const name = `${d.queueId}.${createHash('sha256').update(d.recipient).digest('hex').slice(0, 16)}.${d.hostname}`;
  const target = join(folder, 'new', name);
  if (alreadyDelivered(folder, name)) return { path: target, duplicate: true };

  const temp = join(folder, 'tmp', name);
  const out = createWriteStream(temp, { mode: 0o600 });
  try {
    out.write(`Return-Path: <${d.sender}>\nDelivered-To: ${d.recipient}\n`);
    await pipeline(d.message, crlfToLf(), out);
    await fsyncPath(temp);
    await rename(temp, target);
    await fsyncPath(join(folder, 'new'));
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  return { path: target, duplicate: false };
}
