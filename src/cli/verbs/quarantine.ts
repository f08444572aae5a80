// `postern quarantine list [--json] | show ID | release ID | delete ID`: the running Postern's quarantine.
import type { Config } from '../../config/schema.ts';
import type { VerbHelp } from '../usage.ts';
import { listingCommand } from './queue.ts';

export const QUARANTINE_HELP: VerbHelp = {
  usage: 'postern quarantine list [--json] | postern quarantine show|release|delete ID',
  summary: 'look at and act on the messages a content check put in quarantine (never delivered until released)',
  details:
    'list        every quarantined message: id, when, size, matched rule, sender, recipients, subject\n' +
    '            and why; --json for scripts (id, time, sender, recipients, subject, rule, reason, size)\n' +
    'show ID     the same with the envelope and the message\'s header section\n' +
    'release ID  queue it for delivery now (the check that held it is not run again)\n' +
    'delete ID   remove it without notice\n' +
    'Entries older than content.quarantine.retention (30d) are deleted automatically.',
};

export function quarantineVerb(config: Config, args: string[]): Promise<number> {
  return listingCommand(config, 'quarantine', args);
}
