// A blocklist zone that misbehaves (refuses our queries, answers garbage, fails or times out)
// must never refuse mail, and must not flood the log either: each kind of problem of a zone is
// logged when it starts, and again only after the zone has answered properly in between.
import type { Logger } from '../log/logger.ts';

export type ZoneProblem = 'refused' | 'garbage' | 'failed';

export class BlocklistProblems {
  private readonly current = new Map<string, ZoneProblem>();

  constructor(private readonly logger: Logger) {}

  report(zone: string, problem: ZoneProblem, detail: string): void {
    if (this.current.get(zone) === problem) return;
    this.current.set(zone, problem);
    this.logger.warn({ zone, problem, detail }, 'blocklist zone unusable; its answers count as not listed until it recovers');
  }

  /** The zone answered properly (listed or not). */
  recovered(zone: string): void {
    if (this.current.delete(zone)) this.logger.info({ zone }, 'blocklist zone answers properly again');
  }
}
