// What a secondary zone is told: its primaries (and the key to talk to each), and the state the
// refresher gives it for the servers: a zone past its expire time answers SERVFAIL.

import type { AccessRule } from '../acl.ts';
import type { TsigKeySpec } from '../tsig/keys.ts';
import type { PrimaryAddress } from './primary-exchange.ts';

export interface PrimaryServer extends PrimaryAddress {
  /** Signs our SOA queries and transfer requests, and must sign every reply and NOTIFY. */
  key?: TsigKeySpec;
}

export interface SecondarySettings {
  primaries: PrimaryServer[];
  /** Others whose NOTIFY is accepted too (allowNotify), and the keys its key rules name. */
  allowNotify?: { rules: AccessRule[]; keys: TsigKeySpec[] };
  /** No primary has confirmed the copy within the SOA's expire time (RFC 1035 §3.3.13):
   *  the zone is answered with SERVFAIL until a transfer or a refresh succeeds. */
  expired?: boolean;
}
