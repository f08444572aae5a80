// A throwaway Postfix instance that accepts mail into its durable queue and never delivers it:
// its own config, queue and data folders in the benchmark's temp dir, master in the foreground
// (`postfix -c DIR start` as root; `postfix -c DIR stop` after).
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onAbort } from './cleanup.ts';

export interface SmtpPeerSetup {
  /** The peer's own folder (created). */
  home: string;
  port: number;
  maxLifetimeMs: number;
}

export interface RunningSmtpPeer {
  name: string;
  version: string;
  /** The process whose tree is measured (all the server's processes are in it). */
  pid: number;
  stop(): Promise<void>;
}

/** master forks every other Postfix daemon, and reaps them: its tree is all of Postfix. */
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

function postfixUid(): number {
  const r = spawnSync('id', ['-u', 'postfix'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('no postfix user: install the Debian package postfix (scripts/test-deps.sh)');
  return Number(r.stdout.trim());
}

function postfixVersion(): string {
  const r = spawnSync('postconf', ['-d', '-h', 'mail_version'], { encoding: 'utf8' });
  return r.stdout.trim() || 'unknown';
}

// chroot off (the fourth column) so that no chroot jail has to be built; delivery agents are listed
// because qmgr needs them to exist, but defer_transports keeps every message queued.
const MASTER_CF = (port: number) => `127.0.0.1:${port} inet n - n - - smtpd
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
`;

const MAIN_CF = (home: string) => `compatibility_level = 3.6
queue_directory = ${join(home, 'queue')}
data_directory = ${join(home, 'data')}
mail_owner = postfix
setgid_group = postdrop
maillog_file = ${join(home, 'maillog')}
maillog_file_prefixes = ${home}
myhostname = bench-postfix.example.test
mydomain = example.test
myorigin = example.test
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
default_process_limit = 200
message_size_limit = 20480000
defer_transports = smtp, relay, local, virtual
`;

export async function startPostfix(setup: SmtpPeerSetup): Promise<RunningSmtpPeer> {
  const { home } = setup;
  for (const dir of ['config', 'queue', 'data']) mkdirSync(join(home, dir), { recursive: true });
  // Postfix's daemons run as the postfix user: they must reach the queue, and own data_directory.
  chmodSync(home, 0o755);
  chownSync(join(home, 'data'), postfixUid(), 0);
  const config = join(home, 'config');
  writeFileSync(join(config, 'main.cf'), MAIN_CF(home));
  writeFileSync(join(config, 'master.cf'), MASTER_CF(setup.port));
  // `postfix check` makes the queue's subfolders with the owners Postfix wants. Postfix prints its
  // errors only to a terminal; the instance's own log file has them otherwise.
  const start = spawnSync('postfix', ['-c', config, 'start'], { encoding: 'utf8' });
  const pid = masterPid(home);
  const log = () => (existsSync(join(home, 'maillog')) ? readFileSync(join(home, 'maillog'), 'utf8').slice(-4000) : '(no log)');
  if (start.status !== 0 || pid === undefined) throw new Error(`postfix -c ${config} start failed (${start.status}); ${join(home, 'maillog')}:\n${log()}`);

  // master detaches into its own session: stop it the Postfix way, then make sure.
  const kill = () => {
    if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  };
  const forget = onAbort(kill);
  const deadline = setTimeout(kill, setup.maxLifetimeMs);
  deadline.unref();
  return {
    name: 'postfix',
    version: postfixVersion(),
    pid,
    async stop() {
      clearTimeout(deadline);
      spawnSync('postfix', ['-c', config, 'stop'], { encoding: 'utf8', timeout: 30_000 });
      for (let waited = 0; isRunning(pid) && waited < 10_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
      kill();
      forget();
    },
  };
}
