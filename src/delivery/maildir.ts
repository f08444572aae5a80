// Local delivery into Maildir (as Postfix's local(8) and virtual(8) do): write to tmp/, fsync,
// rename into new/, fsync new/. The file name derives from the queue id and the recipient, so
// delivering the same message to the same recipient again (after a crash between the rename
// and the queue update) finds the file already there and does not deliver twice.
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
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
    out.write(`Return-Path: <${d.sender}>\r\nDelivered-To: ${d.recipient}\r\n`);
    await pipeline(d.message, out);
    await fsyncPath(temp);
    await rename(temp, target);
    await fsyncPath(join(folder, 'new'));
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  return { path: target, duplicate: false };
}
