// End-to-end relay benchmark: a Node load generator sends mail into Postern, Postfix and Haraka,
// each relaying it to the same sink on loopback, in the same run. Messages/second relayed,
// accept-to-delivery latency (p50, p99), CPU per relayed message, peak memory.
// Usage: node --import tsx bench/relay.ts [--messages 1000] [--sizes 5120,102400] [--sessions 10,50] … (--help)
import { chmodSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureHaraka, startHaraka } from './lib/haraka.ts';
import { startPostfix, type RunningSmtpPeer, type SmtpPeerSetup } from './lib/postfix.ts';
import { startPosternWithChecks } from './lib/postern-checks.ts';
import { startPosternRelay, type NextHop } from './lib/postern-relay.ts';
import { sampleTreeMemory, treeCpuSeconds } from './lib/proc-stats.ts';
import { startSink, type RunningSink } from './lib/smtp-sink.ts';
import { runLoad, type RelayLoad } from './lib/smtp-load.ts';
import { formatTable } from './lib/table.ts';
import { serverNames, wholeNumbers } from './lib/options.ts';
import { freePort } from '../test/helpers/postern-process.ts';
import { runBench } from './lib/bench-main.ts';

const RECIPIENT = 'user@remote.test';

const profiling = (options: Options) => (options.posternCpuProf ? ['--cpu-prof', '--cpu-prof-dir', resolve(options.posternCpuProf)] : []);

const SERVERS: Record<string, (setup: SmtpPeerSetup, nextHop: NextHop, options: Options) => Promise<RunningSmtpPeer>> = {
  postern: (setup, nextHop, options) => startPosternRelay(setup, RECIPIENT, nextHop, profiling(options)),
  'postern-all-off': (setup, nextHop, options) => startPosternWithChecks('all-off', setup, RECIPIENT, nextHop, profiling(options)),
  'postern-all-on': (setup, nextHop, options) => startPosternWithChecks('all-on', setup, RECIPIENT, nextHop, profiling(options)),
  postfix: (setup, nextHop) => startPostfix(setup, `[${nextHop.host}]:${nextHop.port}`),
  haraka: (setup, nextHop) => startHaraka(setup, RECIPIENT, nextHop),
};

const HELP = `Usage: node --import tsx bench/relay.ts [options]   (or: npm run bench:relay -- [options])

Sends mail into each relay in turn on 127.0.0.1 with a Node load generator (pipelined SMTP,
an X-Bench-Id header per message); every relay delivers to the same Node SMTP sink, which notes
each message's arrival. Prints messages/second relayed, accept-to-delivery latency, CPU per
relayed message and peak memory side by side. Needs root (Postfix's own instance), the Debian
package postfix (scripts/test-deps.sh) and, for Haraka, the npm registry on first use (Haraka 3
is installed into bench/.peers/haraka).

  --servers LIST         comma-separated (default: postern,postern-all-off,postern-all-on,postfix,haraka);
                         postern keeps its defaults (the load generator is trusted), postern-all-off
                         and postern-all-on take the load generator for the Internet, with every
                         check off or on (bench/lib/postern-checks.ts): the "x all off" column
  --sizes LIST           message bytes (default: 5120,102400)
  --sessions LIST        parallel sessions (default: 10,50)
  --messages N           messages per run (default: 1000)
  --per-connection N     messages a session sends over one connection (default: 1)
  --warmup N             unrecorded messages per server before the runs (default: 200; 0: none)
  --drain-timeout S      seconds to wait for the last deliveries after the last 250 (default: 120)
  --postern-cpu-prof DIR run Postern with node --cpu-prof, writing its profile into DIR when it stops
`;

interface Options {
  servers: string[];
  sizes: number[];
  sessions: number[];
  messages: number;
  perConnection: number;
  warmup: number;
  drainTimeoutMs: number;
  posternCpuProf: string | undefined;
}

function readOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      servers: { type: 'string', default: Object.keys(SERVERS).join(',') },
      sizes: { type: 'string', default: '5120,102400' },
      sessions: { type: 'string', default: '10,50' },
      messages: { type: 'string', default: '1000' },
      'per-connection': { type: 'string', default: '1' },
      warmup: { type: 'string', default: '200' },
      'drain-timeout': { type: 'string', default: '120' },
      'postern-cpu-prof': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return undefined;
  return {
    servers: serverNames(values.servers, Object.keys(SERVERS)),
    sizes: wholeNumbers('sizes', values.sizes, 300),
    sessions: wholeNumbers('sessions', values.sessions, 1),
    messages: wholeNumbers('messages', values.messages, 1)[0],
    perConnection: wholeNumbers('per-connection', values['per-connection'], 1)[0],
    warmup: wholeNumbers('warmup', values.warmup, 0)[0],
    drainTimeoutMs: wholeNumbers('drain-timeout', values['drain-timeout'], 1)[0] * 1000,
    posternCpuProf: values['postern-cpu-prof'],
  };
}

interface Measurement {
  server: RunningSmtpPeer;
  load: RelayLoad;
  acceptedPerSecond: number;
  relayedPerSecond: number;
  delivered: number;
  /** Accept-to-delivery latencies in ms, sorted. */
  latencies: number[];
  cpuMsPerMessage: number;
  peakMemoryKiB: number;
}

const progress = (text: string) => process.stderr.write(`${text}\n`);

/** Collects the arrivals of ids [first, first + count) until all are in or `deadline` (wall-clock ms) passes. */
async function arrivals(sink: RunningSink, first: number, count: number, deadline: number): Promise<Map<number, number>> {
  const seen = new Map<number, number>();
  for (;;) {
    for (const [id, at] of (await sink.take()).arrivals) if (id >= first && id < first + count) seen.set(id, at);
    if (seen.size === count || Date.now() > deadline) return seen;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function measure(server: RunningSmtpPeer, port: number, load: RelayLoad, sink: RunningSink, drainTimeoutMs: number): Promise<Measurement> {
  await sink.take(); // anything left from before belongs to no run
  const cpuBefore = treeCpuSeconds(server.pid);
  const memory = sampleTreeMemory(server.pid);
  try {
    const run = await runLoad(port, load);
    const seen = await arrivals(sink, load.firstId, load.messages, Date.now() + drainTimeoutMs);
    const cpuSeconds = treeCpuSeconds(server.pid) - cpuBefore;
    const lastArrival = Math.max(run.finishedAt, ...seen.values());
    const latencies = [...seen].map(([id, at]) => at - run.acceptedAt[id - load.firstId]).sort((a, b) => a - b);
    return {
      server,
      load,
      acceptedPerSecond: load.messages / ((run.finishedAt - run.startedAt) / 1000),
      relayedPerSecond: seen.size / ((lastArrival - run.startedAt) / 1000),
      delivered: seen.size,
      latencies,
      cpuMsPerMessage: (cpuSeconds * 1000) / load.messages,
      peakMemoryKiB: memory.stop(),
    };
  } finally {
    memory.stop();
  }
}

function report(results: Measurement[], options: Options): void {
  const byKey = new Map(results.map((m) => [`${m.server.name}/${m.load.size}/${m.load.sessions}`, m]));
  const ratio = (m: Measurement, peer: string) => {
    const other = byKey.get(`${peer}/${m.load.size}/${m.load.sessions}`);
    return m.server.name === 'postern' && other ? (m.relayedPerSecond / other.relayedPerSecond).toFixed(2) : '';
  };
  const againstChecksOff = (m: Measurement) => {
    const off = byKey.get(`postern-all-off/${m.load.size}/${m.load.sessions}`);
    return m.server.name === 'postern-all-on' && off ? (m.relayedPerSecond / off.relayedPerSecond).toFixed(2) : '';
  };
  const rows = results.map((m) => [
    m.server.name,
    m.server.version,
    String(m.load.size),
    String(m.load.sessions),
    m.acceptedPerSecond.toFixed(0),
    m.relayedPerSecond.toFixed(0),
    percentile(m.latencies, 50).toFixed(1),
    percentile(m.latencies, 99).toFixed(1),
    m.cpuMsPerMessage.toFixed(2),
    (m.peakMemoryKiB / 1024).toFixed(1),
    String(m.load.messages - m.delivered),
    ratio(m, 'postfix'),
    ratio(m, 'haraka'),
    againstChecksOff(m),
  ]);
  const left = (header: string) => ({ header, align: 'left' as const });
  const right = (header: string) => ({ header, align: 'right' as const });
  console.log(
    formatTable(
      [left('server'), left('version'), right('size B'), right('sessions'), right('in msg/s'), right('relayed msg/s'), right('p50 ms'), right('p99 ms'), right('CPU ms/msg'), right('peak MiB'), right('lost'), right('x postfix'), right('x haraka'), right('x all off')],
      rows,
    ),
  );
  console.log('');
  console.log(`load: ${options.messages} messages a run, ${options.perConnection} per connection, MAIL/RCPT/DATA pipelined, one recipient (${RECIPIENT}); every relay delivers to the same Node SMTP sink on 127.0.0.1.`);
  console.log('in msg/s: messages / time from the first connection to the last 250. relayed msg/s: messages delivered / time from the first connection to the last arrival at the sink.');
  console.log('p50/p99 ms: from the relay\'s 250 for a message (as the load generator read it) to the message\'s arrival at the sink (nearest rank). lost: not at the sink within --drain-timeout.');
  console.log('CPU ms/msg: user+system CPU of all the relay\'s processes (live ones and the children they reaped) from the start of the run to the last arrival, per message.');
  console.log('x all off: relayed msg/s of postern-all-on (sender authentication: SPF, DKIM, DMARC, ARC; DNSBL and RHSBL; greylisting; anti-spoofing; rate limits; content rules; DNS answers from its own DNS server, cached) over postern-all-off\'s (relay control only), in the same run.');
  console.log('peak MiB: highest sum of PSS over the relay\'s processes, sampled every 200 ms during the run (for a single process about its RSS).');
}

async function run(options: Options, dir: string): Promise<number> {
  // Postfix's daemons run as the postfix user and must reach their queue inside this folder.
  chmodSync(dir, 0o755);
  if (options.servers.includes('haraka')) ensureHaraka(progress);
  const sink = await startSink();
  const nextHop = { host: '127.0.0.1', port: sink.port };
  const servers: { server: RunningSmtpPeer; port: number }[] = [];
  let nextId = 1;
  const loadFor = (size: number, sessions: number, messages: number): RelayLoad => {
    const load = { sessions, messages, size, perConnection: options.perConnection, to: RECIPIENT, firstId: nextId };
    nextId += messages;
    return load;
  };
  try {
    const runs = options.sizes.length * options.sessions.length;
    const maxLifetimeMs = 300_000 + runs * (options.messages * 100 + options.drainTimeoutMs);
    for (const name of options.servers) {
      progress(`starting ${name}`);
      const port = await freePort();
      const server = await SERVERS[name]({ home: join(dir, name), port, maxLifetimeMs }, nextHop, options);
      servers.push({ server, port });
      if (options.warmup > 0) await measure(server, port, loadFor(options.sizes[0], 10, options.warmup), sink, options.drainTimeoutMs);
    }
    const loadBefore = loadavg()[0].toFixed(2);
    const results: Measurement[] = [];
    for (const size of options.sizes) {
      for (const sessions of options.sessions) {
        for (const { server, port } of servers) {
          const m = await measure(server, port, loadFor(size, sessions, options.messages), sink, options.drainTimeoutMs);
          progress(`${server.name}: ${size} B, ${sessions} sessions: ${m.relayedPerSecond.toFixed(0)} msg/s relayed, p99 ${percentile(m.latencies, 99).toFixed(1)} ms, ${m.cpuMsPerMessage.toFixed(2)} ms CPU/msg, ${m.load.messages - m.delivered} lost`);
          results.push(m);
        }
      }
    }
    console.log('');
    report(results, options);
    console.log(`machine: ${availableParallelism()} cores, shared with the load generator, the sink and whatever else runs; 1-minute load average ${loadBefore} before the runs, ${loadavg()[0].toFixed(2)} after`);
    return results.some((m) => m.delivered < m.load.messages) ? 1 : 0;
  } finally {
    await Promise.all(servers.map(({ server }) => server.stop()));
    sink.stop();
  }
}

await runBench({ name: 'bench/relay', help: HELP, readOptions, run });
