import type { ResourceRecord } from '../wire/model.ts';

/** One version step of a zone: what went and what came (RFC 1995's difference sequence). */
export interface Changeset {
  from: number;
  to: number;
  removed: ResourceRecord[];
  added: ResourceRecord[];
  /** SHA-256 of the zone file when the change was made: a later hand edit that kept the serial shows as a different digest. */
  fileDigest?: string;
}

/** How many of a zone's latest changesets are kept for IXFR; older clients get the whole zone. */
export const HISTORY_LIMIT = 200;

/** The changesets that lead from `serial` to the newest, or undefined when the history does not reach back to it. */
export function changesSince(history: readonly Changeset[], serial: number): Changeset[] | undefined {
  const start = history.findIndex((c) => c.from === serial);
  if (start < 0) return undefined;
  const chain = history.slice(start);
  return chain.every((c, i) => i === 0 || c.from === chain[i - 1]!.to) ? chain : undefined;
}
