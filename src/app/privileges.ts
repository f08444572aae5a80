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
