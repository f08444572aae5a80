// policy.dnsbl (the client address) and policy.rhsbl (sender and HELO domains): the blocklist
// zones asked, which of their answers count, and how many weighted listings refuse.
import { z } from 'zod';
import { parseIpv4Range } from '../address-range.ts';
import { domainName, positiveInt, show } from '../fields.ts';
import { listOf } from './common.ts';

const LOOPBACK_NET = { first: 0x7f000000, last: 0x7fffffff };

/** A return code or range; only 127.0.0.0/8 answers are listings (RFC 5782 §2.1), so nothing else may be named. */
const returnCodes = () =>
  z
    .string({ error: (iss) => `expected an address or range like "127.0.0.2-127.0.0.11", got ${show(iss.input)}` })
    .refine(
      (text) => {
        const range = parseIpv4Range(text);
        return range !== undefined && range.first >= LOOPBACK_NET.first && range.last <= LOOPBACK_NET.last;
      },
      { error: (iss) => `expected an address in 127.0.0.0/8 or a range of them like "127.0.0.2-127.0.0.11", got ${show(iss.input)}` },
    );

const blocklistZone = () =>
  z.strictObject({
    zone: domainName(),
    /** Answers that count as a listing; empty: any answer in 127.0.0.0/8 (127.255.255.x never: that is the zone's error code). */
    codes: listOf(returnCodes()).default([]),
    weight: positiveInt().default(1),
  });

export const blocklistSection = () =>
  z
    .strictObject({
      zones: listOf(blocklistZone()).default([]),
      threshold: positiveInt().default(1),
    })
    .prefault({});
