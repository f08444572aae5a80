// A real validator judges Postern's signed answers: Unbound, with each parent zone's KSK as
// its trust anchor and Postern as the stub for parents and children, must report every
// positive and negative answer as authenticated (AD), follow the DS into the signed child
// and accept the proof that the unsigned child has none. A wrong proof would be SERVFAIL.
// Where a proof rests on an opt-out NSEC3 covering a name (wildcards, NXDOMAIN), validators
// call the answer insecure (RFC 5155 §9.2): NOERROR or NXDOMAIN as sent, without AD.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dig, startTestDnsServer, type DigResult, type Endpoint } from '../../helpers/dns.ts';
import { tempDir } from '../../helpers/postern-process.ts';
import { startUnbound } from '../../helpers/unbound.ts';
import { makeSignedParent, type Denial, type SignedParent } from './signed-fixtures.ts';

const DENIALS: Denial[] = ['nsec', 'nsec3', 'nsec3-optout'];

describe('pre-signed zones validated by Unbound', () => {
  const cleanups: (() => unknown)[] = [];
  const scope = { after: (fn: () => unknown) => cleanups.push(fn) };
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  let parents: SignedParent[];
  let unbound: Endpoint;

  before(async () => {
    const dir = tempDir('postern-dnssec-');
    cleanups.push(dir.remove);
    parents = DENIALS.map((denial) => makeSignedParent(dir.path, `${denial}.test`, denial));
    const zones = parents.flatMap((p) => [{ name: p.name, file: p.file }, ...p.children]);
    const postern = (await startTestDnsServer({ after: (fn) => cleanups.push(fn) }, zones)).endpoint;
    unbound = await startUnbound(scope, {
      serverLines: [
        'module-config: "validator iterator"',
        'do-not-query-localhost: no',
        'local-zone: "test." nodefault',
        ...parents.map((p) => `trust-anchor: "${p.trustAnchor}"`),
      ],
      clauses: zones.flatMap((z) => ['stub-zone:', `  name: "${z.name}"`, `  stub-addr: ${postern.address}@${postern.port}`]),
    });
  });

  const ask = (name: string, type: string): Promise<DigResult> => dig(unbound, ['+dnssec', name, type]);

  /** The answer's rcode and AD bit, and the types in its answer section. */
  async function verdict(name: string, type: string): Promise<{ status?: string; ad: boolean; answer: string[] }> {
    const r = await ask(name, type);
    return { status: r.status, ad: r.flags.has('ad'), answer: r.answer.filter((x) => x.type !== 'RRSIG').map((x) => `${x.type} ${x.data}`) };
  }

  for (const denial of DENIALS) {
    const zone = `${denial}.test`;
    /** AD for answers whose proof covers a name: not under opt-out. */
    const covered = denial !== 'nsec3-optout';
    test(`${denial}: positive, wildcard and alias answers are authenticated`, async () => {
      assert.deepEqual(await verdict(`www.${zone}`, 'A'), { status: 'NOERROR', ad: true, answer: ['A 127.0.0.20'] });
      assert.deepEqual(await verdict(zone, 'MX'), { status: 'NOERROR', ad: true, answer: [`MX 10 mx1.${zone}.`] });
      assert.deepEqual(await verdict(`x.wild.${zone}`, 'TXT'), { status: 'NOERROR', ad: covered, answer: ['TXT "wild"'] });
      assert.deepEqual(await verdict(`y.x.wild.${zone}`, 'A'), { status: 'NOERROR', ad: covered, answer: ['A 127.0.0.30'] });
      assert.deepEqual(await verdict(`alias.${zone}`, 'A'), { status: 'NOERROR', ad: true, answer: [`CNAME www.${zone}.`, 'A 127.0.0.20'] });
    });

    test(`${denial}: NXDOMAIN and NODATA are authenticated denials`, async () => {
      assert.deepEqual(await verdict(`nope.${zone}`, 'A'), { status: 'NXDOMAIN', ad: covered, answer: [] });
      assert.deepEqual(await verdict(`deep.nope.${zone}`, 'AAAA'), { status: 'NXDOMAIN', ad: covered, answer: [] });
      assert.deepEqual(await verdict(`www.${zone}`, 'TXT'), { status: 'NOERROR', ad: true, answer: [] });
      assert.deepEqual(await verdict(`c.${zone}`, 'A'), { status: 'NOERROR', ad: true, answer: [] }, 'an empty non-terminal');
      assert.deepEqual(await verdict(`x.wild.${zone}`, 'MX'), { status: 'NOERROR', ad: covered, answer: [] }, 'wildcard NODATA');
      assert.deepEqual(await verdict(`dangling.${zone}`, 'A'), { status: 'NXDOMAIN', ad: covered, answer: [`CNAME missing.${zone}.`] });
    });

    test(`${denial}: the signed child is reached through its DS, the unsigned one is proven insecure`, async () => {
      assert.deepEqual(await verdict(`www.secure.${zone}`, 'A'), { status: 'NOERROR', ad: true, answer: ['A 127.0.0.21'] });
      assert.equal((await verdict(`secure.${zone}`, 'DS')).ad, true);
      // Unbound answers an insecure zone's data without AD, and SERVFAIL had the no-DS proof failed.
      assert.deepEqual(await verdict(`www.insecure.${zone}`, 'A'), { status: 'NOERROR', ad: false, answer: ['A 127.0.0.21'] });
      // ldns keeps an NSEC3 for the unsigned delegation even under opt-out: a matching proof.
      assert.deepEqual(await verdict(`insecure.${zone}`, 'DS'), { status: 'NOERROR', ad: true, answer: [] });
    });
  }
});
