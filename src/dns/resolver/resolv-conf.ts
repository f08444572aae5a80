// The upstream servers the system is configured with, for when the configuration names none.

import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

export interface ServerAddress {
  address: string;
  port: number;
}

const DNS_PORT = 53;

/** The `nameserver` lines of a resolv.conf, port 53. A missing or empty file means
 *  127.0.0.1:53, as for the C library (resolv.conf(5)). A link-local IPv6 zone
 *  ("fe80::1%eth0") is kept: node:dgram accepts it. */
export function serversFromResolvConf(path = '/etc/resolv.conf'): ServerAddress[] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const servers: ServerAddress[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[0] !== 'nameserver' || fields.length < 2) continue;
    const address = fields[1];
    if (isIP(address.replace(/%.*$/, '')) === 0) continue;
    servers.push({ address, port: DNS_PORT });
  }
  return servers.length > 0 ? servers : [{ address: '127.0.0.1', port: DNS_PORT }];
}
