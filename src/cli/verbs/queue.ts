// `postern queue ACTION [ID] [--json]` and `postern mailq`: the running Postern's queue.
import { controlSocketPath } from '../../app/control-protocol.ts';
import type { Config } from '../../config/schema.ts';
import { sendControl } from '../control-client.ts';
import { followFlush } from '../flush-progress.ts';
import { EXIT_FAILURE, EXIT_OK, type VerbHelp } from '../usage.ts';

export const QUEUE_HELP: VerbHelp = {
  usage: 'postern queue list|flush|due [--json] | postern queue show|retry|hold|release|delete|bounce ID',
  summary: 'look at and act on the mail queue of the running Postern (mailq: the same as queue list)',
  details:
    'list      every queued message: id (! when held), size, arrival, sender, and each recipient still\n' +
    '          to deliver with the reason of its last deferral; --json for scripts\n' +
    'show ID   the envelope and each recipient\'s state, attempts and next attempt\n' +
    'flush     try every queued message now     retry ID  try this one now\n' +
    'hold ID   never deliver it until released  release ID\n' +
    'delete ID remove it without notice         bounce ID  return it to its sender now (with a DSN)\n' +
    'due       how many recipients are due for an attempt now\n' +
    'Actions wait for a delivery attempt in progress on the message to end. On a terminal, flush\n' +
    'shows a progress bar until every recipient it made due has been tried.',
};

export function queueVerb(config: Config, args: string[]): Promise<number> {
  // A flush of thousands takes a while: on a terminal, show how far it has got.
  if (args[0] === 'flush' && process.stderr.isTTY && !args.includes('--json')) return flushWithProgress(config);
  return listingCommand(config, 'queue', args);
}

async function flushWithProgress(config: Config): Promise<number> {
  const socket = controlSocketPath(config.dataDir);
  try {
    const reply = await sendControl(socket, 'queue', ['flush']);
    (reply.ok ? process.stdout : process.stderr).write(`${reply.message}\n`);
    if (!reply.ok) return EXIT_FAILURE;
    await followFlush(socket, Number(/^\d+/.exec(reply.message)?.[0] ?? 0));
    return EXIT_OK;
  } catch (err) {
    process.stderr.write(`postern: ${(err as Error).message}\n`);
    return EXIT_FAILURE;
  }
}

/** Sends a command whose `list --json` reply carries its JSON in details[0]; prints it for a person or, with --json, for a script. */
export async function listingCommand(config: Config, command: 'queue' | 'quarantine', args: string[]): Promise<number> {
  try {
    const reply = await sendControl(controlSocketPath(config.dataDir), command, args);
    const out = reply.ok ? process.stdout : process.stderr;
    const json = args.includes('--json') && reply.ok && args[0] !== 'show';
    out.write(json ? `${reply.details?.[0] ?? '[]'}\n` : `${[reply.message, ...(reply.details ?? [])].join('\n')}\n`);
    return reply.ok ? EXIT_OK : EXIT_FAILURE;
  } catch (err) {
    process.stderr.write(`postern: ${(err as Error).message}\n`);
    return EXIT_FAILURE;
  }
}
