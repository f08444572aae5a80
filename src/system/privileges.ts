import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync } from 'node:fs';
import type { Logger } from '../log/logger.ts';

export interface RunAs {
  user?: string;
  group?: string;
}

/** After the privileged ports are bound: become the configured user, as Postfix's master does.
 *  Without a configured user the process keeps its identity, with a warning when that is root. */
export function dropPrivileges(runAs: RunAs, logger: Logger): void {
  if (!process.setuid || !process.setgid || !process.getuid) return;
  if (!runAs.user) {
    if (process.getuid() === 0) logger.warn('running as root: set "user" (and "group") in the configuration so Postern drops privileges after binding its ports');
    return;
  }
  try {
    process.setgid(runAs.group ?? runAs.user);
    process.setgroups?.([runAs.group ?? runAs.user]);
    process.setuid(runAs.user);
  } catch (err) {
    throw new Error(`cannot switch to user "${runAs.user}"${runAs.group ? ` and group "${runAs.group}"` : ''}: ${(err as Error).message} (check the "user" and "group" keys)`);
  }
  logger.info({ user: runAs.user, group: runAs.group ?? runAs.user }, 'dropped privileges');
}

/** Numeric ids through the system's name service (id(1), getent(1)), so LDAP or NIS users work too. */
function numericIds(runAs: Required<Pick<RunAs, 'user'>> & RunAs): { uid: number; gid: number } {
  const lookup = (cmd: string, args: string[], what: string, key: string): number => {
    try {
      const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      const id = Number(cmd === 'getent' ? out.split(':')[2] : out);
      if (Number.isInteger(id)) return id;
    } catch {
      // fall through to the error below
    }
    throw new Error(`${key}: there is no ${what} "${args.at(-1)}" on this system; create it or change "${key}"`);
  };
  const uid = lookup('id', ['-u', runAs.user], 'user', 'user');
  const gid = runAs.group ? lookup('getent', ['group', runAs.group], 'group', 'group') : lookup('id', ['-g', runAs.user], 'user', 'user');
  return { uid, gid };
}

/** Creates a folder Postern writes after it has dropped privileges, owned by the user it becomes
 *  (as Postfix's post-install gives its queue to the postfix user). */
export function prepareStateDir(path: string, runAs: RunAs): void {
  mkdirSync(path, { recursive: true, mode: 0o750 });
  if (!runAs.user || process.getuid?.() !== 0) return;
  const { uid, gid } = numericIds({ ...runAs, user: runAs.user });
  chownSync(path, uid, gid);
}
