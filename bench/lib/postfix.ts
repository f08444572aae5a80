// Postfix as the benchmark's reference server: a throwaway instance (test/helpers/postfix-instance.ts)
// that accepts mail into its durable queue, with no limits in the way, and either never delivers
// it or relays all of it to one next hop.
import { startPostfix as startInstance } from '../../test/helpers/postfix-instance.ts';
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

const BENCH_MAIN = {
  myhostname: 'bench-postfix.example.test',
  smtpd_client_connection_count_limit: 0,
  smtpd_client_connection_rate_limit: 0,
  smtpd_client_message_rate_limit: 0,
  default_process_limit: 200,
  message_size_limit: 20480000,
};

/** Without `relayhost` ("[127.0.0.1]:PORT") defer_transports keeps every message queued, for
 *  benchmarks of accepting alone; with it, the normal smtp transport delivers everything there. */
export async function startPostfix(setup: SmtpPeerSetup, relayhost?: string): Promise<RunningSmtpPeer> {
  const main = relayhost === undefined ? { ...BENCH_MAIN, defer_transports: 'smtp, relay, local, virtual' } : { ...BENCH_MAIN, relayhost };
  const instance = await startInstance({ home: setup.home, port: setup.port, main });
  const forget = onAbort(instance.kill);
  const deadline = setTimeout(instance.kill, setup.maxLifetimeMs);
  deadline.unref();
  return {
    name: 'postfix',
    version: instance.version,
    pid: instance.pid,
    async stop() {
      clearTimeout(deadline);
      await instance.stop();
      forget();
    },
  };
}
