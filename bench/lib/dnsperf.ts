// Runs Debian's dnsperf (2.10) against one server and reads its report.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, createReadStream, openSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { onAbort } from './cleanup.ts';
import { BENCH_ADDRESS } from './peer.ts';

export interface LoadSettings {
  seconds: number;
  clients: number;
  threads: number;
  outstanding: number;
}

export interface DnsperfReport {
  sent: number;
  completed: number;
  lost: number;
  qps: number;
  averageLatencyMs: number;
  maxLatencyMs: number;
  /** Share of completed queries per response code, e.g. { NOERROR: 0.901, NXDOMAIN: 0.099 }. */
  responseCodes: Record<string, number>;
  averageResponseBytes: number;
}

export function dnsperfVersion(): string {
  const help = spawnSync('dnsperf', ['-h'], { encoding: 'utf8' });
  return /Version\s+(\S+)/.exec(`${help.stdout ?? ''}${help.stderr ?? ''}`)?.[1] ?? 'unknown';
}

/** The dnsperf options that set the load, the same for every server. */
export function loadArgs(load: LoadSettings): string[] {
  return ['-l', String(load.seconds), '-c', String(load.clients), '-T', String(load.threads), '-q', String(load.outstanding)];
}

function dnsperfArgs(port: number, queryFile: string, load: LoadSettings, verbose: boolean): string[] {
  const args = ['-s', BENCH_ADDRESS, '-p', String(port), '-d', queryFile, ...loadArgs(load)];
  return verbose ? [...args, '-v'] : args;
}

function numberAfter(report: string, label: RegExp): number {
  const match = label.exec(report);
  if (!match) throw new Error(`dnsperf printed no ${label.source}; its output:\n${report.slice(-3000)}`);
  return Number(match[1]);
}

/** Reads the "Statistics:" block dnsperf prints at the end of a run. */
function parseDnsperfReport(report: string): DnsperfReport {
  const completed = numberAfter(report, /Queries completed:\s+(\d+)/);
  const responseCodes: Record<string, number> = {};
  const codes = /Response codes:\s+(.*)/.exec(report)?.[1] ?? '';
  for (const [, code, count] of codes.matchAll(/([A-Z]+) (\d+) \(/g)) responseCodes[code] = completed === 0 ? 0 : Number(count) / completed;
  return {
    sent: numberAfter(report, /Queries sent:\s+(\d+)/),
    completed,
    lost: numberAfter(report, /Queries lost:\s+(\d+)/),
    qps: numberAfter(report, /Queries per second:\s+([\d.]+)/),
    averageLatencyMs: numberAfter(report, /Average Latency \(s\):\s+([\d.]+)/) * 1000,
    maxLatencyMs: numberAfter(report, /Average Latency \(s\):.*max ([\d.]+)\)/) * 1000,
    responseCodes,
    averageResponseBytes: numberAfter(report, /Average packet size:.*response (\d+)/),
  };
}

/** Runs dnsperf to the end; its stdout goes to `stdoutFile` if given, else is returned. */
async function execDnsperf(args: string[], seconds: number, stdoutFile?: string): Promise<string> {
  const outFd = stdoutFile === undefined ? 'pipe' : openSync(stdoutFile, 'w');
  try {
    const child = spawn('dnsperf', args, { stdio: ['ignore', outFd, 'pipe'] });
    const forget = onAbort(() => child.kill('SIGKILL'));
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    // dnsperf stops itself after -l seconds plus its 5 s query timeout; this is only for a hang.
    const hang = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
    const code = await new Promise<number | null>((done, fail) => {
      child.once('error', fail);
      child.once('exit', (exitCode) => done(exitCode));
    });
    clearTimeout(hang);
    forget();
    if (code !== 0) throw new Error(`dnsperf exited with ${code}: ${stderr.trim()}`);
    return stdout;
  } finally {
    if (typeof outFd === 'number') closeSync(outFd);
  }
}

/** A throughput run: dnsperf prints only its summary, so it spends its CPU on sending and receiving. */
export async function runDnsperf(port: number, queryFile: string, load: LoadSettings): Promise<DnsperfReport> {
  return parseDnsperfReport(await execDnsperf(dnsperfArgs(port, queryFile, load, false), load.seconds));
}

export interface LatencyRun {
  report: DnsperfReport;
  /** Nearest-rank percentiles in ms over the answered queries, one per requested fraction. */
  percentilesMs: number[];
}

/** A latency run: dnsperf -v writes one line per answer ("> RCODE name type seconds") to `verboseFile`, read back here. */
export async function runDnsperfVerbose(port: number, queryFile: string, load: LoadSettings, verboseFile: string, fractions: number[]): Promise<LatencyRun> {
  await execDnsperf(dnsperfArgs(port, queryFile, load, true), load.seconds, verboseFile);
  const latencies: number[] = [];
  let statistics = '';
  for await (const line of createInterface({ input: createReadStream(verboseFile) })) {
    if (line.startsWith('> ')) {
      // Timed-out and interrupted queries ("> T …", "> I …") carry no latency; dnsperf counts them as lost.
      const seconds = Number(line.slice(line.lastIndexOf(' ') + 1));
      if (!line.startsWith('> T ') && !line.startsWith('> I ') && Number.isFinite(seconds)) latencies.push(seconds);
    } else if (statistics !== '' || line.startsWith('Statistics:')) {
      statistics += `${line}\n`;
    }
  }
  const sorted = Float64Array.from(latencies).sort();
  const percentilesMs = fractions.map((f) => (sorted.length === 0 ? Number.NaN : sorted[Math.max(0, Math.ceil(f * sorted.length) - 1)] * 1000));
  return { report: parseDnsperfReport(statistics), percentilesMs };
}
