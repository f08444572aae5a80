// Access lists of the DNS server: allowTransfer, allowUpdate, allowNotify and recursion.allow.
// Any element that matches allows: a network ("192.0.2.0/24", a bare address is one host), a
// TSIG key ("key:NAME", the request verified with that key), or both at once ({ address, key }).
// An empty list allows nobody.

import { BlockList, isIPv4 } from 'node:net';
import { parseCidr } from '../config/cidr.ts';

export type AccessRule = string | { address: string; key: string };

/** Who asks: the client's address and, when the request carried a TSIG that verified, its key's name. */
export interface Requester {
  address: string;
  key?: string;
}

export type AccessList = (who: Requester) => boolean;

const KEY_PREFIX = 'key:';

/** Key names are domain names: compared without case and without a trailing dot. */
export const keyNameOf = (name: string): string => name.trim().replace(/\.$/, '').toLowerCase();

/** Why a rule is not one, or undefined when it is; config validation uses the same reading. */
export function ruleProblem(rule: AccessRule): string | undefined {
  if (typeof rule === 'string') {
    if (rule.startsWith(KEY_PREFIX)) return keyNameOf(rule.slice(KEY_PREFIX.length)) === '' ? 'expected a key name after "key:"' : undefined;
    return parseCidr(rule) === undefined ? `expected a network like 192.0.2.0/24, "key:NAME" or { address, key }, got ${JSON.stringify(rule)}` : undefined;
  }
  if (parseCidr(rule.address) === undefined) return `expected a network like 192.0.2.0/24 as address, got ${JSON.stringify(rule.address)}`;
  return keyNameOf(rule.key) === '' ? 'expected a key name as key' : undefined;
}

/** The keys a list names, so the config can check each is in dns.keys. */
export function keysNamedBy(rules: readonly AccessRule[]): string[] {
  return rules.flatMap((rule) => (typeof rule !== 'string' ? [keyNameOf(rule.key)] : rule.startsWith(KEY_PREFIX) ? [keyNameOf(rule.slice(KEY_PREFIX.length))] : []));
}

/** The matcher for a list; throws on a rule that is not one (the config has checked them). */
export function accessList(rules: readonly AccessRule[]): AccessList {
  const networks = new BlockList();
  const keys = new Set<string>();
  const pairs: { networks: BlockList; key: string }[] = [];
  for (const rule of rules) {
    const problem = ruleProblem(rule);
    if (problem !== undefined) throw new Error(`access list: ${problem}`);
    if (typeof rule === 'string' && rule.startsWith(KEY_PREFIX)) keys.add(keyNameOf(rule.slice(KEY_PREFIX.length)));
    else if (typeof rule === 'string') addNetwork(networks, rule);
    else {
      const one = new BlockList();
      addNetwork(one, rule.address);
      pairs.push({ networks: one, key: keyNameOf(rule.key) });
    }
  }
  return ({ address, key }) => {
    const name = key === undefined ? undefined : keyNameOf(key);
    if (name !== undefined && keys.has(name)) return true;
    const plain = unmapped(address);
    if (inNetworks(networks, plain)) return true;
    return name !== undefined && pairs.some((pair) => pair.key === name && inNetworks(pair.networks, plain));
  };
}

function addNetwork(list: BlockList, text: string): void {
  const cidr = parseCidr(text)!;
  list.addSubnet(cidr.address, cidr.prefix, cidr.family);
}

/** A dual-stack socket reports IPv4 clients as ::ffff:192.0.2.1; they match the IPv4 networks. */
const unmapped = (address: string): string => /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] ?? address;

function inNetworks(list: BlockList, address: string): boolean {
  try {
    return list.check(address, isIPv4(address) ? 'ipv4' : 'ipv6');
  } catch {
    return false;
  }
}
