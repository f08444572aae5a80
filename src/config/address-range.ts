// IPv4 address ranges as blocklist return codes are written: "127.0.0.2-127.0.0.11" or one address.
import { isIPv4 } from 'node:net';

/** Inclusive bounds, as 32-bit numbers. */
export interface Ipv4Range {
  first: number;
  last: number;
}

export function ipv4Number(address: string): number {
  return address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

/** "127.0.0.2-127.0.0.11" or "127.0.0.2"; undefined when malformed or when the range runs backwards. */
export function parseIpv4Range(text: string): Ipv4Range | undefined {
  const [from, to, ...extra] = text.trim().split('-').map((part) => part.trim());
  if (extra.length > 0 || from === undefined || !isIPv4(from) || (to !== undefined && !isIPv4(to))) return undefined;
  const range = { first: ipv4Number(from), last: ipv4Number(to ?? from) };
  return range.first <= range.last ? range : undefined;
}
