// Postern and Knot DNS serve the same pre-signed zones (NSEC, NSEC3, NSEC3 opt-out): with DO
// their answers must hold the same RRsets, RRSIGs and denial proofs in the same sections, with
// the same rcode and AA; without DO, no DNSSEC records beyond what was asked for.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dig, startTestDnsServer, type Endpoint } from '../../helpers/dns.ts';
import { tempDir } from '../../helpers/postern-process.ts';
import { answerShape, startKnot } from './knot.ts';
import { makeSignedParent, type SignedParent } from './signed-fixtures.ts';

const QUERIES: [string, string][] = [
  ['www', 'A'],
  ['@', 'MX'],
  ['@', 'DNSKEY'],
  ['@', 'NSEC3PARAM'],
  ['nope', 'A'],
  ['deep.nope', 'A'],
  ['www', 'TXT'],
  ['c', 'A'],
  ['b.c', 'TXT'],
  ['x.wild', 'TXT'],
  ['y.x.wild', 'A'],
  ['x.wild', 'MX'],
  ['alias', 'A'],
  ['dangling', 'A'],
  ['host.secure', 'A'],
  ['host.insecure', 'A'],
  ['secure', 'DS'],
  ['insecure', 'DS'],
  ['secure', 'NS'],
];



describe('pre-signed zones: Postern answers as Knot does', () => {
  const cleanups: (() => unknown)[] = [];
  const scope = { after: (fn: () => unknown) => cleanups.push(fn) };
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  let parents: SignedParent[];
  let knot: Endpoint;
  let postern: Endpoint;

  before(async () => {
    const dir = tempDir('postern-dnssec-');
    cleanups.push(dir.remove);
    parents = [makeSignedParent(dir.path, 'nsec.test', 'nsec'), makeSignedParent(dir.path, 'nsec3.test', 'nsec3'), makeSignedParent(dir.path, 'optout.test', 'nsec3-optout')];
    const zones = parents.map((p) => ({ name: p.name, file: p.file }));
    knot = await startKnot(scope, zones);
    postern = (await startTestDnsServer({ after: (fn) => cleanups.push(fn) }, zones)).endpoint;
  });

  /** Asks both servers every question of QUERIES (and `extra` names) and compares. */
  async function compareAll(parent: SignedParent, digOptions: string[], extra: [string, string][] = []): Promise<void> {
    for (const [label, type] of [...QUERIES, ...extra]) {
      const name = label === '@' ? parent.name : label.endsWith(parent.name) ? label : `${label}.${parent.name}`;
      const args = [...digOptions, '+norec', '+bufsize=4096', name, type];
      const [ours, theirs] = await Promise.all([dig(postern, args), dig(knot, args)]);
      assert.deepEqual(answerShape(ours), answerShape(theirs), `${name} ${type}\n--- postern:\n${ours.text}\n--- knot:\n${theirs.text}`);
    }
  }

  for (const denial of ['nsec', 'nsec3', 'nsec3-optout']) {
    test(`${denial}: the same answers with DO, and without`, async () => {
      const parent = parents.find((p) => p.denial === denial)!;
      // An NSEC3 link's owner is no name of the zone (RFC 5155 §7.2.9): both answer NXDOMAIN.
      const extra: [string, string][] = [];
      if (denial !== 'nsec') {
        const proof = await dig(knot, ['+dnssec', '+norec', `nope.${parent.name}`, 'A']);
        const owner = proof.authority.find((r) => r.type === 'NSEC3')!.name;
        extra.push([owner, 'A'], [owner, 'NSEC3']);
      }
      await compareAll(parent, ['+dnssec'], extra);
      await compareAll(parent, ['+nodnssec'], extra);
    });
  }
});
