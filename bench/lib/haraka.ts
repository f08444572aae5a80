// Haraka 3 (npm) as a relay for the benchmark: installed on first use into bench/.peers/haraka
// (ignored by git, never a dependency of Postern), configured as its documentation describes a
// relay: the relay plugin with an ACL (127.0.0.0/8, like Postfix's mynetworks), so that accepted
// mail goes to Haraka's outbound queue (on disk, under the instance's folder), and the
// smtp_forward plugin's per-domain route as the outbound next hop for the bench's domain.
// One worker under Haraka's cluster master (`nodes=1`, its default, set to quiet its warning), log level warn.
// Haraka looks up each client's reverse DNS itself (not through /etc/hosts, as Postfix does):
// a local plugin answers "localhost" for it, so that nothing leaves the machine and no lookup
// waits for a resolver that may not answer.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { NextHop } from './postern-relay.ts';
import type { RunningSmtpPeer, SmtpPeerSetup } from './postfix.ts';
import { childPidWith } from './proc-stats.ts';
import { spawnServer } from './server-process.ts';
import { waitForSmtp } from './smtp-source.ts';

const PEERS = resolve(import.meta.dirname, '../.peers/haraka');
const HARAKA = join(PEERS, 'node_modules/Haraka');
// The npm package's name is capitalised; the relay plugin is an optional dependency of Haraka's.
const PACKAGES = ['Haraka@3', 'haraka-plugin-relay@1'];

/** Installs Haraka into bench/.peers/haraka unless it is there; throws a clear error if npm cannot. */
export function ensureHaraka(log: (text: string) => void): void {
  if (existsSync(join(HARAKA, 'package.json')) && existsSync(join(PEERS, 'node_modules/haraka-plugin-relay/package.json'))) return;
  mkdirSync(PEERS, { recursive: true });
  const command = ['npm', 'install', '--prefix', PEERS, '--no-audit', '--no-fund', '--omit=optional', ...PACKAGES];
  log(`installing Haraka: ${command.join(' ')}`);
  const npm = spawnSync(command[0], command.slice(1), { encoding: 'utf8', timeout: 300_000 });
  if (npm.status !== 0) {
    const output = `${npm.stdout ?? ''}${npm.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`cannot install Haraka (${command.join(' ')} failed: is the npm registry reachable?); leave it out with --servers postern,postfix.\n${output}`);
  }
}

function harakaVersion(): string {
  return (JSON.parse(readFileSync(join(HARAKA, 'package.json'), 'utf8')) as { version: string }).version;
}

const NO_RDNS_PLUGIN = "exports.hook_lookup_rdns = (next) => next(OK, 'localhost')\n";

export async function startHaraka(setup: SmtpPeerSetup, recipient: string, nextHop: NextHop): Promise<RunningSmtpPeer> {
  // `haraka -i` lays out an instance with Haraka's default configuration, which ours amends.
  const init = spawnSync(process.execPath, [join(HARAKA, 'bin/haraka'), '-i', setup.home], { encoding: 'utf8', timeout: 60_000 });
  if (init.status !== 0) throw new Error(`haraka -i ${setup.home} failed: ${init.stderr}`);
  const config = join(setup.home, 'config');
  writeFileSync(join(setup.home, 'plugins/bench_no_rdns.js'), NO_RDNS_PLUGIN);
  const domain = recipient.slice(recipient.indexOf('@') + 1);
  const files: Record<string, string> = {
    me: 'bench-haraka.example.test\n',
    'smtp.ini': `listen=127.0.0.1:${setup.port}\nnodes=1\n`,
    'log.ini': '[main]\nlevel=warn\n',
    // Only what a relay needs; Haraka's sample list also checks senders' domains by DNS.
    plugins: 'bench_no_rdns\nrelay\nqueue/smtp_forward\n',
    'relay.ini': '[relay]\nacl=true\n',
    relay_acl_allow: '127.0.0.0/8\n',
    'smtp_forward.ini': `host=${nextHop.host}\nport=${nextHop.port}\n\n[${domain}]\nhost=${nextHop.host}\nport=${nextHop.port}\n`,
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(config, name), text);
  const server = spawnServer(process.execPath, [join(HARAKA, 'bin/haraka'), '-c', setup.home], { cwd: setup.home, maxLifetimeMs: setup.maxLifetimeMs });
  try {
    const pid = await childPidWith(setup.home, server);
    await waitForSmtp(setup.port, recipient, 60_000, server.hasExited, server.output);
    return { name: 'haraka', version: `${harakaVersion()} (node ${process.versions.node})`, pid, stop: () => server.stop() };
  } catch (err) {
    await server.stop();
    throw err;
  }
}
