// Client address against a list of networks (relay.networks and later allowlists).
import { BlockList, isIPv4 } from 'node:net';
import { parseCidr } from '../config/cidr.ts';

/** 192.0.2.1 for ::ffff:192.0.2.1 (how a dual-stack socket reports an IPv4 client); any other text as it is. */
export function unmappedAddress(address: string): string {
  return /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] ?? address;
}

/** A matcher for CIDRs like "10.0.0.0/8" and "2001:db8::/32". IPv4-mapped IPv6 client addresses
 *  (::ffff:192.0.2.1, as a dual-stack socket reports them) match the IPv4 networks. */
export function networkMatcher(cidrs: readonly string[]): (address: string) => boolean {
  const list = new BlockList();
  for (const text of cidrs) {
    const cidr = parseCidr(text);
    if (!cidr) throw new Error(`not a network: ${JSON.stringify(text)} (expected e.g. 192.0.2.0/24 or 2001:db8::/32)`);
    list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }
  return (address) => {
    const plain = unmappedAddress(address);
    try {
      return list.check(plain, isIPv4(plain) ? 'ipv4' : 'ipv6');
    } catch {
      return false;
    }
  };
}
