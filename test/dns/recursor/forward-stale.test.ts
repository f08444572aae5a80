// Recursion through forwarders (another resolver does the iterating), and serve-stale (RFC 8767):
// when every server of a zone is gone, expired data is answered with TTL 30 if asked for, and
// SERVFAIL otherwise.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startDnsService } from '../../../src/dns/server/service.ts';
import type { RecursionSettings } from '../../../src/dns/recursor/server-stages.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { dig, type Endpoint } from '../../helpers/dns.ts';
import { startHierarchy, type Hierarchy } from './hierarchy.ts';

describe('forwarders and serve-stale', () => {
  let hierarchy: Hierarchy;
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  const startResolver = async (address: string, settings: Partial<RecursionSettings>): Promise<Endpoint> => {
    const service = await startDnsService({
      listen: [{ address, port: 0 }],
      zones: [],
      workers: 1,
      tcpIdleTimeoutMs: 5000,
      maxTcpConnections: 20,
      stages: {
        recursion: { allow: ['127.0.0.0/8'], rootHints: hierarchy.rootHints, forwarders: [], serveStale: false, qnameMinimisation: true, serverPort: hierarchy.port, cacheEntries: 1000, timeoutMs: 300, ...settings },
      },
      logger: silentLogger(),
    });
    cleanups.push(() => service.close());
    return service.endpoints[0];
  };

  let iterating: Endpoint;
  let forwarding: Endpoint;
  let stale: Endpoint;

  before(async () => {
    hierarchy = await startHierarchy({ after: (fn) => cleanups.push(fn) });
    iterating = await startResolver('127.0.0.1', {});
    forwarding = await startResolver('127.0.0.1', { forwarders: [iterating], rootHints: undefined });
    stale = await startResolver('127.0.0.1', { serveStale: true });
  });

  test('a resolver with forwarders answers through them, CNAME chains included', async () => {
    const r = await dig(forwarding, ['+rec', 'away.leaf.test', 'A']);
    assert.equal(r.status, 'NOERROR', r.text);
    assert.ok(r.flags.has('ra'));
    assert.deepEqual(r.answer.map((rr) => rr.data), ['www.far.test.', '192.0.2.20']);
    assert.equal((await dig(forwarding, ['+rec', 'nothing.leaf.test', 'A'])).status, 'NXDOMAIN');
  });

  test('with the zone gone, expired data is served stale with TTL 30, or SERVFAIL without serve-stale', async () => {
    for (const resolver of [stale, iterating]) assert.equal((await dig(resolver, ['+rec', 'short.leaf.test', 'A'])).answer[0]?.data, '192.0.2.40');
    await hierarchy.stopServer('127.0.0.4');
    await new Promise((done) => setTimeout(done, 1500));
    const served = await dig(stale, ['+rec', 'short.leaf.test', 'A']);
    assert.equal(served.status, 'NOERROR', served.text);
    assert.deepEqual(served.answer.map((rr) => [rr.data, rr.ttl]), [['192.0.2.40', 30]]);
    const failed = await dig(iterating, ['+rec', 'short.leaf.test', 'A']);
    assert.equal(failed.status, 'SERVFAIL', failed.text);
  });
});
