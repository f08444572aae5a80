// The client part of a greylisting triplet: its network, not its address, because big senders
// retry from another host of the same farm (RFC 6647 §4.1: /24 for IPv4, /64 for IPv6).
import { isIPv4 } from 'node:net';
import { ipv4FromBytes, ipv4ToBytes, ipv6FromBytes, ipv6ToBytes } from '../dns/wire/addresses.ts';
import { unmappedAddress } from './networks.ts';

/** "192.0.2.0/24" for 192.0.2.77 with prefix 24; the address itself when it is not an IP address. */
export function clientNetwork(address: string, prefixes: { ipv4: number; ipv6: number }): string {
  const plain = unmappedAddress(address);
  const v4 = isIPv4(plain);
  const bytes = new Uint8Array(v4 ? 4 : 16);
  if (!(v4 ? ipv4ToBytes(plain, bytes, 0) : ipv6ToBytes(plain.replace(/%.*$/, ''), bytes, 0))) return address;
  const prefix = v4 ? prefixes.ipv4 : prefixes.ipv6;
  bytes.forEach((byte, i) => {
    const kept = Math.min(8, Math.max(0, prefix - 8 * i));
    bytes[i] = byte & (0xff << (8 - kept));
  });
  return `${v4 ? ipv4FromBytes(bytes, 0) : ipv6FromBytes(bytes, 0)}/${prefix}`;
}
