// Postfix as the benchmark's reference server: a throwaway instance (test/helpers/postfix-instance.ts)
// that accepts mail into its durable queue and never delivers it, with no limits in the way.
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

// defer_transports keeps every message queued: the benchmark measures accepting, not delivering.
const BENCH_MAIN = {
  myhostname: 'bench-postfix.example.test',
  smtpd_client_connection_count_limit: 0,
  smtpd_client_connection_rate_limit: 0,
  smtpd_client_message_rate_limit: 0,
  default_process_limit: 200,
  message_size_limit: 20480000,
  defer_transports: 'smtp, relay, local, virtual',
};

export async function startPostfix(setup: SmtpPeerSetup): Promise<RunningSmtpPeer> {
  const instance = await startInstance({ home: setup.home, port: setup.port, main: BENCH_MAIN });
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
