// Authoritative DNS benchmark: dnsperf against Postern, Knot and NSD serving the same zone in the same run.
// Usage: node --import tsx bench/dns-auth.ts [--seconds 10] [--rounds 2] [--servers postern,knot,nsd] … (--help)
import { rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dnsperfVersion, loadArgs, runDnsperf, runDnsperfVerbose, type DnsperfReport, type LoadSettings } from './lib/dnsperf.ts';
import { startKnot } from './lib/knot.ts';
import { startNsd } from './lib/nsd.ts';
import type { PeerSetup, RunningPeer } from './lib/peer.ts';
import { startPostern } from './lib/postern.ts';
import { formatTable } from './lib/table.ts';
import { generateBenchZone } from './lib/zone.ts';
import { runBench } from './lib/bench-main.ts';
import { serverNames, wholeNumber } from './lib/options.ts';

const SERVERS: Record<string, (setup: PeerSetup) => Promise<RunningPeer>> = { postern: startPostern, knot: startKnot, nsd: startNsd };
const ORIGIN = 'example.test';
const GOAL_RATIO = 0.5;

const HELP = `Usage: node --import tsx bench/dns-auth.ts [options]   (or: npm run bench:dns-auth -- [options])

Runs dnsperf against each server in turn, all serving the same generated zone on 127.0.0.1,
and prints queries/second, average and p99 latency side by side.

  --servers LIST      which servers, comma-separated (default: postern,knot,nsd)
  --seconds N         length of each throughput run (default: 10)
  --latency-seconds N length of each latency run, dnsperf -v (default: half of --seconds)
  --warmup-seconds N  unrecorded dnsperf run per server before the first round (default: 2; 0: none)
  --rounds N          rounds, interleaved over the servers; the best round per server is shown (default: 2)
  --workers N         processes/threads each server answers with (default: CPU cores, ${availableParallelism()})
  --clients N         dnsperf -c (default: 20)
  --threads N         dnsperf -T (default: 2)
  --outstanding N     dnsperf -q (default: 200)
  --hosts N           host names in the zone (default: 5000)
`;

interface Options {
  servers: string[];
  latencySeconds: number;
  warmupSeconds: number;
  rounds: number;
  workers: number;
  hosts: number;
  load: LoadSettings;
}

const positiveInteger = (name: string, text: string) => wholeNumber(name, text, 1);

function readOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      servers: { type: 'string', default: Object.keys(SERVERS).join(',') },
      seconds: { type: 'string', default: '10' },
      'latency-seconds': { type: 'string' },
      'warmup-seconds': { type: 'string', default: '2' },
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
  const servers = serverNames(values.servers, Object.keys(SERVERS));
  const seconds = positiveInteger('seconds', values.seconds);
  return {
    servers,
    latencySeconds: values['latency-seconds'] === undefined ? Math.max(1, Math.round(seconds / 2)) : positiveInteger('latency-seconds', values['latency-seconds']),
    warmupSeconds: wholeNumber('warmup-seconds', values['warmup-seconds'], 0),
    rounds: positiveInteger('rounds', values.rounds),
    workers: positiveInteger('workers', values.workers),
    hosts: positiveInteger('hosts', values.hosts),
    load: {
      seconds,
      clients: positiveInteger('clients', values.clients),
      threads: positiveInteger('threads', values.threads),
      outstanding: positiveInteger('outstanding', values.outstanding),
    },
  };
}

interface Round {
  throughput: DnsperfReport;
  p99Ms: number;
}

const loadAverage = () => loadavg()[0].toFixed(2);
const progress = (text: string) => process.stderr.write(`${text}\n`);
const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
const responseMix = (report: DnsperfReport) =>
  Object.entries(report.responseCodes)
    .map(([code, share]) => `${code} ${percent(share)}`)
    .join(', ');

async function measure(peer: RunningPeer, queryFile: string, options: Options, dir: string): Promise<Round> {
  const throughput = await runDnsperf(peer.port, queryFile, options.load);
  const verboseFile = join(dir, `${peer.name}.verbose.txt`);
  const latencyRun = await runDnsperfVerbose(peer.port, queryFile, { ...options.load, seconds: options.latencySeconds }, verboseFile, [0.99]);
  rmSync(verboseFile);
  return { throughput, p99Ms: latencyRun.percentilesMs[0] };
}

function report(peers: RunningPeer[], best: Map<string, Round>, options: Options): void {
  const rows = peers.map((peer) => {
    const round = best.get(peer.name)!;
    const t = round.throughput;
    return [peer.name, peer.version, peer.parallelism, t.qps.toFixed(0), fixed(t.averageLatencyMs, 3), fixed(round.p99Ms, 3), String(t.lost), String(t.averageResponseBytes), responseMix(t)];
  });
  const left = (header: string) => ({ header, align: 'left' as const });
  const right = (header: string) => ({ header, align: 'right' as const });
  console.log(formatTable([left('server'), left('version'), left('workers/threads'), right('qps'), right('avg ms'), right('p99 ms'), right('lost'), right('resp B'), left('responses')], rows));
  console.log('');
  console.log(`qps, avg ms, lost, resp B, responses: dnsperf's summary of a ${options.load.seconds} s throughput run (${options.rounds === 1 ? 'one round' : `the best of ${options.rounds} rounds by qps`}).`);
  console.log(`p99 ms: 99th percentile of per-query latency, answered queries only, from dnsperf -v in a ${options.latencySeconds} s run of the same round with the same load;`);
  console.log('        dnsperf 2.10 has no latency histogram, and printing every answer costs it CPU, so that run is separate and its qps lower.');
  console.log(`load: dnsperf ${dnsperfVersion()}: dnsperf -s 127.0.0.1 -p PORT -d queries.txt ${loadArgs(options.load).join(' ')}  (latency run: -l ${options.latencySeconds} … -v)`);

  const posternRound = best.get('postern');
  const others = peers.filter((p) => p.name !== 'postern');
  if (posternRound && others.length > 0) {
    const fastest = others.reduce((a, b) => (best.get(a.name)!.throughput.qps >= best.get(b.name)!.throughput.qps ? a : b));
    const ratio = posternRound.throughput.qps / best.get(fastest.name)!.throughput.qps;
    console.log('');
    console.log(`postern / fastest peer (${fastest.name}): ${ratio.toFixed(2)}  (goal >= ${GOAL_RATIO.toFixed(2)}: ${ratio >= GOAL_RATIO ? 'met' : 'NOT met'})`);
  }
  warnAboutDisagreement(peers, best);
}

/** Servers answering the same queries from the same zone must show the same response mix; a fast wrong answer is no win. */
function warnAboutDisagreement(peers: RunningPeer[], best: Map<string, Round>): void {
  const reference = best.get(peers[0].name)!.throughput;
  for (const peer of peers) {
    const t = best.get(peer.name)!.throughput;
    if (t.lost > t.sent * 0.001) console.log(`warning: ${peer.name} lost ${t.lost} of ${t.sent} queries: its qps is not a clean figure`);
    const codes = new Set([...Object.keys(reference.responseCodes), ...Object.keys(t.responseCodes)]);
    const differs = [...codes].some((code) => Math.abs((reference.responseCodes[code] ?? 0) - (t.responseCodes[code] ?? 0)) > 0.005);
    if (differs) console.log(`warning: ${peer.name} answers with a different response mix (${responseMix(t)}) than ${peers[0].name} (${responseMix(reference)})`);
  }
}

async function run(options: Options, dir: string): Promise<number> {
  const peers: RunningPeer[] = [];
  try {
    const zone = generateBenchZone({ origin: ORIGIN, hosts: options.hosts, queryCount: 100_000 });
    const zoneFile = join(dir, `${ORIGIN}.zone`);
    const queryFile = join(dir, 'queries.txt');
    writeFileSync(zoneFile, zone.masterFile);
    writeFileSync(queryFile, zone.queries);
    progress(`zone ${ORIGIN}: ${options.hosts} hosts (A, AAAA, MX, TXT); queries: ${percent(zone.mix.hit)} hits, ${percent(zone.mix.nxdomain)} NXDOMAIN, ${percent(zone.mix.nodata)} NODATA`);

    const perRunMs = (options.load.seconds + options.latencySeconds + 15) * 1000;
    const warmupMs = (options.warmupSeconds + 10) * 1000;
    const setup: PeerSetup = { dir, zoneFile, origin: ORIGIN, workers: options.workers, maxLifetimeMs: 120_000 + (warmupMs + perRunMs * options.rounds) * options.servers.length };
    for (const name of options.servers) {
      progress(`starting ${name}`);
      peers.push(await SERVERS[name](setup));
    }

    // Postern's JIT compiles its hot path during the first seconds: measure the steady state, for every server alike.
    if (options.warmupSeconds > 0) {
      for (const peer of peers) {
        progress(`warm-up: ${peer.name}, ${options.warmupSeconds} s`);
        await runDnsperf(peer.port, queryFile, { ...options.load, seconds: options.warmupSeconds });
      }
    }
    const loadBefore = loadAverage();
    const best = new Map<string, Round>();
    for (let round = 1; round <= options.rounds; round++) {
      for (const peer of peers) {
        progress(`round ${round}/${options.rounds}: ${peer.name} on 127.0.0.1:${peer.port}`);
        const result = await measure(peer, queryFile, options, dir);
        progress(`  ${result.throughput.qps.toFixed(0)} qps, avg ${result.throughput.averageLatencyMs.toFixed(3)} ms, p99 ${fixed(result.p99Ms, 3)} ms, lost ${result.throughput.lost}`);
        const previous = best.get(peer.name);
        if (!previous || result.throughput.qps > previous.throughput.qps) best.set(peer.name, result);
      }
    }
    console.log('');
    report(peers, best, options);
    console.log(`machine: ${availableParallelism()} cores; 1-minute load average ${loadBefore} before the rounds, ${loadAverage()} after (dnsperf and the server count in it)`);
    return 0;
  } finally {
    await Promise.all(peers.map((peer) => peer.stop()));
  }
}

await runBench({ name: 'bench/dns-auth', help: HELP, readOptions, run });
