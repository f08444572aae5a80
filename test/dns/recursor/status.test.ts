// The DNS counters as an administrator reads them: `postern status` adds up every worker's.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { dig } from '../../helpers/dns.ts';
import { freePort, runPosternAsync, startPostern, tempDir, writeConfig } from '../../helpers/postern-process.ts';

const dir = tempDir('postern-counters-');
after(() => dir.remove());

test('postern status shows queries by type and responses by rcode, summed over two workers', { timeout: 60_000 }, async () => {
  const zoneFile = join(dir.path, 'example.test.zone');
  writeFileSync(zoneFile, ['$ORIGIN example.test.', '@ 300 IN SOA ns hostmaster 1 3600 600 86400 60', '@ 300 IN NS ns', 'ns 300 IN A 127.0.0.1', 'www 300 IN A 192.0.2.1', ''].join('\n'));
  const port = await freePort();
  const config = writeConfig(
    dir.path,
    `hostname: status.example.test
dataDir: ${join(dir.path, 'var')}
log: { level: info, format: json }
dns:
  listen: [ "127.0.0.1:${port}" ]
  workers: 2
  zones: [ { name: example.test, file: "${zoneFile}" } ]
`,
  );
  const postern = await startPostern(config);
  try {
    const server = { address: '127.0.0.1', port };
    for (let i = 0; i < 6; i++) await dig(server, ['www.example.test', 'A']);
    for (let i = 0; i < 4; i++) await dig(server, ['nothing.example.test', 'MX']);
    const status = await runPosternAsync(['status', '--config', config]);
    const line = status.stdout.split('\n').find((l) => l.includes('dns counters:'));
    assert.ok(line, status.stdout + status.stderr);
    const counters = Object.fromEntries([...line.matchAll(/(\S+)=(\d+)/g)].map(([, name, count]) => [name, Number(count)]));
    assert.equal(counters['query.type.A'], 6);
    assert.equal(counters['query.type.MX'], 4);
    assert.equal(counters['response.rcode.NOERROR'], 6);
    assert.equal(counters['response.rcode.NXDOMAIN'], 4);
  } finally {
    await postern.stop();
  }
});
