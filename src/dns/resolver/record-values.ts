// The typed values mail code wants out of MX, A/AAAA, TXT, PTR and TLSA records (their
// field names come from the descriptor table in wire/rrtypes.ts).

import type { ResourceRecord } from '../wire/model.ts';
import { RRType } from '../wire/rrtypes.ts';

export interface MxHost {
  preference: number;
  /** Model form; "" (the root) with preference 0 is a null MX (RFC 7505): no mail accepted. */
  exchange: string;
}

export interface HostAddress {
  address: string;
  family: 4 | 6;
}

export interface TxtValue {
  /** The character-strings of the record, as sent. */
  strings: Buffer[];
  /** The strings joined (RFC 7208 §3.3 for SPF, RFC 6376 §3.6.2.2 for DKIM). */
  data: Buffer;
  /** `data` as UTF-8 text. */
  text: string;
}

export interface TlsaValue {
  usage: number;
  selector: number;
  matchingType: number;
  certificateData: Buffer;
}

/** Sorted by preference, lowest first; hosts of equal preference keep the server's order
 *  (RFC 5321 §5.1 leaves their shuffling to the delivery). */
export function mxHosts(records: ResourceRecord[]): MxHost[] {
  return records
    .map((rr) => ({ preference: rr.data.preference as number, exchange: rr.data.exchange as string }))
    .sort((a, b) => a.preference - b.preference);
}

export function hostAddresses(records: ResourceRecord[]): HostAddress[] {
  return records.map((rr) => ({ address: rr.data.address as string, family: rr.type === RRType.AAAA ? 6 : 4 }));
}

export function txtValues(records: ResourceRecord[]): TxtValue[] {
  return records.map((rr) => {
    const strings = rr.data.strings as Buffer[];
    const data = Buffer.concat(strings);
    return { strings, data, text: data.toString('utf8') };
  });
}

export function ptrNames(records: ResourceRecord[]): string[] {
  return records.map((rr) => rr.data.ptrdname as string);
}

export function tlsaValues(records: ResourceRecord[]): TlsaValue[] {
  return records.map((rr) => ({
    usage: rr.data.usage as number,
    selector: rr.data.selector as number,
    matchingType: rr.data.matchingType as number,
    certificateData: rr.data.certificateData as Buffer,
  }));
}
