import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/errors.ts';
import { configFileFrom, loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, generalHelp, HELP, UsageError, verbHelp } from './usage.ts';
import { checkConfigVerb } from './verbs/check-config.ts';
import { controlVerb, stopVerb } from './verbs/control.ts';
import { dkimVerb } from './verbs/dkim.ts';
import { directoryVerb } from './verbs/directory.ts';
import { checkZoneVerb, lookupVerb } from './verbs/dns.ts';
import { quarantineVerb } from './verbs/quarantine.ts';
import { queueVerb } from './verbs/queue.ts';
import { startVerb } from './verbs/start.ts';
import { userVerb } from './verbs/user.ts';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      origin: { type: 'string' },
      file: { type: 'string' },
      type: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      version: { type: 'boolean', short: 'V' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [verb, ...rest] = positionals;
  if (values.version) return print(`postern ${VERSION}`);
  if (!verb || verb === 'help') return print(rest[0] ? (verbHelp(rest[0]) ?? unknownVerb(rest[0])) : generalHelp(VERSION));
  if (values.help) return print(verbHelp(verb) ?? unknownVerb(verb));
  if (!HELP[verb]) unknownVerb(verb);

  const config = (): Config => loadConfig(configFileFrom(values.config));
  const noMore = (n: number) => {
    if (rest.length > n) throw new UsageError(`unexpected argument "${rest[n]}"; see "postern help ${verb}"`);
  };

  switch (verb) {
    case 'start':
      noMore(0);
      return startVerb(config());
    case 'stop':
      noMore(0);
      return stopVerb(config());
    case 'reload':
      noMore(0);
      return controlVerb(configForReload(config), 'reload');
    case 'status':
      noMore(0);
      return controlVerb(config(), 'status');
    case 'check-config':
      noMore(0);
      return checkConfigVerb(config());
    case 'queue':
      return queueVerb(config(), [...(rest.length === 0 ? ['list'] : rest), ...(values.json ? ['--json'] : [])]);
    case 'quarantine':
      return quarantineVerb(config(), [...(rest.length === 0 ? ['list'] : rest), ...(values.json ? ['--json'] : [])]);
    case 'mailq':
      noMore(0);
      return queueVerb(config(), ['list', ...(values.json ? ['--json'] : [])]);
    case 'user':
      return userVerb(rest, values.file ?? usersFileOf(config));
    case 'dns':
      return dnsVerb(rest, values.origin, config);
    case 'directory':
      return directoryVerb(config(), rest, values.json ?? false);
    case 'dkim':
      return dkimVerb(rest, { type: values.type, out: values.out, configFile: configFileFrom(values.config) });
  }
  return unknownVerb(verb);
}

/** Without --file: the first `file` backend of the configuration's directory.backends. */
function usersFileOf(config: () => Config): string {
  const loaded = config();
  const backend = loaded.directory.backends.find((b) => b.type === 'file');
  if (!backend) throw new UsageError(`${loaded.configFile} has no file backend in directory.backends: give the users file with --file PATH, or add directory: { backends: [ { type: file, path: users.yaml } ] }`);
  return backend.path;
}

async function dnsVerb(args: string[], origin: string | undefined, config: () => Config): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'check-zone':
      if (rest.length !== 1 || !origin) throw new UsageError('usage: postern dns check-zone FILE --origin NAME');
      return checkZoneVerb(rest[0], origin);
    case 'reload':
      if (rest.length !== 0) throw new UsageError('usage: postern dns reload [--config FILE]');
      return controlVerb(config(), 'dns-reload');
    case 'lookup':
      if (rest.length < 1 || rest.length > 2) throw new UsageError('usage: postern dns lookup NAME [TYPE] [--config FILE]');
      return lookupVerb(config(), rest[0], rest[1] ?? 'A');
  }
  throw new UsageError(`unknown dns verb ${sub ? `"${sub}"` : '(none given)'}; expected check-zone, reload or lookup`);
}

/** The running Postern re-reads the same file: a file with errors is refused here already. */
function configForReload(config: () => Config): Config {
  try {
    return config();
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(err.file, [`reload refused; the running configuration stays. Fix these first:`, ...err.problems]);
    throw err;
  }
}

function unknownVerb(verb: string): never {
  throw new UsageError(`unknown verb "${verb}"; "postern help" lists the verbs`);
}

function print(text: string): number {
  process.stdout.write(`${text}\n`);
  return EXIT_OK;
}

async function main(): Promise<void> {
  let code: number;
  try {
    code = await run(process.argv.slice(2));
  } catch (err) {
    if (err instanceof ConfigError || err instanceof UsageError || (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`postern: ${(err as Error).message}\n`);
      code = EXIT_USAGE;
    } else {
      process.stderr.write(`postern: ${(err as Error).stack ?? String(err)}\n`);
      code = EXIT_FAILURE;
    }
  }
  // Let stdout drain before the exit, so piped output is complete.
  process.exitCode = code;
  setImmediate(() => process.exit(code));
}

await main();
