// Edits the users file for `postern user …`: the YAML document is edited in place, so comments,
// ordering and other entries survive; the result is checked with the same parser the backend
// uses and written atomically (temp file, fsync, rename), so a running Postern never reads half a file.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isMap, isScalar, parseDocument, type Document, type YAMLMap } from 'yaml';
import { fsyncPath } from '../system/fsync.ts';
import { canonicalAddress } from './user-address.ts';
import { parseUserFile, UserFileError, type UserTable } from './user-file.ts';

/** A request the file cannot satisfy (user exists, user missing, bad address). */
export class UserEditError extends Error {
  override name = 'UserEditError';
}

export class UserFileEditor {
  private constructor(
    readonly file: string,
    private readonly doc: Document,
    readonly table: UserTable,
  ) {}

  /** Opens the file; a missing file is an empty one (created on save) when allowMissing. */
  static open(file: string, allowMissing: boolean): UserFileEditor {
    let text = '';
    if (existsSync(file) || !allowMissing) text = readFileSync(file, 'utf8');
    const table = parseUserFile(file, text);
    const doc = parseDocument(text);
    if (!isMap(doc.contents)) doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
    return new UserFileEditor(file, doc, table);
  }

  add(address: string, passwordHash: string): void {
    const canonical = this.canonical(address);
    if (this.table.users.has(canonical)) throw new UserEditError(`${canonical} already exists in ${this.file}; "postern user passwd" changes its password`);
    if (this.table.aliases.has(canonical)) throw new UserEditError(`${canonical} is an alias of ${this.table.aliases.get(canonical)} in ${this.file}`);
    const entry = this.doc.createNode({ password: passwordHash });
    entry.flow = true;
    this.users().set(canonical, entry);
  }

  setPassword(address: string, passwordHash: string): void {
    this.userEntry(address).set('password', passwordHash);
  }

  remove(address: string): void {
    const key = this.userKey(address);
    this.users().delete(key);
  }

  /** Writes the edited document, after checking it parses as a users file. */
  async save(): Promise<void> {
    const text = this.doc.toString({ lineWidth: 0 });
    try {
      parseUserFile(this.file, text);
    } catch (err) {
      if (err instanceof UserFileError) throw new UserEditError(`the edited file would be invalid, not written: ${err.message}`);
      throw err;
    }
    await writeAtomically(this.file, text);
  }

  private canonical(address: string): string {
    const canonical = canonicalAddress(address);
    if (!canonical) throw new UserEditError(`"${address}" is not a user address (local@domain)`);
    return canonical;
  }

  private users(): YAMLMap {
    const root = this.doc.contents as YAMLMap;
    const users: unknown = root.get('users', true);
    if (isMap(users)) return users;
    const created = this.doc.createNode({}) as YAMLMap;
    root.set('users', created);
    return created;
  }

  /** The key node as written in the file (its domain may be in another case). */
  private userKey(address: string): unknown {
    const canonical = this.canonical(address);
    const pair = this.users().items.find((p) => isScalar(p.key) && canonicalAddress(String(p.key.value)) === canonical);
    if (!pair) throw new UserEditError(`no user ${canonical} in ${this.file}`);
    return pair.key;
  }

  private userEntry(address: string): YAMLMap {
    return this.users().get(this.userKey(address), true) as unknown as YAMLMap;
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  // Password hashes are secrets: a new file is readable by its owner only; an existing one keeps its mode.
  const mode = existsSync(file) ? statSync(file).mode & 0o7777 : 0o600;
  try {
    await writeFile(temp, text, { flag: 'wx', mode });
    await fsyncPath(temp);
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await fsyncPath(dirname(file));
}
