// The typed failures of a lookup. Mail callers turn them into SMTP replies: a permanent
// failure (the name or the data does not exist) is a 5xx, a temporary one (nobody could
// give a trustworthy answer right now) is a 4xx so that the sender tries again later.

import { typeToText } from '../wire/rrtypes.ts';

export type LookupErrorCode = 'NXDOMAIN' | 'NODATA' | 'SERVFAIL' | 'TIMEOUT' | 'REFUSED' | 'FORMERR' | 'BADRESPONSE';

/** Only an answer saying the data does not exist is permanent: any server failure (FORMERR
 *  included) may be a fault of that server that goes away, and must not bounce mail. */
const PERMANENT: ReadonlySet<LookupErrorCode> = new Set(['NXDOMAIN', 'NODATA']);

export class DnsLookupError extends Error {
  /** The looked-up domain name (model form). It shadows Error#name on purpose: the API
   *  names it so, and the error's kind is in `code`. */
  override readonly name: string;

  constructor(
    readonly code: LookupErrorCode,
    name: string,
    readonly type: number,
    detail?: string,
  ) {
    super(`${code} for ${name === '' ? '.' : name}/${typeToText(type)}${detail ? `: ${detail}` : ''}`);
    this.name = name;
  }

  /** True when a later try may succeed (4xx); false when the DNS said "no such data" (5xx). */
  get temporary(): boolean {
    return !PERMANENT.has(this.code);
  }
}

/** A lookup on a resolver that has been closed, or one that was running when it closed. */
export class ResolverClosedError extends Error {
  constructor() {
    super('the resolver is closed');
    this.name = 'ResolverClosedError';
  }
}
