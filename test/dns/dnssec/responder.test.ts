// The DO bit through Postern's responder: the fast path's cache keeps DO and non-DO answers
// apart, AD is never set and CD is echoed, type RRSIG is answered as NSD does, a DO answer too
// big for the client's buffer is truncated, and unsigned zones gain nothing.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dig, startTestDnsServer, type DigResult, type Endpoint } from '../../helpers/dns.ts';
import { tempDir } from '../../helpers/postern-process.ts';
import { makeSignedParent } from './signed-fixtures.ts';

const ZONE = 'nsec3.test';
const types = (r: DigResult, section: 'answer' | 'authority'): string[] => r[section].map((x) => x.type);

describe('DNSSEC in the responder', () => {
  const cleanups: (() => unknown)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  let server: Endpoint;

  before(async () => {
    const dir = tempDir('postern-dnssec-');
    cleanups.push(dir.remove);
    const parent = makeSignedParent(dir.path, ZONE, 'nsec3');
    server = (await startTestDnsServer({ after: (fn) => cleanups.push(fn) }, [{ name: parent.name, file: parent.file }, ...parent.children])).endpoint;
  });

  // No cookie: the queries are plain and take the cached fast path.
  const ask = (args: string[]): Promise<DigResult> => dig(server, ['+norec', '+nocookie', ...args]);

  test('DO and non-DO answers never share a cache entry, in either order', async () => {
    for (const first of ['www', 'nope']) {
      for (const round of [0, 1]) {
        const withDo = await ask(['+dnssec', `${first}.${ZONE}`, 'A']);
        const withoutDo = await ask(['+nodnssec', `${first}.${ZONE}`, 'A']);
        const noEdns = await ask(['+noedns', `${first}.${ZONE}`, 'A']);
        const signed = [...types(withDo, 'answer'), ...types(withDo, 'authority')];
        assert.ok(signed.includes('RRSIG'), `round ${round}: ${withDo.text}`);
        for (const plain of [withoutDo, noEdns]) {
          assert.deepEqual([...types(plain, 'answer'), ...types(plain, 'authority')].filter((t) => t === 'RRSIG' || t.startsWith('NSEC')), [], plain.text);
        }
      }
    }
  });

  test('AD is never set by us; CD comes back as sent', async () => {
    const r = await ask(['+dnssec', '+adflag', '+cdflag', `www.${ZONE}`, 'A']);
    assert.equal(r.flags.has('ad'), false);
    assert.equal(r.flags.has('cd'), true);
    assert.equal(r.flags.has('aa'), true);
  });

  test('a query for type RRSIG gets every RRSIG at the name, with DO or without (as NSD)', async () => {
    for (const opt of ['+dnssec', '+nodnssec']) {
      const r = await ask([opt, `www.${ZONE}`, 'RRSIG']);
      assert.deepEqual(r.answer.map((x) => x.data.split(' ')[0]).sort(), ['A'], r.text);
      assert.deepEqual(types(r, 'answer'), ['RRSIG']);
    }
  });

  test('a DO answer beyond the client\'s buffer is truncated over UDP and whole over TCP', async () => {
    const udp = await ask(['+dnssec', '+bufsize=512', '+ignore', `nope.${ZONE}`, 'A']);
    assert.equal(udp.flags.has('tc'), true, udp.text);
    const tcp = await ask(['+dnssec', '+tcp', `nope.${ZONE}`, 'A']);
    assert.equal(tcp.status, 'NXDOMAIN');
    assert.deepEqual(types(tcp, 'authority').filter((t) => t === 'NSEC3').length, 3, tcp.text);
  });

  test('answers from an unsigned zone are the same with DO', async () => {
    for (const [name, type] of [[`www.insecure.${ZONE}`, 'A'], [`nope.insecure.${ZONE}`, 'A'], [`www.insecure.${ZONE}`, 'TXT']]) {
      const withDo = await ask(['+dnssec', name, type]);
      const without = await ask(['+nodnssec', name, type]);
      assert.deepEqual([withDo.status, withDo.answer, withDo.authority], [without.status, without.answer, without.authority]);
    }
  });
});
