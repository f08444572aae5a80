// CPU time and memory of a server's whole process tree from /proc (Linux), so that servers that
// fork (Postfix: master, smtpd, cleanup, qmgr…) and single-process ones are measured alike.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux architecture Node runs on

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime of the process itself, and cutime + cstime of its reaped children, in ticks. */
  ownTicks: number;
  reapedChildTicks: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may hold spaces and parentheses: split after its closing parenthesis.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const n = (i: number) => Number(fields[i - 3]);
    return { pid, ppid: n(4), ownTicks: n(14) + n(15), reapedChildTicks: n(16) + n(17) };
  } catch {
    return undefined; // exited meanwhile
  }
}

function allStats(): ProcStat[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readStat(Number(name)))
    .filter((s): s is ProcStat => s !== undefined);
}

function tree(rootPid: number, stats: ProcStat[]): ProcStat[] {
  const members = new Set([rootPid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of stats) {
      if (!members.has(s.pid) && members.has(s.ppid)) {
        members.add(s.pid);
        grew = true;
      }
    }
  }
  return stats.filter((s) => members.has(s.pid));
}

/** CPU seconds used so far by the tree: live processes plus the children they have reaped
 *  (Postfix's smtpd processes exit after max_use sessions; their time moves to master's cutime). */
export function treeCpuSeconds(rootPid: number): number {
  return tree(rootPid, allStats()).reduce((sum, s) => sum + s.ownTicks + s.reapedChildTicks, 0) / TICKS_PER_SECOND;
}

// PSS, not RSS: Postfix runs many smtpd processes sharing their code pages, and summing their RSS
// would count those pages once per process. For a single process PSS and RSS are about equal.
function pssKiB(pid: number): number {
  try {
    const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

export interface MemorySampler {
  /** Highest summed PSS of the tree seen since the start, in KiB. */
  stop(): number;
}

/** Samples the summed PSS of the tree every `intervalMs`: a peak of a forking server is the sum at one moment. */
export function sampleTreeMemory(rootPid: number, intervalMs = 200): MemorySampler {
  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, tree(rootPid, allStats()).reduce((sum, s) => sum + pssKiB(s.pid), 0));
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

/** The pid of this process's child whose command line holds `marker` (spawnServer does not tell
 *  its pid); waits until the child has exec'd its server. */
export async function childPidWith(marker: string, server: { hasExited(): boolean; output(): string }): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const child = allStats().find((s) => s.ppid === process.pid && readCommandLine(s.pid).includes(marker));
    if (child) return child.pid;
    if (server.hasExited()) throw new Error(`server exited: ${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no child process running with "${marker}" in its command line`);
}

function readCommandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}
