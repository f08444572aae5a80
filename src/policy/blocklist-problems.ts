// A blocklist zone that misbehaves (refuses our queries, answers garbage, fails or times out)
// must never refuse mail, and must not flood the log either, even when it misbehaves for some
// names only: each problem of a zone is logged at most once every ten minutes.
import type { Logger } from '../log/logger.ts';

export type ZoneProblem = 'refused' | 'garbage' | 'failed';

const QUIET_MS = 10 * 60_000;

export class BlocklistProblems {
  /** When each "zone problem" was last logged. */
  private readonly logged = new Map<string, number>();

  constructor(private readonly logger: Logger) {}

  report(zone: string, problem: ZoneProblem, detail: string): void {
    const key = `${zone} ${problem}`;
    const last = this.logged.get(key);
    const now = Date.now();
    if (last !== undefined && now - last < QUIET_MS) return;
    this.logged.set(key, now);
    this.logger.warn({ zone, problem, detail }, 'blocklist zone unusable; its answers count as not listed');
  }
}
