// Exit codes shared by every verb: 0 ok, 1 runtime failure, 2 usage or configuration error.
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

// user.ts imports the exit codes from here; its help text is only read once both are loaded.
import { DIRECTORY_HELP } from './verbs/directory.ts';
import { DKIM_HELP } from './verbs/dkim.ts';
import { QUARANTINE_HELP } from './verbs/quarantine.ts';
import { QUEUE_HELP } from './verbs/queue.ts';
import { USER_HELP } from './verbs/user.ts';

/** A mistake in the command line or the configuration: reported, then exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface VerbHelp {
  usage: string;
  summary: string;
  details?: string;
}

export const HELP: Record<string, VerbHelp> = {
  start: {
    usage: 'postern start [--config FILE]',
    summary: 'run Postern in the foreground',
    details: 'Binds the configured listeners, drops privileges to "user"/"group", and serves until stopped.\nSIGTERM or SIGINT: graceful stop within shutdownTimeout. SIGHUP: reload the configuration.',
  },
  stop: { usage: 'postern stop [--config FILE]', summary: 'stop a running Postern gracefully and wait until it has exited' },
  status: {
    usage: 'postern status [--config FILE]',
    summary: 'show whether Postern runs, its listeners and the DNS counters',
    details: 'The DNS counters (queries by type, responses by rcode, cache hits and misses, rate-limited answers, transfers, updates) are summed over the DNS workers since they started.',
  },
  reload: {
    usage: 'postern reload [--config FILE]',
    summary: 'reload the configuration of a running Postern',
    details: 'A configuration with errors is refused and the running one stays; the errors are printed and the exit code is 2.',
  },
  'check-config': {
    usage: 'postern check-config [--config FILE]',
    summary: 'validate the configuration and every zone file it names, and print the effective settings',
  },
  dns: {
    usage: 'postern dns check-zone FILE --origin NAME | postern dns reload [--config FILE] | postern dns lookup NAME [TYPE] [--config FILE]',
    summary: 'check a zone file, reload the zones of a running Postern, or look a name up through Postern\'s resolver',
    details:
      'check-zone FILE --origin NAME  parse and check a master file like named-checkzone; exit 1 when it has errors\n' +
      'reload                         reload every zone file; a zone with errors keeps its previous version\n' +
      'lookup NAME [TYPE]             resolve NAME (default type A) with the servers of "resolver" and print the answer',
  },
  queue: QUEUE_HELP,
  mailq: { usage: 'postern mailq [--config FILE]', summary: 'list the mail queue (postern queue list)' },
  quarantine: QUARANTINE_HELP,
  user: USER_HELP,
  directory: DIRECTORY_HELP,
  dkim: DKIM_HELP,
  help: { usage: 'postern help [VERB]', summary: 'show help for Postern or one verb' },
};

export function generalHelp(version: string): string {
  const width = Math.max(...Object.keys(HELP).map((v) => v.length));
  const verbs = Object.entries(HELP).map(([verb, h]) => `  ${verb.padEnd(width)}  ${h.summary}`);
  return [
    `postern ${version}: secure mail gateway and DNS server for the network edge`,
    '',
    'Usage: postern VERB [OPTIONS]',
    '',
    'Verbs:',
    ...verbs,
    '',
    'Options:',
    '  --config FILE  the configuration file (default: $POSTERN_CONFIG, else the bundled config/postern.yaml)',
    '  --version      print the version',
    '',
    'Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error.',
  ].join('\n');
}

export function verbHelp(verb: string): string | undefined {
  const h = HELP[verb];
  if (!h) return undefined;
  return [`Usage: ${h.usage}`, '', h.summary, ...(h.details ? ['', h.details] : [])].join('\n');
}
