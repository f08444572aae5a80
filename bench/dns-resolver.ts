// Caching resolver benchmark: dnsperf against Postern (dns.recursion) and Unbound in the same run,
// both resolving through the same private root (Knot on 127.0.0.1) and both pre-warmed with the
// query set, so what is measured is answering from the cache.
// Usage: node --import tsx bench/dns-resolver.ts [--seconds 10] [--rounds 2] [--servers postern,unbound] … (--help)
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runBench } from './lib/bench-main.ts';
import { dnsperfVersion, loadArgs, runDnsperf, type DnsperfReport, type LoadSettings } from './lib/dnsperf.ts';
import { startKnot } from './lib/knot.ts';
import { BENCH_ADDRESS, startPeer, type PeerSetup, type RunningPeer } from './lib/peer.ts';
import { startPostern } from './lib/postern.ts';
import { formatTable } from './lib/table.ts';
import { generateBenchZone } from './lib/zone.ts';
import { serverNames, wholeNumber } from './lib/options.ts';

const ORIGIN = 'example.test';
const GOAL_RATIO = 0.5;

/** How a resolver is started: it iterates from a root server at BENCH_ADDRESS:rootPort. */
type ResolverStarter = (setup: PeerSetup, rootPort: number) => Promise<RunningPeer>;

const HELP = `Usage: node --import tsx bench/dns-resolver.ts [options]   (or: npm run bench:dns-resolver -- [options])

Starts Knot as a private root on 127.0.0.1 (the bench zone's names are root zone data), then
each resolver with that root as its only hint; warms every resolver's cache with the query set
and runs dnsperf against each in turn: queries/second answered from the cache.

  --servers LIST      which resolvers, comma-separated (default: postern,unbound)
  --seconds N         length of each measured run (default: 10)
  --warmup-passes N   times the whole query set is sent to each resolver before measuring (default: 6)
  --rounds N          rounds, interleaved over the resolvers; the best round per resolver is shown (default: 2)
  --workers N         Postern workers and Unbound threads (default: CPU cores, ${availableParallelism()})
  --clients N         dnsperf -c (default: 20)
  --threads N         dnsperf -T (default: 2)
  --outstanding N     dnsperf -q (default: 200)
  --hosts N           host names in the zone (default: 5000)
`;

interface Options {
  servers: string[];
  warmupPasses: number;
  rounds: number;
  workers: number;
  hosts: number;
  load: LoadSettings;
}

const startPosternResolver: ResolverStarter = (setup, rootPort) => {
  const hints = join(setup.dir, 'root.hints');
  writeFileSync(hints, ['.  3600000  NS  a.root-servers.bench.', `a.root-servers.bench.  3600000  A  ${BENCH_ADDRESS}`, ''].join('\n'));
  return startPostern(setup, `recursion: { enabled: true, allow: [ 127.0.0.0/8 ], rootHints: "${hints}", serverPort: ${rootPort} }`);
};

const startUnbound: ResolverStarter = (setup, rootPort) =>
  startPeer('unbound', setup, (home, port) => {
    const config = join(home, 'unbound.conf');
    // The root as a stub zone: the only way to give Unbound a root server on another port.
    writeFileSync(
      config,
      `server:
  interface: ${BENCH_ADDRESS}
  port: ${port}
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "${home}"
  pidfile: "${join(home, 'unbound.pid')}"
  use-syslog: no
  logfile: ""
  verbosity: 0
  num-threads: ${setup.workers}
  so-reuseport: yes
  do-ip6: no
  access-control: 127.0.0.0/8 allow
  do-not-query-localhost: no
  local-zone: "test." nodefault
  msg-cache-size: 64m
  rrset-cache-size: 128m
  qname-minimisation: yes
stub-zone:
  name: "."
  stub-addr: ${BENCH_ADDRESS}@${rootPort}
`,
    );
    const version = /Version\s+(\S+)/.exec(spawnSync('unbound', ['-V'], { encoding: 'utf8' }).stdout ?? '')?.[1] ?? 'unknown';
    return { version, parallelism: `num-threads: ${setup.workers}`, command: 'unbound', args: ['-d', '-c', config] };
  });

const RESOLVERS: Record<string, ResolverStarter> = { postern: startPosternResolver, unbound: startUnbound };

function readOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      servers: { type: 'string', default: Object.keys(RESOLVERS).join(',') },
      seconds: { type: 'string', default: '10' },
      'warmup-passes': { type: 'string', default: '6' },
      rounds: { type: 'string', default: '2' },
      workers: { type: 'string', default: String(availableParallelism()) },
      clients: { type: 'string', default: '20' },
      threads: { type: 'string', default: '2' },
      outstanding: { type: 'string', default: '200' },
      hosts: { type: 'string', default: '5000' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return undefined;
  const servers = serverNames(values.servers, Object.keys(RESOLVERS));
  return {
    servers,
    warmupPasses: wholeNumber('warmup-passes', values['warmup-passes'], 1),
    rounds: wholeNumber('rounds', values.rounds, 1),
    workers: wholeNumber('workers', values.workers, 1),
    hosts: wholeNumber('hosts', values.hosts, 1),
    load: {
      seconds: wholeNumber('seconds', values.seconds, 1),
      clients: wholeNumber('clients', values.clients, 1),
      threads: wholeNumber('threads', values.threads, 1),
      outstanding: wholeNumber('outstanding', values.outstanding, 1),
    },
  };
}

/** The bench zone's names as data of the root zone itself: one server answers them all, and
 *  its NS names point back at it (the generated zone's own SOA and apex NS would be a cut). */
function rootZoneText(zoneText: string): string {
  const data = zoneText.split('\n').filter((line) => !line.startsWith('@ IN SOA') && !line.startsWith('@ IN NS') && !/^ns\d IN AAAA/.test(line));
  return [
    '$ORIGIN .',
    '$TTL 3600',
    '@ IN SOA a.root-servers.bench. hostmaster.bench. 1 7200 3600 1209600 300',
    '@ IN NS a.root-servers.bench.',
    `a.root-servers.bench. IN A ${BENCH_ADDRESS}`,
    ...data.map((line) => line.replace(/^(ns\d IN A) .*$/, `$1 ${BENCH_ADDRESS}`)),
  ].join('\n');
}

const progress = (text: string) => process.stderr.write(`${text}\n`);
const share = (report: DnsperfReport) =>
  Object.entries(report.responseCodes)
    .map(([code, part]) => `${code} ${(part * 100).toFixed(1)}%`)
    .join(', ');

/** Sends the whole query set `passes` times (dnsperf -n 1 each, the measured load otherwise).
 *  Postern's workers each fill a cache of their own and the kernel spreads queries at random,
 *  so a worker has seen a given query after n passes with probability 1 - 2^-n (2 workers). */
function warmUp(peer: RunningPeer, queryFile: string, options: Options): void {
  const [, , ...load] = loadArgs(options.load);
  for (let pass = 1; pass <= options.warmupPasses; pass++) {
    const run = spawnSync('dnsperf', ['-s', BENCH_ADDRESS, '-p', String(peer.port), '-d', queryFile, '-n', '1', ...load], { encoding: 'utf8', timeout: 600_000 });
    const qps = /Queries per second:\s+([\d.]+)/.exec(run.stdout ?? '')?.[1];
    if (run.status !== 0 || qps === undefined) throw new Error(`warm-up of ${peer.name} failed: ${run.stderr ?? ''}${run.stdout ?? ''}`);
    progress(`warm-up pass ${pass}/${options.warmupPasses}: ${peer.name}: ${Number(qps).toFixed(0)} qps`);
  }
}

function report(peers: RunningPeer[], best: Map<string, DnsperfReport>, options: Options): void {
  const rows = peers.map((peer) => {
    const t = best.get(peer.name)!;
    return [peer.name, peer.version, peer.parallelism, t.qps.toFixed(0), t.averageLatencyMs.toFixed(3), String(t.lost), String(t.averageResponseBytes), share(t)];
  });
  const left = (header: string) => ({ header, align: 'left' as const });
  const right = (header: string) => ({ header, align: 'right' as const });
  console.log(formatTable([left('resolver'), left('version'), left('workers/threads'), right('qps'), right('avg ms'), right('lost'), right('resp B'), left('responses')], rows));
  console.log('');
  console.log(`qps, avg ms, lost, resp B, responses: dnsperf's summary of a ${options.load.seconds} s run (${options.rounds === 1 ? 'one round' : `the best of ${options.rounds} rounds by qps`}), after ${options.warmupPasses} warm-up passes over the whole query set at the same load.`);
  console.log(`load: dnsperf ${dnsperfVersion()}: dnsperf -s ${BENCH_ADDRESS} -p PORT -d queries.txt ${loadArgs(options.load).join(' ')}`);
  const postern = best.get('postern');
  const unbound = best.get('unbound');
  if (postern && unbound) {
    const ratio = postern.qps / unbound.qps;
    console.log('');
    console.log(`postern / unbound: ${ratio.toFixed(2)}  (goal >= ${GOAL_RATIO.toFixed(2)}: ${ratio >= GOAL_RATIO ? 'met' : 'NOT met'})`);
  }
  for (const peer of peers) {
    const t = best.get(peer.name)!;
    if (t.lost > t.sent * 0.001) console.log(`warning: ${peer.name} lost ${t.lost} of ${t.sent} queries: its qps is not a clean figure`);
  }
}

async function run(options: Options, dir: string): Promise<number> {
  const started: RunningPeer[] = [];
  try {
    const zone = generateBenchZone({ origin: ORIGIN, hosts: options.hosts, queryCount: 100_000 });
    const rootFile = join(dir, 'root.zone');
    const queryFile = join(dir, 'queries.txt');
    writeFileSync(rootFile, rootZoneText(zone.masterFile));
    writeFileSync(queryFile, zone.queries);
    const lifetimeMs = 120_000 + options.servers.length * (options.warmupPasses * 60 + (options.load.seconds + 15) * options.rounds) * 1000;
    progress('starting knot as the private root');
    const root = await startKnot({ dir, zoneFile: rootFile, origin: '.', workers: 1, maxLifetimeMs: lifetimeMs });
    started.push(root);
    const resolvers: RunningPeer[] = [];
    for (const name of options.servers) {
      progress(`starting ${name}`);
      const peer = await RESOLVERS[name]({ dir, zoneFile: rootFile, origin: '.', workers: options.workers, maxLifetimeMs: lifetimeMs }, root.port);
      started.push(peer);
      resolvers.push(peer);
    }
    for (const peer of resolvers) warmUp(peer, queryFile, options);
    const loadBefore = loadavg()[0].toFixed(2);
    const best = new Map<string, DnsperfReport>();
    for (let round = 1; round <= options.rounds; round++) {
      for (const peer of resolvers) {
        progress(`round ${round}/${options.rounds}: ${peer.name} on ${BENCH_ADDRESS}:${peer.port}`);
        const result = await runDnsperf(peer.port, queryFile, options.load);
        progress(`  ${result.qps.toFixed(0)} qps, avg ${result.averageLatencyMs.toFixed(3)} ms, lost ${result.lost}`);
        if (!best.has(peer.name) || result.qps > best.get(peer.name)!.qps) best.set(peer.name, result);
      }
    }
    console.log('');
    report(resolvers, best, options);
    console.log(`machine: ${availableParallelism()} cores; 1-minute load average ${loadBefore} before the rounds, ${loadavg()[0].toFixed(2)} after (dnsperf, the resolvers and knot count in it)`);
    return 0;
  } finally {
    await Promise.all(started.map((peer) => peer.stop()));
  }
}

await runBench({ name: 'bench/dns-resolver', help: HELP, readOptions, run });
