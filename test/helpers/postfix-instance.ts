// A throwaway Postfix instance, as root: its own config, queue and data folders under `home`, one
// smtpd listener, `postfix -c DIR start` and `stop`. Tests and benchmarks configure it through
// main.cf parameters (relaying, maps, defer_transports, relayhost...) laid over safe defaults.
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

export interface PostfixSetup {
  /** The instance's own folder (created); the folders above it must be searchable by others. */
  home: string;
  /** Where its smtpd listens; 127.0.0.1 by default. Any 127.0.0.x: inet_interfaces stays
   *  127.0.0.1, since Postfix accepts there only addresses an interface has exactly. */
  address?: string;
  port: number;
  /** main.cf parameters over the defaults below (a value replaces the default, never duplicates it). */
  main?: Record<string, string | number>;
  /** Extra master.cf services, one line each (e.g. pickup, for `sendmail -C`). */
  services?: string[];
}

/** One message of `postqueue -j` (the fields used here; Postfix writes more). */
export interface PostfixQueueEntry {
  queue_name: string;
  queue_id: string;
  sender: string;
  recipients: Array<{ address: string; delay_reason?: string }>;
}

export interface PostfixInstance {
  home: string;
  /** The folder given to `postfix -c`, `postqueue -c`, `postcat -c`, `sendmail -C`. */
  config: string;
  /** The master process; it forks and reaps every other daemon, so its tree is all of Postfix. */
  pid: number;
  version: string;
  queue(): PostfixQueueEntry[];
  /** The instance's own log (maillog_file). */
  log(): string;
  /** Synchronous SIGKILL of master, for process-exit handlers; stop() is the orderly way. */
  kill(): void;
  stop(): Promise<void>;
}

/** Why Postfix cannot be started here, or false when it can. */
export function postfixUnavailable(): string | false {
  if (process.getuid?.() !== 0) return 'a Postfix instance of its own needs root';
  if (!existsSync('/usr/sbin/postfix')) return 'needs the Debian package postfix (scripts/test-deps.sh)';
  return false;
}

/** The postfix user's uid and gid: its daemons own data_directory, virtual(8) writes as them. */
export function postfixIds(): { uid: number; gid: number } {
  const id = (flag: string) => spawnSync('id', [flag, 'postfix'], { encoding: 'utf8' });
  const uid = id('-u');
  const gid = id('-g');
  if (uid.status !== 0 || gid.status !== 0) throw new Error('no postfix user: install the Debian package postfix (scripts/test-deps.sh)');
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function postfixVersion(): string {
  const r = spawnSync('postconf', ['-d', '-h', 'mail_version'], { encoding: 'utf8' });
  return r.stdout.trim() || 'unknown';
}

function masterPid(home: string): number | undefined {
  try {
    return Number(readFileSync(join(home, 'queue', 'pid', 'master.pid'), 'utf8').trim());
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

// chroot off (the fourth column) so that no chroot jail has to be built; every delivery agent
// qmgr may pick is listed, since a missing one makes it defer with "unknown mail transport".
const MASTER_CF = (address: string, port: number, services: string[]) => `${address}:${port} inet n - n - - smtpd
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
smtp      unix - - n - - smtp
relay     unix - - n - - smtp
local     unix - n n - - local
virtual   unix - n n - - virtual
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
${services.map((line) => `${line}\n`).join('')}`;

// Nothing is delivered locally unless a caller's parameters say so.
const DEFAULT_MAIN = (home: string): Record<string, string> => ({
  compatibility_level: '3.6',
  queue_directory: join(home, 'queue'),
  data_directory: join(home, 'data'),
  mail_owner: 'postfix',
  setgid_group: 'postdrop',
  maillog_file: join(home, 'maillog'),
  maillog_file_prefixes: home,
  myhostname: 'postfix.example.test',
  mydomain: 'example.test',
  myorigin: 'example.test',
  mydestination: '',
  alias_maps: '',
  alias_database: '',
  local_recipient_maps: '',
  inet_interfaces: '127.0.0.1',
  inet_protocols: 'ipv4',
  mynetworks: '127.0.0.0/8',
  smtpd_relay_restrictions: 'permit_mynetworks, reject_unauth_destination',
});

/** Whether the command exited with 0. */
function run(command: string, args: string[]): Promise<boolean> {
  return promisify(execFile)(command, args, { timeout: 30_000 }).then(
    () => true,
    () => false,
  );
}

/** Postfix's daemons run as the postfix user and must reach their queue: a folder above it that
 *  others cannot search (mkdtemp makes them 0700) fails deep in master's log otherwise. */
function checkSearchable(home: string): void {
  for (let dir = dirname(home); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) throw new Error(`${dir} is not searchable by the postfix user (chmod o+x, e.g. 0755): Postfix's daemons could not reach ${home}`);
  }
}

export async function startPostfix(setup: PostfixSetup): Promise<PostfixInstance> {
  const { home, port } = setup;
  const address = setup.address ?? '127.0.0.1';
  checkSearchable(home);
  for (const dir of ['config', 'queue', 'data']) mkdirSync(join(home, dir), { recursive: true });
  // The daemons own data_directory.
  chmodSync(home, 0o755);
  chownSync(join(home, 'data'), postfixIds().uid, 0);
  const config = join(home, 'config');
  const main = { ...DEFAULT_MAIN(home), ...setup.main };
  writeFileSync(join(config, 'main.cf'), Object.entries(main).map(([name, value]) => `${name} = ${value}\n`).join(''));
  writeFileSync(join(config, 'master.cf'), MASTER_CF(address, port, setup.services ?? []));
  const logFile = join(home, 'maillog');
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  // `postfix check` makes the queue's subfolders with the owners Postfix wants; master -w (from
  // postfix-script) returns once the listener is bound. Its checks take seconds on a busy
  // machine: run asynchronously, so that instances start side by side. Postfix prints its errors
  // only to a terminal; the instance's own log file has them otherwise.
  const started = await run('postfix', ['-c', config, 'start']);
  const pid = masterPid(home);
  const kill = () => {
    if (pid !== undefined && isRunning(pid)) process.kill(pid, 'SIGKILL');
  };
  if (!started || pid === undefined) {
    kill();
    throw new Error(`postfix -c ${config} start failed; ${logFile}:\n${log().slice(-4000) || '(no log)'}`);
  }
  return {
    home,
    config,
    pid,
    version: postfixVersion(),
    queue() {
      const r = spawnSync('postqueue', ['-c', config, '-j'], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`postqueue -c ${config} -j failed (${r.status}): ${r.stderr}`);
      return r.stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as PostfixQueueEntry);
    },
    log,
    kill,
    async stop() {
      // master detaches into its own session: stop it the Postfix way, then make sure.
      await run('postfix', ['-c', config, 'stop']);
      for (let waited = 0; isRunning(pid) && waited < 10_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
      kill();
    },
  };
}
