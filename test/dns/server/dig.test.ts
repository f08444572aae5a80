// Postern's authoritative server as `dig` sees it, serving the fixture zone example.test and a
// zone written here with an RRset too large for UDP.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { dig, startTestDnsServer } from '../../helpers/dns.ts';
import { tempDir } from '../../helpers/postern-process.ts';

const FIXTURE = resolve(import.meta.dirname, '../../fixtures/zones/example.test.zone');

const dir = tempDir('postern-dns-dig-');
after(() => dir.remove());
const bigZone = join(dir.path, 'big.test.zone');
writeFileSync(
  bigZone,
  [
    '$ORIGIN big.test.',
    '$TTL 300',
    '@ IN SOA ns1 hostmaster 1 3600 600 86400 60',
    '@ IN NS ns1',
    'ns1 IN A 127.0.0.2',
    // 40 TXT records of 100 octets: about 4.5 KB, over any UDP limit we use.
    ...Array.from({ length: 40 }, (_, i) => `large IN TXT "${String(i).padStart(2, '0')}${'x'.repeat(98)}"`),
    // 8 TXT records of 100 octets: about 900 octets, between 512 and 1232.
    ...Array.from({ length: 8 }, (_, i) => `medium IN TXT "${i}${'y'.repeat(99)}"`),
    '',
  ].join('\n'),
);

const { endpoint: server } = await startTestDnsServer({ after }, [
  { name: 'example.test', file: FIXTURE },
  { name: 'big.test', file: bigZone },
]);

function values(records: { data: string }[]): string[] {
  return records.map((r) => r.data).sort();
}

test('A and AAAA: authoritative answers, recursion not available', async () => {
  const a = await dig(server, ['www.example.test', 'A']);
  assert.equal(a.status, 'NOERROR', a.text);
  assert.ok(a.flags.has('aa') && a.flags.has('qr') && !a.flags.has('ra'), a.text);
  assert.deepEqual(values(a.answer), ['127.0.0.20']);
  const aaaa = await dig(server, ['www.example.test', 'AAAA']);
  assert.deepEqual(values(aaaa.answer), ['::1']);
});

test('MX answers carry the exchanges\' A and AAAA in the additional section', async () => {
  const r = await dig(server, ['example.test', 'MX']);
  assert.deepEqual(values(r.answer), ['10 mx1.example.test.', '20 mx2.example.test.']);
  assert.deepEqual(
    r.additional.map((x) => `${x.name} ${x.type} ${x.data}`).sort(),
    ['mx1.example.test. A 127.0.0.11', 'mx1.example.test. AAAA ::1', 'mx2.example.test. A 127.0.0.12', 'mx2.example.test. AAAA ::1'],
  );
});

test('a TXT record with several strings comes back as several strings', async () => {
  const r = await dig(server, ['info.example.test', 'TXT']);
  assert.equal(r.answer.length, 1);
  assert.equal(r.answer[0].data, '"first string" "second string with \\"quotes\\"" "third;with escapes"');
});

test('NXDOMAIN and NODATA carry the SOA in authority with the negative TTL', async () => {
  const nx = await dig(server, ['nothing.example.test', 'A']);
  assert.equal(nx.status, 'NXDOMAIN');
  assert.ok(nx.flags.has('aa'));
  assert.equal(nx.answer.length, 0);
  assert.deepEqual(nx.authority.map((x) => `${x.name} ${x.ttl} ${x.type}`), ['example.test. 300 SOA']);
  const nodata = await dig(server, ['www.example.test', 'MX']);
  assert.equal(nodata.status, 'NOERROR');
  assert.equal(nodata.answer.length, 0);
  assert.deepEqual(nodata.authority.map((x) => x.type), ['SOA']);
});

test('a CNAME chain is followed to the address', async () => {
  const r = await dig(server, ['alias.example.test', 'A']);
  assert.deepEqual(
    r.answer.map((x) => `${x.name} ${x.type} ${x.data}`),
    ['alias.example.test. CNAME alias2.example.test.', 'alias2.example.test. CNAME www.example.test.', 'www.example.test. A 127.0.0.20'],
  );
  assert.ok(r.flags.has('aa'));
});

test('a wildcard answers with the query name as owner', async () => {
  const r = await dig(server, ['Some-Host.wild.example.test', 'A']);
  assert.deepEqual(r.answer.map((x) => `${x.name} ${x.data}`), ['Some-Host.wild.example.test. 127.0.0.30']);
  const txt = await dig(server, ['other.wild.example.test', 'TXT']);
  assert.deepEqual(values(txt.answer), ['"wildcard"']);
});

test('a name below a delegation gets a referral: AA clear, NS in authority, glue in additional', async () => {
  const r = await dig(server, ['www.sub.example.test', 'A']);
  assert.equal(r.status, 'NOERROR');
  assert.ok(!r.flags.has('aa'), r.text);
  assert.equal(r.answer.length, 0);
  assert.deepEqual(values(r.authority), ['ns1.sub.example.test.', 'ns2.sub.example.test.']);
  assert.deepEqual(r.additional.map((x) => `${x.name} ${x.data}`).sort(), ['ns1.sub.example.test. 127.0.0.41', 'ns2.sub.example.test. 127.0.0.42']);
});

test('an answer too large for UDP comes back with TC=1, and complete over TCP', async () => {
  const truncated = await dig(server, ['+ignore', '+noedns', 'large.big.test', 'TXT']);
  assert.ok(truncated.flags.has('tc'), truncated.text);
  const overTcp = await dig(server, ['+noedns', 'large.big.test', 'TXT']);
  assert.ok(!overTcp.flags.has('tc'));
  assert.equal(overTcp.answer.length, 40);
  assert.match(overTcp.text, /\(TCP\)/);
  const tcpDirect = await dig(server, ['+tcp', 'large.big.test', 'TXT']);
  assert.equal(tcpDirect.answer.length, 40);
});

test('EDNS: the client\'s payload size is honoured (512 at least, 1232 at most)', async () => {
  const small = await dig(server, ['+ignore', '+bufsize=512', 'medium.big.test', 'TXT']);
  assert.ok(small.flags.has('tc'), 'about 900 octets do not fit 512');
  const fits = await dig(server, ['+ignore', '+bufsize=1232', 'medium.big.test', 'TXT']);
  assert.ok(!fits.flags.has('tc'));
  assert.equal(fits.answer.length, 8);
  const huge = await dig(server, ['+ignore', '+bufsize=4096', 'large.big.test', 'TXT']);
  assert.ok(huge.flags.has('tc'), 'we never send more than 1232 octets over UDP');
  const tiny = await dig(server, ['+ignore', '+bufsize=100', 'medium.big.test', 'TXT']);
  assert.ok(tiny.flags.has('tc'));
});

test('EDNS: OPT echoed with our payload size, the DO bit copied, BADVERS for version 1', async () => {
  const r = await dig(server, ['www.example.test', 'A']);
  assert.equal(r.edns?.version, 0);
  assert.equal(r.edns?.udp, 1232);
  const dnssec = await dig(server, ['+dnssec', 'www.example.test', 'A']);
  assert.deepEqual(dnssec.edns?.flags, ['do']);
  const badvers = await dig(server, ['+edns=1', '+noednsneg', 'www.example.test', 'A']);
  assert.equal(badvers.status, 'BADVERS', badvers.text);
  assert.equal(badvers.edns?.version, 0);
  const none = await dig(server, ['+noedns', 'www.example.test', 'A']);
  assert.equal(none.edns, undefined);
});

test('a COOKIE gets a server cookie back', async () => {
  const r = await dig(server, ['+cookie', 'www.example.test', 'A']);
  assert.ok(r.edns?.lines.some((l) => /COOKIE: [0-9a-f]{48} \(good\)/.test(l)), r.text);
});

test('names outside our zones are REFUSED, without recursion', async () => {
  const r = await dig(server, ['www.example.org', 'A']);
  assert.equal(r.status, 'REFUSED');
  assert.ok(!r.flags.has('aa') && !r.flags.has('ra'));
});

test('classes other than IN are REFUSED (as BIND does without a CHAOS view)', async () => {
  const r = await dig(server, ['CH', 'TXT', 'version.bind']);
  assert.equal(r.status, 'REFUSED');
});

test('opcodes other than QUERY get NOTIMP', async () => {
  for (const opcode of ['status', 'iquery', 'notify', 'update']) {
    const r = await dig(server, [`+opcode=${opcode}`, 'www.example.test', 'A']);
    assert.equal(r.status, 'NOTIMP', `${opcode}: ${r.text}`);
  }
});

test('the question is echoed in the case the client wrote it', async () => {
  const r = await dig(server, ['wWw.ExAmPlE.tEsT', 'A']);
  assert.deepEqual(r.question, [{ name: 'wWw.ExAmPlE.tEsT.', class: 'IN', type: 'A' }]);
  assert.deepEqual(values(r.answer), ['127.0.0.20']);
  const plain = await dig(server, ['+noedns', '+nocookie', 'WWW.EXAMPLE.TEST', 'A']);
  assert.deepEqual(plain.question, [{ name: 'WWW.EXAMPLE.TEST.', class: 'IN', type: 'A' }]);
});

test('ANY is answered with one RRset of those at the name (RFC 8482), over UDP and TCP', async () => {
  for (const transport of ['+notcp', '+tcp']) {
    const r = await dig(server, [transport, 'example.test', 'ANY']);
    assert.equal(r.status, 'NOERROR');
    assert.equal(new Set(r.answer.map((x) => x.type)).size, 1, r.text);
  }
});

test('zone transfers are not served yet: AXFR over TCP is REFUSED', async () => {
  const r = await dig(server, ['example.test', 'AXFR']);
  assert.match(r.text, /Transfer failed/);
});

test('SRV answers bring the target\'s addresses', async () => {
  const r = await dig(server, ['_submission._tcp.example.test', 'SRV']);
  assert.deepEqual(values(r.answer), ['10 5 587 mx1.example.test.']);
  assert.deepEqual(r.additional.map((x) => x.type).sort(), ['A', 'AAAA']);
});
