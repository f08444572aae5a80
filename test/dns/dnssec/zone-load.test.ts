// Signed master files, as ldns-signzone and kzonesign write them, pass the zone checks
// without a problem: DNSKEY, RRSIG (one set per covered type), NSEC, NSEC3, NSEC3PARAM, DS,
// CDS and CDNSKEY parse, and NSEC and DS at delegations are not called occluded.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { RRType } from '../../../src/dns/wire/rrtypes.ts';
import { loadZoneFile } from '../../../src/dns/zone/load.ts';
import { tempDir } from '../../helpers/postern-process.ts';
import { makeKnotOptOutZone, makeSignedParent } from './signed-fixtures.ts';

const dir = tempDir('postern-dnssec-');
after(() => dir.remove());

test('zones signed by ldns (NSEC, NSEC3) and by kzonesign (NSEC3 opt-out) load cleanly', async () => {
  const nsec = makeSignedParent(dir.path, 'nsec.test', 'nsec');
  const nsec3 = makeSignedParent(dir.path, 'nsec3.test', 'nsec3');
  const knot = makeKnotOptOutZone(dir.path, 'knot.test');
  const expected: [{ name: string; file: string }, number[]][] = [
    [nsec, [RRType.DNSKEY, RRType.RRSIG, RRType.NSEC, RRType.DS]],
    [nsec.children[0], [RRType.DNSKEY, RRType.RRSIG, RRType.NSEC]],
    [nsec3, [RRType.DNSKEY, RRType.RRSIG, RRType.NSEC3, RRType.NSEC3PARAM, RRType.DS]],
    [knot, [RRType.DNSKEY, RRType.RRSIG, RRType.NSEC3, RRType.NSEC3PARAM, RRType.CDS, RRType.CDNSKEY]],
  ];
  for (const [zone, types] of expected) {
    const loaded = await loadZoneFile(zone.file, zone.name);
    assert.deepEqual(loaded.problems, [], zone.file);
    assert.equal(loaded.ok, true);
    const present = new Set(loaded.records.map((r) => r.type));
    for (const type of types) assert.ok(present.has(type), `${zone.name}: type ${type}`);
  }
});
