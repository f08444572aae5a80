// The names that PTR (RFC 1035 §3.5, RFC 3596 §2.5) and TLSA (RFC 6698 §3) records live at.

import { isIP } from 'node:net';
import { ipv4ToBytes, ipv6ToBytes } from '../wire/addresses.ts';

/** "192.0.2.1" → "1.2.0.192.in-addr.arpa"; an IPv6 address → its 32 nibbles under ip6.arpa. */
export function reverseName(ip: string): string {
  const family = isIP(ip);
  if (family === 4) {
    const octets = new Uint8Array(4);
    if (!ipv4ToBytes(ip, octets, 0)) throw new TypeError(`"${ip}" is not an IPv4 address Postern accepts (no leading zeros)`);
    return `${[...octets].reverse().join('.')}.in-addr.arpa`;
  }
  if (family === 6) {
    const octets = new Uint8Array(16);
    if (!ipv6ToBytes(ip.replace(/%.*$/, ''), octets, 0)) throw new TypeError(`"${ip}" is not an IPv6 address`);
    const nibbles = [...octets].flatMap((b) => [b >> 4, b & 0x0f]).map((n) => n.toString(16));
    return `${nibbles.reverse().join('.')}.ip6.arpa`;
  }
  throw new TypeError(`"${ip}" is not an IP address`);
}

const TLSA_PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);

/** "_25._tcp.mx.example" for port 25 over TCP at mx.example (`host` already in model form). */
export function tlsaName(port: number, protocol: string, host: string): string {
  if (!Number.isInteger(port) || port < 1 || port > 0xffff) throw new RangeError(`TLSA port must be 1..65535, got ${port}`);
  if (!TLSA_PROTOCOLS.has(protocol)) throw new TypeError(`TLSA protocol must be tcp, udp or sctp, got "${protocol}"`);
  return `_${port}._${protocol}.${host}`;
}
