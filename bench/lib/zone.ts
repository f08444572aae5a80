// Generates the benchmark zone and the dnsperf query file that goes with it.
// Deterministic (seeded) so every run and every server sees the same data and the same query mix.

export interface BenchZone {
  origin: string;
  /** RFC 1035 master file text, the same bytes for every server. */
  masterFile: string;
  /** dnsperf input: one "name type" line per query. */
  queries: string;
  /** What the query file asks for, for the report. */
  mix: { hit: number; nxdomain: number; nodata: number };
}

export interface ZoneShape {
  origin: string;
  hosts: number;
  queryCount: number;
}

const MAIL_HOSTS = 10;

/** Small, fast, seedable PRNG (mulberry32): the same seed gives the same query file. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Which record types host N owns; the query generator reads the same rules to know hits from NODATA.
const hasAaaa = (n: number) => n % 2 === 0;
const hasMx = (n: number) => n % 5 === 0;
const hasTxt = (n: number) => n % 3 === 0;

const hostName = (n: number) => `host-${n}`;
const mailHostName = (n: number) => `mx${n + 1}`;

function ipv4(n: number): string {
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

function ipv6(n: number): string {
  return `2001:db8:${(n >> 16).toString(16)}::${(n & 0xffff).toString(16)}`;
}

function masterFileFor(shape: ZoneShape): string {
  const lines = [
    `$ORIGIN ${shape.origin}.`,
    '$TTL 3600',
    '@ IN SOA ns1 hostmaster 2026112801 7200 3600 1209600 300',
    '@ IN NS ns1',
    '@ IN NS ns2',
    '@ IN MX 10 mx1',
    '@ IN MX 20 mx2',
    '@ IN TXT "v=spf1 mx -all"',
    'ns1 IN A 192.0.2.1',
    'ns1 IN AAAA 2001:db8::1',
    'ns2 IN A 192.0.2.2',
    'ns2 IN AAAA 2001:db8::2',
  ];
  for (let m = 0; m < MAIL_HOSTS; m++) {
    lines.push(`${mailHostName(m)} IN A 192.0.2.${10 + m}`, `${mailHostName(m)} IN AAAA 2001:db8::${(10 + m).toString(16)}`);
  }
  for (let n = 0; n < shape.hosts; n++) {
    const name = hostName(n);
    lines.push(`${name} IN A ${ipv4(n)}`);
    if (hasAaaa(n)) lines.push(`${name} IN AAAA ${ipv6(n)}`);
    if (hasMx(n)) lines.push(`${name} IN MX 10 ${mailHostName(n % MAIL_HOSTS)}`, `${name} IN MX 20 ${mailHostName((n + 1) % MAIL_HOSTS)}`);
    if (hasTxt(n)) lines.push(`${name} IN TXT "v=spf1 ip4:${ipv4(n)} -all" "owner=team-${n % 97}"`);
  }
  return `${lines.join('\n')}\n`;
}

/** Picks a host number for which `owns` holds (all rules hit within a few steps). */
function hostWhere(random: () => number, hosts: number, owns: (n: number) => boolean): number {
  let n = Math.floor(random() * hosts);
  while (!owns(n)) n = (n + 1) % hosts;
  return n;
}

function queriesFor(shape: ZoneShape, seed: number): string {
  const random = seededRandom(seed);
  const fqdn = (label: string) => `${label}.${shape.origin}`;
  const lines: string[] = [];
  for (let i = 0; i < shape.queryCount; i++) {
    const roll = random();
    if (roll < 0.8) {
      // Hits, weighted like mail-gateway traffic: mostly addresses, then MX (with additional A/AAAA), then TXT.
      const kind = random();
      if (kind < 0.45) lines.push(`${fqdn(hostName(hostWhere(random, shape.hosts, () => true)))} A`);
      else if (kind < 0.7) lines.push(`${fqdn(hostName(hostWhere(random, shape.hosts, hasAaaa)))} AAAA`);
      else if (kind < 0.85) lines.push(`${fqdn(hostName(hostWhere(random, shape.hosts, hasMx)))} MX`);
      else lines.push(`${fqdn(hostName(hostWhere(random, shape.hosts, hasTxt)))} TXT`);
    } else if (roll < 0.9) {
      lines.push(`${fqdn(`nohost-${Math.floor(random() * shape.hosts * 10)}`)} A`);
    } else {
      const withoutMx = hostWhere(random, shape.hosts, (n) => !hasMx(n));
      lines.push(random() < 0.5 ? `${fqdn(hostName(withoutMx))} MX` : `${fqdn(hostName(hostWhere(random, shape.hosts, (n) => !hasAaaa(n))))} AAAA`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function generateBenchZone(shape: ZoneShape, seed = 20261128): BenchZone {
  return {
    origin: shape.origin,
    masterFile: masterFileFor(shape),
    queries: queriesFor(shape, seed),
    mix: { hit: 0.8, nxdomain: 0.1, nodata: 0.1 },
  };
}
