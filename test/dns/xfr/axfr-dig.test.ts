// Zone transfers out as a user sees them with dig: refused without the key or from another
// address, served with each key algorithm, BADSIG with a wrong secret, BADTIME with a skewed clock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../../src/log/logger.ts';
import { startDnsService } from '../../../src/dns/server/service.ts';
import { openEndpoints } from '../../../src/dns/server/endpoints.ts';
import { Responder } from '../../../src/dns/server/responder.ts';
import { TransferPolicy, ZoneTransfers } from '../../../src/dns/server/zone-transfer.ts';
import { withTransfersAndTsig } from '../../../src/dns/server/zone-transfer-stage.ts';
import { signedExchange } from '../../../src/dns/tsig/client.ts';
import { keyRing, tsigKey } from '../../../src/dns/tsig/keys.ts';
import { loadZoneFile } from '../../../src/dns/zone/load.ts';
import { ZoneSet, ZoneSnapshot } from '../../../src/dns/zone/store.ts';
import { decodeMessage } from '../../../src/dns/wire/decode.ts';
import { encodeMessage } from '../../../src/dns/wire/encode.ts';
import { Opcode, Rcode } from '../../../src/dns/wire/model.ts';
import { RRType } from '../../../src/dns/wire/rrtypes.ts';
import { dig, udpExchange, type DigResult } from '../../helpers/dns.ts';
import { KEYS, SECRETS, tempDir, writeZone } from './helpers.ts';

const ZONE = 'example.test';
const RECORDS = 2000 + 100 + 3 + 1; // hosts, TXT, SOA NS A, and the closing SOA

function transferred(result: DigResult): { records: number; messages: number } | undefined {
  const size = /XFR size: (\d+) records \(messages (\d+)/.exec(result.text);
  return size ? { records: Number(size[1]), messages: Number(size[2]) } : undefined;
}

/** The types of the records dig printed for a transfer, in order (dig prints each message's TSIG too). */
const recordTypes = (text: string): string[] =>
  text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith(';'))
    .map((line) => line.split(/\s+/)[3]!);

test('dig axfr: refused without a key or from an address not listed; served with hmac-sha256, sha1 and sha512', async (t) => {
  const dir = await tempDir(t);
  const file = await writeZone(dir, ZONE, 2024010101);
  const service = await startDnsService({
    listen: [{ address: '127.0.0.1', port: 0 }],
    workers: 1,
    tcpIdleTimeoutMs: 10_000,
    maxTcpConnections: 20,
    keys: KEYS,
    zones: [{ name: ZONE, file, allowTransfer: ['key:xfr-key', 'key:sha1-key', { address: '127.0.0.0/8', key: 'sha512-key' }, '127.0.0.5'] }],
    logger: silentLogger(),
  });
  t.after(() => service.close());
  const server = service.endpoints[0]!;

  const refused = await dig(server, [ZONE, 'AXFR']);
  assert.match(refused.text, /Transfer failed/);
  assert.equal(transferred(refused), undefined);

  const fromListed = await dig(server, ['-b', '127.0.0.5', ZONE, 'AXFR']);
  assert.deepEqual(transferred(fromListed)?.records, RECORDS);
  const fromOther = await dig(server, ['-b', '127.0.0.6', ZONE, 'AXFR']);
  assert.match(fromOther.text, /Transfer failed/);

  for (const [algorithm, name, secret] of [['hmac-sha256', 'xfr-key', SECRETS.sha256], ['hmac-sha1', 'sha1-key', SECRETS.sha1], ['hmac-sha512', 'sha512-key', SECRETS.sha512]]) {
    const signed = await dig(server, ['-b', '127.0.0.6', '-y', `${algorithm}:${name}:${secret}`, ZONE, 'AXFR']);
    const size = transferred(signed);
    assert.equal(size?.records, RECORDS, `${algorithm}: ${signed.text.slice(-500)}`);
    assert.ok(size!.messages > 1, 'several messages, each signed and checked by dig');
    assert.doesNotMatch(signed.text, /Couldn't verify|failure/i);
    const types = recordTypes(signed.text);
    const records = types.filter((type) => type !== 'TSIG');
    assert.equal(records[0], 'SOA');
    assert.equal(records.at(-1), 'SOA');
    assert.equal(types.length - records.length, size!.messages, 'a TSIG in every message');
  }

  const wrongSecret = await dig(server, ['-y', `hmac-sha256:xfr-key:${SECRETS.sha1}`, ZONE, 'AXFR']);
  assert.match(wrongSecret.text, /BADSIG/);
  assert.equal(transferred(wrongSecret), undefined);
  const unknownKey = await dig(server, ['-y', `hmac-sha256:nobody:${SECRETS.sha256}`, ZONE, 'SOA']);
  assert.match(unknownKey.text, /BADKEY/);
  assert.equal(unknownKey.status, 'NOTAUTH');

  // A signed plain query is answered and its answer signed (a secondary's SOA check).
  const soa = await dig(server, ['-y', `hmac-sha256:xfr-key:${SECRETS.sha256}`, ZONE, 'SOA']);
  assert.equal(soa.status, 'NOERROR');
  assert.match(soa.text, /TSIG PSEUDOSECTION/);
  assert.doesNotMatch(soa.text, /Couldn't verify/);

  // IXFR: the SOA alone when the client is current, the whole zone when it is behind.
  const current = await dig(server, ['-y', `hmac-sha256:xfr-key:${SECRETS.sha256}`, ZONE, 'IXFR=2024010101']);
  assert.equal(transferred(current)?.records, 1);
  const behind = await dig(server, ['-y', `hmac-sha256:xfr-key:${SECRETS.sha256}`, ZONE, 'IXFR=2024010100']);
  assert.equal(transferred(behind)?.records, RECORDS);
  const notOurs = await dig(server, ['-y', `hmac-sha256:xfr-key:${SECRETS.sha256}`, 'other.test', 'AXFR']);
  assert.match(notOurs.text, /Transfer failed/);

  // Over UDP: AXFR is malformed; IXFR gets the SOA, telling the client to use TCP.
  const query = (type: number) =>
    encodeMessage({
      id: 4242,
      flags: { qr: false, opcode: Opcode.QUERY, aa: false, tc: false, rd: false, ra: false, ad: false, cd: false, rcode: 0 },
      questions: [{ name: ZONE, type, class: 1 }],
      answers: [],
      authority: type === RRType.IXFR ? [{ name: ZONE, type: RRType.SOA, class: 1, ttl: 0, data: { mname: 'a', rname: 'b', serial: 1, refresh: 0, retry: 0, expire: 0, minimum: 0 } }] : [],
      additional: [],
    });
  const udpAxfr = decodeMessage((await udpExchange(server, query(RRType.AXFR)))!);
  assert.equal(udpAxfr.flags.rcode, Rcode.FORMERR);
  const exchange = signedExchange(tsigKey(KEYS[0]!));
  const udpIxfr = (await udpExchange(server, exchange.sign(query(RRType.IXFR))))!;
  exchange.verify(udpIxfr);
  assert.deepEqual(decodeMessage(udpIxfr).answers.map((rr) => [rr.type, rr.data.serial]), [[RRType.SOA, 2024010101]]);
  const unsignedIxfr = decodeMessage((await udpExchange(server, query(RRType.IXFR)))!);
  assert.equal(unsignedIxfr.flags.rcode, Rcode.REFUSED);
});

test('dig axfr with a clock skewed past the fudge: BADTIME', async (t) => {
  const dir = await tempDir(t);
  const file = await writeZone(dir, ZONE, 7, 10);
  const loaded = await loadZoneFile(file, ZONE);
  const responder = new Responder(new ZoneSet([ZoneSnapshot.fromRecords(ZONE, loaded.records)]), silentLogger());
  const policy = new TransferPolicy();
  policy.configure([{ name: ZONE, allowTransfer: ['key:xfr-key'] }]);
  const transfers = new ZoneTransfers(policy, () => responder.zones, silentLogger());
  // Our clock an hour ahead of dig's.
  const clock = () => Math.floor(Date.now() / 1000) + 3600;
  const handler = withTransfersAndTsig(responder.respond, { transfers, keys: keyRing(KEYS), logger: silentLogger(), clock });
  const open = await openEndpoints([{ address: '127.0.0.1', port: 0 }], handler, { idleTimeoutMs: 5000, maxConnections: 5 }, silentLogger());
  t.after(() => open.close(0));
  const skewed = await dig(open.endpoints[0]!, ['-y', `hmac-sha256:xfr-key:${SECRETS.sha256}`, ZONE, 'AXFR']);
  assert.match(skewed.text, /BADTIME/);
  assert.equal(transferred(skewed), undefined);
});
