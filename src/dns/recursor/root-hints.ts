// Where iteration starts: the root's name servers and their addresses, from a file in the
// root.hints format (a master file: NS records at the root and A/AAAA for their names), or the
// IANA root servers built in (https://www.internic.net/domain/named.root).

import { parseMasterFile } from '../zone/masterfile.ts';
import { formatProblem } from '../zone/problems.ts';
import type { ResourceRecord } from '../wire/model.ts';
import { canonicalName } from '../wire/names.ts';
import { RRType } from '../wire/rrtypes.ts';

export interface RootHints {
  /** NS records owned by the root. */
  ns: ResourceRecord[];
  /** A and AAAA records of the NS names. */
  addresses: ResourceRecord[];
}

const IANA_ROOT_SERVERS: [letter: string, ipv4: string, ipv6: string][] = [
  ['a', '198.41.0.4', '2001:503:ba3e::2:30'],
  ['b', '170.247.170.2', '2801:1b8:10::b'],
  ['c', '192.33.4.12', '2001:500:2::c'],
  ['d', '199.7.91.13', '2001:500:2d::d'],
  ['e', '192.203.230.10', '2001:500:a8::e'],
  ['f', '192.5.5.241', '2001:500:2f::f'],
  ['g', '192.112.36.4', '2001:500:12::d0d'],
  ['h', '198.97.190.53', '2001:500:1::53'],
  ['i', '192.36.148.17', '2001:7fe::53'],
  ['j', '192.58.128.30', '2001:503:c27::2:30'],
  ['k', '193.0.14.129', '2001:7fd::1'],
  ['l', '199.7.83.42', '2001:500:9f::42'],
  ['m', '202.12.27.33', '2001:dc3::35'],
];

const HINT_TTL = 3_600_000;

export function ianaRootHints(): RootHints {
  const hints: RootHints = { ns: [], addresses: [] };
  for (const [letter, ipv4, ipv6] of IANA_ROOT_SERVERS) {
    const host = `${letter}.root-servers.net`;
    hints.ns.push({ name: '', type: RRType.NS, class: 1, ttl: HINT_TTL, data: { nsdname: host } });
    hints.addresses.push({ name: host, type: RRType.A, class: 1, ttl: HINT_TTL, data: { address: ipv4 } });
    hints.addresses.push({ name: host, type: RRType.AAAA, class: 1, ttl: HINT_TTL, data: { address: ipv6 } });
  }
  return hints;
}

/** Reads a root hints file; a file that is unreadable, has errors, or names no root server
 *  with an address fails with a message that names the file. */
export async function loadRootHints(file: string): Promise<RootHints> {
  const parsed = await parseMasterFile(file, { origin: '' });
  const errors = parsed.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) throw new Error(`root hints ${file}: ${errors.map(formatProblem).join('; ')}`);
  const records = parsed.records.map((r) => r.record);
  const ns = records.filter((rr) => rr.type === RRType.NS && rr.name === '');
  const hosts = new Set(ns.map((rr) => canonicalName(String(rr.data.nsdname))));
  const addresses = records.filter((rr) => (rr.type === RRType.A || rr.type === RRType.AAAA) && hosts.has(canonicalName(rr.name)));
  if (addresses.length === 0) throw new Error(`root hints ${file}: no NS record for "." with an A or AAAA record for its name`);
  return { ns, addresses };
}
