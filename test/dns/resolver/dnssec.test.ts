// The AD flag end to end, as DANE needs it: Knot serves zones signed with ldns, a validating
// Unbound (trust anchors for those zones) sits in front, and the resolver reports what
// Unbound validated: authenticated data, unsigned data, and bogus data as a temporary failure.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Resolver } from '../../../src/dns/resolver/resolver.ts';
import { startUnbound } from '../../helpers/unbound.ts';
import { serveSignedZones } from './signed-zones.ts';

const zoneText = (origin: string): string =>
  [
    `$ORIGIN ${origin}.`,
    '$TTL 300',
    '@ IN SOA ns1 hostmaster 1 7200 1800 1209600 60',
    '@ IN NS ns1',
    '@ IN MX 10 mx1',
    'ns1 IN A 127.0.0.2',
    'mx1 IN A 127.0.0.11',
    '_25._tcp.mx1 IN TLSA 3 1 1 0c72ac70b745ac19998811b131d662c9ac69dbdbe7cb23e5b514b56664c5d3d6',
    '',
  ].join('\n');

describe('AD flag through a validating Unbound', () => {
  let resolver: Resolver;
  const cleanups: (() => unknown)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  before(async () => {
    const scope = { after: (fn: () => unknown) => cleanups.push(fn) };
    const signedServer = await serveSignedZones(scope, [
      { name: 'signed.test', text: zoneText('signed.test') },
      { name: 'bogus.test', text: zoneText('bogus.test') },
    ]);
    const stubZone = (name: string) => ['stub-zone:', `  name: "${name}"`, `  stub-addr: ${signedServer.address}@${signedServer.port}`];
    const unbound = await startUnbound(scope, {
      serverLines: [
        'module-config: "validator iterator"',
        'do-not-query-localhost: no',
        // Unbound answers NXDOMAIN for the RFC 6761 name test. unless told otherwise.
        'local-zone: "test." nodefault',
        `trust-anchor: "${signedServer.trustAnchors.get('signed.test')}"`,
        // bogus.test is signed, but with another key than the one trusted: validation fails.
        `trust-anchor: "${signedServer.wrongAnchors.get('bogus.test')}"`,
        'local-zone: "plain.test." static',
        'local-data: "mx1.plain.test. 300 IN A 127.0.0.11"',
      ],
      clauses: [...stubZone('signed.test'), ...stubZone('bogus.test')],
    });
    resolver = new Resolver({ servers: [unbound], timeoutMs: 2000, attempts: 1 });
    cleanups.push(() => resolver.close());
  });

  test('records from a signed zone under a trust anchor are authenticated', async () => {
    const mx = await resolver.resolveMx('signed.test');
    assert.deepEqual(mx.values, [{ preference: 10, exchange: 'mx1.signed.test' }]);
    assert.equal(mx.authenticated, true);
    const tlsa = await resolver.resolveTlsa(25, 'tcp', 'mx1.signed.test');
    assert.equal(tlsa.values.length, 1);
    assert.equal(tlsa.authenticated, true);
    const addresses = await resolver.resolveAddresses('mx1.signed.test');
    assert.deepEqual(addresses.values, [{ address: '127.0.0.11', family: 4 }]);
    assert.equal(addresses.authenticated, true, 'an authenticated A plus an authenticated NODATA for AAAA');
  });

  test('unsigned data is not authenticated', async () => {
    const result = await resolver.resolve('mx1.plain.test', 'A');
    assert.equal(result.authenticated, false);
  });

  test('data that fails validation is SERVFAIL: a temporary failure, never unauthenticated data', async () => {
    await assert.rejects(resolver.resolveTlsa(25, 'tcp', 'mx1.bogus.test'), { code: 'SERVFAIL', temporary: true });
  });
});
