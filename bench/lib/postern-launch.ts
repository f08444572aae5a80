// `postern start --config FILE` for an SMTP benchmark: started in its own process group, measured
// by its pid, and returned once it accepts a message for `probeRecipient`.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { childPidWith } from './proc-stats.ts';
import type { RunningSmtpPeer, SmtpPeerSetup } from './postfix.ts';
import { spawnServer } from './server-process.ts';
import { waitForSmtp } from './smtp-source.ts';

const REPO = resolve(import.meta.dirname, '../..');

/** `nodeOptions` go to Node itself, before the script: e.g. --cpu-prof for a profile of the run. */
export async function launchPostern(setup: SmtpPeerSetup, config: string, probeRecipient: string, nodeOptions: string[] = []): Promise<RunningSmtpPeer> {
  const server = spawnServer(process.execPath, [...nodeOptions, join(REPO, 'bin/postern.js'), 'start', '--config', config], { cwd: setup.home, maxLifetimeMs: setup.maxLifetimeMs });
  try {
    const pid = await childPidWith(config, server);
    await waitForSmtp(setup.port, probeRecipient, 60_000, server.hasExited, server.output);
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    return { name: 'postern', version: `${pkg.version} (node ${process.versions.node})`, pid, stop: () => server.stop() };
  } catch (err) {
    await server.stop();
    throw err;
  }
}
