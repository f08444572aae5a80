// SMTP accept benchmark: smtp-source into Postern and into a throwaway Postfix, both queueing
// durably without delivering, in the same run. Messages/second, CPU per message, peak memory.
// Usage: node --import tsx bench/smtp-accept.ts [--messages 1000] [--sizes 5120,102400] [--sessions 1,10,50] … (--help)
import { chmodSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startPostfix, type RunningSmtpPeer, type SmtpPeerSetup } from './lib/postfix.ts';
import { QUEUED_RECIPIENT, startPosternSmtp } from './lib/postern-smtp.ts';
import { sampleTreeMemory, treeCpuSeconds } from './lib/proc-stats.ts';
import { runSmtpSource, smtpSourceArgs, waitForSmtp, type SmtpLoad } from './lib/smtp-source.ts';
import { formatTable } from './lib/table.ts';
import { freePort } from '../test/helpers/postern-process.ts';
import { runBench } from './lib/bench-main.ts';
import { serverNames, wholeNumber, wholeNumbers } from './lib/options.ts';

const SERVERS: Record<string, (setup: SmtpPeerSetup) => Promise<RunningSmtpPeer>> = { postern: startPosternSmtp, postfix: startPostfix };

const HELP = `Usage: node --import tsx bench/smtp-accept.ts [options]   (or: npm run bench:smtp-accept -- [options])

Sends mail with Postfix's smtp-source (one message per connection) into each server in turn, on
127.0.0.1, and prints messages/second accepted, CPU per message and peak memory side by side.
Needs root (Postfix's own instance) and the Debian package postfix (scripts/test-deps.sh).

  --servers LIST    comma-separated (default: postern,postfix)
  --sizes LIST      message body bytes, smtp-source -l (default: 5120,102400)
  --sessions LIST   parallel sessions, smtp-source -s (default: 1,10,50)
  --messages N      messages per run, smtp-source -m (default: 1000)
  --warmup N        unrecorded messages per server before the runs (default: 200; 0: none)
`;

interface Options {
  servers: string[];
  sizes: number[];
  sessions: number[];
  messages: number;
  warmup: number;
}

function readOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      servers: { type: 'string', default: Object.keys(SERVERS).join(',') },
      sizes: { type: 'string', default: '5120,102400' },
      sessions: { type: 'string', default: '1,10,50' },
      messages: { type: 'string', default: '1000' },
      warmup: { type: 'string', default: '200' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return undefined;
  return {
    servers: serverNames(values.servers, Object.keys(SERVERS)),
    sizes: wholeNumbers('sizes', values.sizes, 1),
    sessions: wholeNumbers('sessions', values.sessions, 1),
    messages: wholeNumber('messages', values.messages, 1),
    warmup: wholeNumber('warmup', values.warmup, 0),
  };
}

interface Measurement {
  server: RunningSmtpPeer;
  load: SmtpLoad;
  messagesPerSecond: number;
  cpuMsPerMessage: number;
  peakMemoryKiB: number;
}

const progress = (text: string) => process.stderr.write(`${text}\n`);

async function measure(server: RunningSmtpPeer, port: number, load: SmtpLoad): Promise<Measurement> {
  const cpuBefore = treeCpuSeconds(server.pid);
  const memory = sampleTreeMemory(server.pid);
  const run = await runSmtpSource(port, load).finally(() => memory.stop());
  const cpuSeconds = treeCpuSeconds(server.pid) - cpuBefore;
  return { server, load, messagesPerSecond: run.messagesPerSecond, cpuMsPerMessage: (cpuSeconds * 1000) / load.messages, peakMemoryKiB: memory.stop() };
}

function report(results: Measurement[], options: Options): void {
  const byKey = new Map(results.map((m) => [`${m.server.name}/${m.load.size}/${m.load.sessions}`, m]));
  const rows = results.map((m) => {
    const postfix = byKey.get(`postfix/${m.load.size}/${m.load.sessions}`);
    const ratio = m.server.name === 'postern' && postfix ? (m.messagesPerSecond / postfix.messagesPerSecond).toFixed(2) : '';
    return [m.server.name, m.server.version, String(m.load.size), String(m.load.sessions), m.messagesPerSecond.toFixed(0), m.cpuMsPerMessage.toFixed(2), (m.peakMemoryKiB / 1024).toFixed(1), ratio];
  });
  const left = (header: string) => ({ header, align: 'left' as const });
  const right = (header: string) => ({ header, align: 'right' as const });
  console.log(formatTable([left('server'), left('version'), right('body B'), right('sessions'), right('msg/s'), right('CPU s/1k msg'), right('peak MiB'), right('x postfix')], rows));
  console.log('');
  console.log(`msg/s: ${options.messages} messages (one per connection) by smtp-source, timed from its start to its exit; every one got a 250 after the server's durable commit.`);
  console.log('CPU s/1k msg: user+system CPU of all the server\'s processes (live ones and the children they reaped), from /proc/PID/stat before and after the run.');
  console.log('peak MiB: highest sum of PSS over the server\'s processes, sampled every 200 ms during the run (PSS: shared pages of Postfix\'s many processes counted once).');
  console.log(`load: ${['smtp-source', ...smtpSourceArgs(0, { sessions: 0, messages: options.messages, size: 0, to: QUEUED_RECIPIENT })].join(' ').replace('-s 0', '-s SESSIONS').replace('-l 0', '-l SIZE').replace('127.0.0.1:0', '127.0.0.1:PORT')}`);
}

async function run(options: Options, dir: string): Promise<number> {
  // Postfix's daemons run as the postfix user and must reach their queue inside this folder.
  chmodSync(dir, 0o755);
  const servers: { server: RunningSmtpPeer; port: number }[] = [];
  try {
    const runs = options.sizes.length * options.sessions.length;
    const maxLifetimeMs = 300_000 + runs * options.messages * 100;
    for (const name of options.servers) {
      progress(`starting ${name}`);
      const port = await freePort();
      const server = await SERVERS[name]({ home: join(dir, name), port, maxLifetimeMs });
      servers.push({ server, port });
      await waitForSmtp(port, QUEUED_RECIPIENT, 60_000, () => false, () => name);
      if (options.warmup > 0) await runSmtpSource(port, { sessions: 10, messages: options.warmup, size: options.sizes[0], to: QUEUED_RECIPIENT });
    }
    const loadBefore = loadavg()[0].toFixed(2);
    const results: Measurement[] = [];
    for (const size of options.sizes) {
      for (const sessions of options.sessions) {
        for (const { server, port } of servers) {
          const result = await measure(server, port, { sessions, messages: options.messages, size, to: QUEUED_RECIPIENT });
          progress(`${server.name}: ${size} B, ${sessions} sessions: ${result.messagesPerSecond.toFixed(0)} msg/s, ${result.cpuMsPerMessage.toFixed(2)} ms CPU/msg`);
          results.push(result);
        }
      }
    }
    console.log('');
    report(results, options);
    console.log(`machine: ${availableParallelism()} cores; 1-minute load average ${loadBefore} before the runs, ${loadavg()[0].toFixed(2)} after (smtp-source counts in it)`);
    return 0;
  } finally {
    await Promise.all(servers.map(({ server }) => server.stop()));
  }
}

await runBench({ name: 'bench/smtp-accept', help: HELP, readOptions, run });
