// Idle SMTP connections: what each costs a running Postern in resident memory. Opens N sessions
// that have read the greeting and sent EHLO, and compares the server's RSS before and after.
// Usage: node --import tsx bench/smtp-idle.ts [--connections 1000] (--help)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { runBench } from './lib/bench-main.ts';
import { startPosternSmtp } from './lib/postern-smtp.ts';
import { formatTable } from './lib/table.ts';
import { freePort } from '../test/helpers/postern-process.ts';
import { wireClient, type WireClient } from '../test/helpers/smtp-wire.ts';

/** smtp.limits.maxConnections by default: more would be refused with 421. */
const MAX_CONNECTIONS = 1000;
/** Sessions opened at a time: enough to be quick, few enough not to overrun the listen backlog. */
const OPENING_AT_ONCE = 50;
/** Time for the server to finish what the connections started (and the clients' EHLO replies) before RSS is read. */
const SETTLE_MS = 2000;

const HELP = `Usage: node --import tsx bench/smtp-idle.ts [options]   (or: npm run bench:smtp-idle -- [options])

Starts Postern (postern start, as bench/smtp-accept does), opens idle SMTP sessions to it on
127.0.0.1 (each has read the 220 greeting, sent EHLO and read the reply), and prints the server's
resident memory before and after, and the difference per connection.
Needs the Debian package postfix for smtp-source, which checks that the server accepts mail.

  --connections N   idle sessions to open, 1 to ${MAX_CONNECTIONS} (default: ${MAX_CONNECTIONS}, Postern's smtp.limits.maxConnections)
`;

interface Options {
  connections: number;
}

function readOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({ args: argv, options: { connections: { type: 'string', default: String(MAX_CONNECTIONS) }, help: { type: 'boolean', default: false } } });
  if (values.help) return undefined;
  const connections = Number(values.connections);
  if (!Number.isInteger(connections) || connections < 1 || connections > MAX_CONNECTIONS) {
    throw new Error(`--connections: expected a whole number from 1 to ${MAX_CONNECTIONS} (the server refuses more), got "${values.connections}"`);
  }
  return { connections };
}

/** VmRSS of one process: Postern serves SMTP in a single process (no workers without DNS). */
function residentKiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]);
}

async function idleSession(port: number): Promise<WireClient> {
  const client = await wireClient(port);
  const greeting = await client.reply(30_000);
  if (!greeting.startsWith('220 ')) throw new Error(`greeting: ${greeting}`);
  client.send('EHLO idle.bench.example\r\n');
  const ehlo = await client.reply(30_000);
  if (!ehlo.startsWith('250')) throw new Error(`EHLO: ${ehlo}`);
  return client;
}

async function run(options: Options, dir: string): Promise<number> {
  const port = await freePort();
  const server = await startPosternSmtp({ home: join(dir, 'postern'), port, maxLifetimeMs: 600_000 });
  const clients: WireClient[] = [];
  try {
    await sleep(SETTLE_MS);
    const before = residentKiB(server.pid);
    while (clients.length < options.connections) {
      const batch = Math.min(OPENING_AT_ONCE, options.connections - clients.length);
      clients.push(...(await Promise.all(Array.from({ length: batch }, () => idleSession(port)))));
    }
    await sleep(SETTLE_MS);
    const after = residentKiB(server.pid);
    const perConnection = (after - before) / options.connections;
    const mib = (kib: number) => (kib / 1024).toFixed(1);
    const right = (header: string) => ({ header, align: 'right' as const });
    console.log(
      formatTable(
        [{ header: 'server', align: 'left' }, { header: 'version', align: 'left' }, right('connections'), right('RSS before MiB'), right('RSS after MiB'), right('KiB/conn')],
        [[server.name, server.version, String(options.connections), mib(before), mib(after), perConnection.toFixed(1)]],
      ),
    );
    console.log('');
    console.log('RSS: VmRSS of the postern process from /proc/PID/status, read once the server has been idle for 2 s: before any session, then with all of them open.');
    console.log(`KiB/conn: (RSS after - RSS before) / connections; each session read the greeting, sent EHLO, read the reply and then stayed idle (the goal: at most 64).`);
    console.log('Clients connect from 127.0.0.1, in relay.networks (127.0.0.0/8): trusted, so exempt from the per-client limit (smtp.limits.maxConnectionsPerClient, 50).');
    return 0;
  } finally {
    for (const client of clients) client.close();
    await server.stop();
  }
}

await runBench({ name: 'bench/smtp-idle', help: HELP, readOptions, run });
