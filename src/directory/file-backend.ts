// The `file` directory backend: users and their aliases from a YAML file, checked for changes on
// each use, so `postern user add` takes effect without a reload. Satisfies the SMTP engine's
// Authenticator by shape (the directory sits below the services and does not import them).
import { readFileSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { Logger } from '../log/logger.ts';
import { ConfigError } from '../config/errors.ts';
import type { DirectoryBackend, Lookup, VerifyResult } from './lookup.ts';
import { hashPassword, verifyPassword } from './password-hash.ts';
import { canonicalAddress } from './user-address.ts';
import { parseUserFile, UserFileError, type UserTable } from './user-file.ts';

export interface FileDirectoryOptions {
  /** The users file (YAML). */
  file: string;
  logger: Logger;
}

// A hash that no password matches, verified for unknown users so that "no such user" takes as
// long as "wrong password" and the reply time does not tell which addresses exist.
const UNKNOWN_USER_HASH = await hashPassword(Math.random().toString(36));

/** Identity of a file version: a rename over the file changes the inode, an edit in place the mtime or size. */
function versionOf(s: { ino: number; mtimeMs: number; size: number }): string {
  return `${s.ino}:${s.mtimeMs}:${s.size}`;
}

export class FileDirectory implements DirectoryBackend {
  readonly name: string;
  private table: UserTable;
  private version: string;
  private failedVersion: string | undefined;
  private checking: Promise<void> | undefined;

  /** Reads the file now; a file that cannot be read or parsed is a configuration error naming it. */
  constructor(private readonly options: FileDirectoryOptions) {
    this.name = `file ${options.file}`;
    try {
      this.version = versionOf(statSync(options.file));
      this.table = parseUserFile(options.file, readFileSync(options.file, 'utf8'));
    } catch (err) {
      if (err instanceof UserFileError) throw new ConfigError(options.file, err.problems);
      throw new ConfigError(options.file, [`users file cannot be read: ${(err as Error).message}`]);
    }
  }

  async verify(authcid: string, password: string): Promise<VerifyResult> {
    await this.refresh();
    const address = canonicalAddress(authcid);
    const user = address === undefined ? undefined : this.table.users.get(address);
    try {
      const match = await verifyPassword(password, user?.passwordHash ?? UNKNOWN_USER_HASH);
      return match && user?.passwordHash !== undefined ? 'ok' : 'fail';
    } catch (err) {
      this.options.logger.error({ err, file: this.options.file }, 'password check failed');
      return 'unavailable';
    }
  }

  /** The user with this address or alias (an alias is answered with the user's address), or the group. */
  async lookup(address: string): Promise<Lookup> {
    await this.refresh();
    const canonical = canonicalAddress(address);
    if (canonical === undefined) return { kind: 'unknown', source: this.name };
    const members = this.table.groups.get(canonical);
    if (members) return { kind: 'found', entry: { address: canonical, kind: 'group', forwards: [], members: [...members], source: this.name } };
    const user = this.table.users.get(this.table.aliases.get(canonical) ?? canonical);
    if (!user) return { kind: 'unknown', source: this.name };
    const mailHost = user.mailHost === undefined ? {} : { mailHost: user.mailHost };
    return { kind: 'found', entry: { address: user.address, kind: 'user', forwards: [...user.forward], members: [], ...mailHost, source: this.name } };
  }

  /** Nothing stays open: the file is read when it changes, not kept. */
  async close(): Promise<void> {}

  /** Re-reads the file when it changed; one check at a time however many sessions ask. */
  private refresh(): Promise<void> {
    this.checking ??= this.reloadIfChanged().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async reloadIfChanged(): Promise<void> {
    const { file, logger } = this.options;
    let version: string;
    let text: string;
    try {
      version = versionOf(await stat(file));
      if (version === this.version || version === this.failedVersion) return;
      text = await readFile(file, 'utf8');
    } catch (err) {
      if (this.failedVersion !== 'unreadable') logger.error({ file, err: (err as Error).message }, 'users file cannot be read; keeping the last good one');
      this.failedVersion = 'unreadable';
      return;
    }
    try {
      this.table = parseUserFile(file, text);
      this.version = version;
      this.failedVersion = undefined;
      logger.info({ file, users: this.table.users.size }, 'users file reloaded');
    } catch (err) {
      if (!(err instanceof UserFileError)) throw err;
      this.failedVersion = version;
      logger.error({ file, problems: err.problems }, 'users file has errors; keeping the last good one');
    }
  }
}
