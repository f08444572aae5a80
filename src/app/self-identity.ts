// Who "this host" is when an MX list is read (RFC 5321 §5.1): our names, and the addresses we
// receive mail on (every interface's when a listener is bound to the wildcard address).
import { networkInterfaces } from 'node:os';
import type { Config } from '../config/schema.ts';
import type { SelfIdentity } from '../delivery/mx-plan.ts';

export function selfIdentity(config: Config): SelfIdentity {
  const names = new Set([config.hostname, config.delivery.heloName ?? config.hostname]);
  const addresses = new Set<string>();
  for (const { address } of config.smtp.listeners) {
    if (address === '0.0.0.0' || address === '::') {
      for (const list of Object.values(networkInterfaces())) for (const nic of list ?? []) addresses.add(nic.address);
    } else addresses.add(address);
  }
  if (config.delivery.sourceAddress) addresses.add(config.delivery.sourceAddress);
  return { names, addresses };
}
