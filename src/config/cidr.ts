import { isIP } from 'node:net';

export interface Cidr {
  /** The network address as written (not masked). */
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** "192.0.2.0/24", "2001:db8::/32", or a bare address (a /32 or /128). */
export function parseCidr(text: string): Cidr | undefined {
  const [address, prefixText, ...extra] = text.trim().split('/');
  if (extra.length > 0 || address === undefined) return undefined;
  const version = isIP(address);
  if (version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

export function formatCidr({ address, prefix }: Cidr): string {
  return `${address}/${prefix}`;
}
