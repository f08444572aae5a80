// Reads the data out of a NOERROR or NXDOMAIN reply. Only records on the chain from the
// question's name are believed: the CNAMEs from the question name on, then the wanted RRset
// at the chain's end. Anything else in the reply (extra names, unrelated answers, glue) is
// ignored, so a server cannot plant data for names nobody asked about (cache poisoning).

import type { Message, Question, ResourceRecord } from '../wire/model.ts';
import { RClass, Rcode } from '../wire/model.ts';
import { canonicalName, isInZone } from '../wire/names.ts';
import { RRType } from '../wire/rrtypes.ts';

/** More than this many CNAMEs in a row is treated like a loop (BIND and Unbound stop near here). */
const MAX_CNAME_CHAIN = 16;

export interface TtlLimits {
  maxTtl: number;
  maxNegativeTtl: number;
}

export type ReplyData =
  | { kind: 'answer'; finalName: string; cnameChain: string[]; records: ResourceRecord[]; ttl: number }
  /** `ttl` undefined: the reply gave no SOA to take a negative TTL from, so it is not cached (RFC 2308 §5). */
  | { kind: 'negative'; code: 'NXDOMAIN' | 'NODATA'; finalName: string; cnameChain: string[]; ttl: number | undefined }
  /** The data cannot be used: a CNAME loop (SERVFAIL, as a recursive resolver says), or a
   *  referral, which means the server is authoritative only and does not recurse. */
  | { kind: 'broken'; code: 'SERVFAIL' | 'BADRESPONSE'; detail: string };

export function readReplyData(question: Question, reply: Message, limits: TtlLimits): ReplyData {
  const cnameChain: string[] = [];
  let chainTtl = limits.maxTtl;
  let current = question.name;
  const seen = new Set<string>([canonicalName(current)]);
  for (;;) {
    const key = canonicalName(current);
    const atName = reply.answers.filter((rr) => rr.class === RClass.IN && canonicalName(rr.name) === key);
    const records = atName.filter((rr) => rr.type === question.type || question.type === RRType.ANY);
    if (records.length > 0) {
      const ttl = Math.min(chainTtl, ...records.map((rr) => rr.ttl));
      return { kind: 'answer', finalName: current, cnameChain, records, ttl };
    }
    const cname = atName.find((rr) => rr.type === RRType.CNAME);
    if (!cname) break;
    const target = cname.data.target as string;
    if (seen.has(canonicalName(target))) return { kind: 'broken', code: 'SERVFAIL', detail: `CNAME loop at ${target}` };
    if (cnameChain.length === MAX_CNAME_CHAIN) return { kind: 'broken', code: 'SERVFAIL', detail: `more than ${MAX_CNAME_CHAIN} CNAMEs from ${question.name}` };
    seen.add(canonicalName(target));
    cnameChain.push(target);
    chainTtl = Math.min(chainTtl, cname.ttl);
    current = target;
  }
  const referral = reply.flags.rcode === Rcode.NOERROR && !reply.flags.aa && reply.authority.some((rr) => rr.type === RRType.NS) && !reply.authority.some((rr) => rr.type === RRType.SOA);
  if (referral) return { kind: 'broken', code: 'BADRESPONSE', detail: `a referral for ${current}: the server does not recurse` };
  const code = reply.flags.rcode === Rcode.NXDOMAIN ? 'NXDOMAIN' : 'NODATA';
  return { kind: 'negative', code, finalName: current, cnameChain, ttl: negativeTtl(reply, current, chainTtl, limits) };
}

/** RFC 2308 §5: the lesser of the SOA's own TTL and its MINIMUM field, from an SOA of a zone
 *  that holds the name; capped by the CNAMEs that led there and by the configured ceiling. */
function negativeTtl(reply: Message, name: string, chainTtl: number, limits: TtlLimits): number | undefined {
  const soa = reply.authority.find((rr) => rr.type === RRType.SOA && rr.class === RClass.IN && isInZone(name, rr.name));
  if (!soa) return undefined;
  return Math.min(soa.ttl, soa.data.minimum as number, limits.maxNegativeTtl, chainTtl);
}
