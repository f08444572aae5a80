// A private DNS hierarchy on loopback for recursion tests: a root on 127.0.0.2, the TLDs "test"
// and "other" on 127.0.0.3, and leaf.test, far.test and hosting.other on 127.0.0.4, all Postern
// servers on one port (root hints carry addresses only). far.test is delegated to a name server
// in hosting.other, without glue, so reaching it needs a lookup of its own; slow.test has two
// servers, one of which (127.0.0.5) never answers. Every server counts the queries it gets.

import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DnsCounters } from '../../../src/dns/server/counters.ts';
import { startDnsService, type DnsService } from '../../../src/dns/server/service.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { freePort, tempDir } from '../../helpers/postern-process.ts';

export interface Hierarchy {
  port: number;
  rootHints: string;
  /** Queries received by every server of the hierarchy so far. */
  queriesReceived(): number;
  /** Queries that reached the name server of slow.test that never answers. */
  silentReceived(): number;
  /** Stops the server on one address (its zones go dark). */
  stopServer(address: string): Promise<void>;
  dir: string;
}

const SOA = (ns: string) => `@ 3600 IN SOA ${ns} hostmaster.example. 1 3600 600 86400 60`;

const ZONES: Record<string, { address: string; text: string[] }> = {
  '': {
    address: '127.0.0.2',
    text: [
      SOA('a.root-servers.'),
      '@ 3600 IN NS a.root-servers.',
      'a.root-servers. 3600 IN A 127.0.0.2',
      'test. 3600 IN NS ns1.nic.test.',
      'ns1.nic.test. 3600 IN A 127.0.0.3',
      'other. 3600 IN NS ns1.nic.other.',
      'ns1.nic.other. 3600 IN A 127.0.0.3',
    ],
  },
  test: {
    address: '127.0.0.3',
    text: [
      SOA('ns1.nic.test.'),
      '@ 3600 IN NS ns1.nic.test.',
      'ns1.nic 3600 IN A 127.0.0.3',
      'leaf 3600 IN NS ns1.leaf',
      'ns1.leaf 3600 IN A 127.0.0.4',
      // Out of the zone's bailiwick: no glue, the resolver must look the server up itself.
      'far 3600 IN NS ns.hosting.other.',
      // Two servers, the first of which never answers (SILENT_ADDRESS).
      'slow 3600 IN NS ns1.slow',
      'slow 3600 IN NS ns2.slow',
      'ns1.slow 3600 IN A 127.0.0.5',
      'ns2.slow 3600 IN A 127.0.0.4',
    ],
  },
  other: {
    address: '127.0.0.3',
    text: [SOA('ns1.nic.other.'), '@ 3600 IN NS ns1.nic.other.', 'ns1.nic 3600 IN A 127.0.0.3', 'hosting 3600 IN NS ns1.hosting', 'ns1.hosting 3600 IN A 127.0.0.4'],
  },
  'leaf.test': {
    address: '127.0.0.4',
    text: [
      SOA('ns1.leaf.test.'),
      '@ 3600 IN NS ns1',
      'ns1 3600 IN A 127.0.0.4',
      'www 300 IN A 192.0.2.10',
      'www 300 IN AAAA 2001:db8::10',
      '@ 300 IN MX 10 mail',
      'mail 300 IN A 192.0.2.25',
      'alias 300 IN CNAME www',
      'away 300 IN CNAME www.far.test.',
      'big 300 IN TXT ' + Array.from({ length: 20 }, (_, i) => `"${String(i).padStart(2, '0')}${'x'.repeat(98)}"`).join(' '),
      'a.b.c.deep 300 IN A 192.0.2.30',
      'short 1 IN A 192.0.2.40',
    ],
  },
  'hosting.other': {
    address: '127.0.0.4',
    text: [SOA('ns1.hosting.other.'), '@ 3600 IN NS ns1', 'ns1 3600 IN A 127.0.0.4', 'ns 3600 IN A 127.0.0.4'],
  },
  'slow.test': {
    address: '127.0.0.4',
    text: [SOA('ns2.slow.test.'), '@ 3600 IN NS ns1', '@ 3600 IN NS ns2', 'ns1 3600 IN A 127.0.0.5', 'ns2 3600 IN A 127.0.0.4', 'www 300 IN A 192.0.2.50', 'mail 300 IN A 192.0.2.51', 'ftp 300 IN A 192.0.2.52'],
  },
  'far.test': {
    address: '127.0.0.4',
    text: [SOA('ns.hosting.other.'), '@ 3600 IN NS ns.hosting.other.', 'www 300 IN A 192.0.2.20'],
  },
};

export async function startHierarchy(t: { after: (fn: () => Promise<void>) => void }): Promise<Hierarchy> {
  const dir = tempDir('postern-recursion-');
  t.after(async () => dir.remove());
  const port = await freePort('127.0.0.2');
  const byAddress = new Map<string, { name: string; file: string }[]>();
  for (const [name, zone] of Object.entries(ZONES)) {
    const file = join(dir.path, `${name || 'root'}.zone`);
    writeFileSync(file, [`$ORIGIN ${name}.`, ...zone.text, ''].join('\n'));
    byAddress.set(zone.address, [...(byAddress.get(zone.address) ?? []), { name: name || '.', file }]);
  }
  const counters: DnsCounters[] = [];
  const services = new Map<string, DnsService>();
  for (const [address, zones] of byAddress) {
    const serverCounters = new DnsCounters();
    counters.push(serverCounters);
    services.set(
      address,
      await startDnsService({
        listen: [{ address, port }],
        zones,
        workers: 1,
        tcpIdleTimeoutMs: 5000,
        maxTcpConnections: 50,
        stages: { counters: serverCounters },
        logger: silentLogger(),
      }),
    );
  }
  t.after(async () => {
    await Promise.all([...services.values()].map((s) => s.close()));
  });
  // A socket that reads queries and never answers: a name server that has gone quiet.
  const silent = createSocket('udp4');
  let silentReceived = 0;
  silent.on('message', () => silentReceived++);
  await new Promise<void>((done) => silent.bind(port, '127.0.0.5', done));
  t.after(async () => {
    silent.close();
  });
  const rootHints = join(dir.path, 'root.hints');
  writeFileSync(rootHints, ['.  3600000  NS  a.root-servers.', 'a.root-servers.  3600000  A  127.0.0.2', ''].join('\n'));
  const queriesReceived = () =>
    counters.reduce((sum, c) => sum + Object.entries(c.snapshot()).filter(([name]) => name.startsWith('query.type.')).reduce((n, [, count]) => n + count, 0), 0);
  const stopServer = async (address: string): Promise<void> => {
    await services.get(address)?.close();
    services.delete(address);
  };
  return { port, rootHints, queriesReceived, silentReceived: () => silentReceived, stopServer, dir: dir.path };
}
