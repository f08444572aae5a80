// What the benchmark needs to know about one running DNS server.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freeDnsPort } from './ports.ts';
import { spawnServer, waitUntilAnswering, type ServerProcess } from './server-process.ts';

export const BENCH_ADDRESS = '127.0.0.1';

export interface RunningPeer {
  name: string;
  version: string;
  /** How the server spreads work, in its own terms (e.g. "udp-workers: 2"). */
  parallelism: string;
  port: number;
  stop(): Promise<void>;
}

export interface PeerSetup {
  /** A folder of the benchmark's temp dir; each peer makes its own subfolder. */
  dir: string;
  /** Absolute path of the zone's master file, the same for every peer. */
  zoneFile: string;
  origin: string;
  workers: number;
  maxLifetimeMs: number;
}

export interface PeerLaunch {
  version: string;
  parallelism: string;
  command: string;
  args: string[];
}

export type PeerConfigurer = (home: string, port: number, setup: PeerSetup) => PeerLaunch;

/** Gives the peer a folder and a port, starts it, and returns once it answers the zone's SOA. */
export async function startPeer(name: string, setup: PeerSetup, configure: PeerConfigurer): Promise<RunningPeer> {
  const home = join(setup.dir, name);
  mkdirSync(home, { recursive: true });
  const port = await freeDnsPort(BENCH_ADDRESS);
  const launch = configure(home, port, setup);
  const server: ServerProcess = spawnServer(launch.command, launch.args, { cwd: home, maxLifetimeMs: setup.maxLifetimeMs });
  try {
    await waitUntilAnswering(server, name, port, setup.origin, 60_000);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return { name, version: launch.version, parallelism: launch.parallelism, port, stop: () => server.stop() };
}
