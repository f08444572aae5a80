// An opt-out NSEC3 zone signed by Knot (kzonesign), where the unsigned delegations own no
// NSEC3: DS queries and referrals there need the closest encloser proof with an opt-out
// next closer (RFC 5155 §7.2.4, §7.2.7). Postern must answer as knotd does, and Unbound
// must accept the delegations as insecure rather than bogus.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dig, startTestDnsServer, type Endpoint } from '../../helpers/dns.ts';
import { tempDir } from '../../helpers/postern-process.ts';
import { startUnbound } from '../../helpers/unbound.ts';
import { answerShape, startKnot } from './knot.ts';
import { makeKnotOptOutZone } from './signed-fixtures.ts';

const ZONE = 'knot-optout.test';

describe('an opt-out zone signed by Knot', () => {
  const cleanups: (() => unknown)[] = [];
  const scope = { after: (fn: () => unknown) => cleanups.push(fn) };
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  let knot: Endpoint;
  let postern: Endpoint;
  let unbound: Endpoint;

  before(async () => {
    const dir = tempDir('postern-dnssec-');
    cleanups.push(dir.remove);
    const zone = makeKnotOptOutZone(dir.path, ZONE);
    knot = await startKnot(scope, [zone]);
    postern = (await startTestDnsServer({ after: (fn) => cleanups.push(fn) }, [zone])).endpoint;
    unbound = await startUnbound(scope, {
      serverLines: ['module-config: "validator iterator"', 'do-not-query-localhost: no', 'local-zone: "test." nodefault', `trust-anchor: "${zone.trustAnchor}"`],
      clauses: ['stub-zone:', `  name: "${ZONE}"`, `  stub-addr: ${postern.address}@${postern.port}`],
    });
  });

  test('Postern sends the proofs knotd sends', async () => {
    const questions = [['insecure', 'DS'], ['host.insecure', 'A'], ['secure', 'DS'], ['nope', 'A'], ['x.wild', 'TXT'], ['c', 'A'], ['www', 'A']];
    for (const [label, type] of questions) {
      const args = ['+dnssec', '+norec', '+bufsize=4096', `${label}.${ZONE}`, type];
      const [ours, theirs] = await Promise.all([dig(postern, args), dig(knot, args)]);
      assert.deepEqual(answerShape(ours), answerShape(theirs), `${label} ${type}\n--- postern:\n${ours.text}\n--- knot:\n${theirs.text}`);
    }
    const ds = await dig(postern, ['+dnssec', '+norec', `insecure.${ZONE}`, 'DS']);
    // Two proofs, closest encloser and next closer, unless Knot's random salt puts the next closer's
    // hash between the apex's and the next one: then the apex NSEC3 proves both and is sent once.
    const proofs = ds.authority.filter((r) => r.type === 'NSEC3').length;
    assert.ok(proofs === 1 || proofs === 2, `closest encloser and next closer:\n${ds.text}`);
  });

  test('Unbound authenticates the data and accepts the opt-out DS denial as insecure', async () => {
    const www = await dig(unbound, ['+dnssec', `www.${ZONE}`, 'A']);
    assert.equal(www.status, 'NOERROR');
    assert.equal(www.flags.has('ad'), true, www.text);
    const ds = await dig(unbound, ['+dnssec', `insecure.${ZONE}`, 'DS']);
    assert.equal(ds.status, 'NOERROR', ds.text);
    assert.equal(ds.answer.length, 0);
    assert.equal(ds.flags.has('ad'), false);
  });
});
