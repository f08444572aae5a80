// The outbound TLS policy's decisions one by one: the MTA-STS policy cache against a real HTTPS
// server (fetched once per id, kept for max_age, kept while the TXT record is missing, no
// redirects), the MX patterns of RFC 8461 §4.1, DANE-TA over a real TLS handshake, the order
// DANE → MTA-STS → level and REQUIRETLS, the configuration's refusals, and the SMTP client's
// refusal to fall back to plaintext when TLS is required.
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import { Readable } from 'node:stream';
import { connect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '../../src/config/errors.ts';
import { parseConfig } from '../../src/config/load.ts';
import { daneVerifier } from '../../src/delivery/dane.ts';
import { MtaStsPolicies } from '../../src/delivery/mta-sts.ts';
import { mxAllowed, parseMtaStsPolicy } from '../../src/delivery/mta-sts-policy.ts';
import { TlsPolicy } from '../../src/delivery/tls-policy.ts';
import { tlsPolicyOf } from '../../src/delivery/tls-policy-config.ts';
import { DnsLookupError, Resolver, type TlsaValue } from '../../src/dns/resolver/resolver.ts';
import { connectSmtp } from '../../src/smtp/client/connect.ts';
import { TlsPolicyError } from '../../src/smtp/client/peer-tls.ts';
import { RRType } from '../../src/dns/wire/rrtypes.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { CONFIG_FILE, problemsOf } from '../helpers/config-problems.ts';
import { testCa } from '../helpers/test-ca.ts';

const answer = <T>(values: T[], authenticated = false) => ({ name: '', values, cnameChain: [], authenticated, ttl: 60 });
const nxdomain = (name: string, type: number) => new DnsLookupError('NXDOMAIN', name, type);

test('MX patterns: "*.example.net" stands for exactly one label (RFC 8461 §4.1)', () => {
  const policy = parseMtaStsPolicy('version: STSv1\nmode: enforce\nmx: mail.example.com\nmx: *.example.net\nmax_age: 604800\n');
  assert.deepEqual(policy, { mode: 'enforce', mx: ['mail.example.com', '*.example.net'], maxAge: 604800 });
  assert.equal(mxAllowed(policy, 'MAIL.example.com.'), true);
  assert.equal(mxAllowed(policy, 'mx1.example.net'), true);
  assert.equal(mxAllowed(policy, 'a.mx1.example.net'), false);
  assert.equal(mxAllowed(policy, 'example.net'), false);
  assert.equal(mxAllowed(policy, 'mail.example.com.evil.test'), false);
  assert.throws(() => parseMtaStsPolicy('version: STSv1\nmode: strict\nmx: a.test\nmax_age: 1\n'), /Invalid mode/);
});

describe('MTA-STS policies from a real HTTPS server', () => {
  let server: Server;
  let port: number;
  const requests: string[] = [];
  let policyText = 'version: STSv1\r\nmode: enforce\r\nmx: mx.a.test\r\nmax_age: 60\r\n';
  before(async () => {
    const web = testCa().leaf('sts-unit', 'DNS:mta-sts.a.test,DNS:mta-sts.moved.test,DNS:mta-sts.html.test');
    server = createServer({ cert: web.chain, key: web.key }, (req, res) => {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '');
      requests.push(host);
      if (host === 'mta-sts.moved.test') res.writeHead(301, { location: 'https://mta-sts.a.test/.well-known/mta-sts.txt' }).end();
      else if (host === 'mta-sts.html.test') res.writeHead(200, { 'content-type': 'text/html' }).end(policyText);
      else res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(policyText);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.31', done));
    port = (server.address() as { port: number }).port;
  });
  after(() => new Promise<void>((done) => server.close(() => done())));

  function policies(txt: Map<string, string>, clock: { now: number }) {
    const resolver = {
      resolveTxt: async (name: string) => {
        const text = txt.get(name);
        if (text === undefined) throw nxdomain(name, RRType.TXT);
        return answer([{ strings: [Buffer.from(text)], data: Buffer.from(text), text }]);
      },
      resolveAddresses: async () => answer([{ address: '127.0.0.31', family: 4 as const }]),
    };
    return new MtaStsPolicies({ resolver, port, ca: [testCa().ca], cacheSize: 10, logger: silentLogger(), now: () => clock.now });
  }

  test('fetched once per id and kept for max_age; kept while the TXT record is missing; a new id fetches again', async () => {
    requests.length = 0;
    const txt = new Map([['_mta-sts.a.test', 'v=STSv1; id=one']]);
    const clock = { now: 1_000_000 };
    const sts = policies(txt, clock);
    const first = await sts.lookUp('a.test');
    assert.equal(first.kind, 'policy');
    assert.deepEqual(first.kind === 'policy' && first.policy.mx, ['mx.a.test']);
    await sts.lookUp('a.test');
    assert.equal(requests.length, 1, 'the same id is answered from the cache');

    txt.delete('_mta-sts.a.test');
    assert.equal((await sts.lookUp('a.test')).kind, 'policy', 'a record that went missing does not switch the policy off');
    clock.now += 61_000;
    assert.equal((await sts.lookUp('a.test')).kind, 'none', 'until the policy expires');

    txt.set('_mta-sts.a.test', 'v=STSv1; id=two');
    policyText = policyText.replace('mode: enforce', 'mode: testing');
    const renewed = await sts.lookUp('a.test');
    assert.equal(renewed.kind === 'policy' && renewed.policy.mode, 'testing');
    assert.equal(requests.length, 2);
    policyText = policyText.replace('mode: testing', 'mode: enforce');
  });

  test('a redirect is not followed and a policy that is not text/plain is refused: no policy, and why', async () => {
    const txt = new Map([['_mta-sts.moved.test', 'v=STSv1; id=1'], ['_mta-sts.html.test', 'v=STSv1; id=1']]);
    const sts = policies(txt, { now: 0 });
    const moved = await sts.lookUp('moved.test');
    assert.deepEqual(moved, { kind: 'none', unavailable: `MTA-STS: fetching https://mta-sts.moved.test:${port}/.well-known/mta-sts.txt failed: HTTP status 301 (redirects are not followed)` });
    const html = await sts.lookUp('html.test');
    assert.match(html.kind === 'none' ? (html.unavailable ?? '') : '', /Content-Type is text\/html, not text\/plain$/);
  });

  test('two STSv1 records, or none, mean no policy (RFC 8461 §3.1)', async () => {
    requests.length = 0;
    const sts = policies(new Map([['_mta-sts.a.test', 'v=STSv1; id=1']]), { now: 0 });
    assert.equal((await sts.lookUp('b.test')).kind, 'none');
    assert.equal(requests.length, 0);
  });
});

describe('the order DANE → MTA-STS → level, and REQUIRETLS', () => {
  const tlsa: TlsaValue = { usage: 3, selector: 1, matchingType: 1, certificateData: Buffer.alloc(32) };
  const pkixOnly: TlsaValue = { usage: 1, selector: 1, matchingType: 1, certificateData: Buffer.alloc(32) };
  const daneResolver = {
    resolveMx: async (domain: string) => answer([{ preference: 10, exchange: `mx.${domain}` }], domain !== 'insecure.test'),
    resolveAddresses: async () => answer([{ address: '127.0.0.9', family: 4 as const }], true),
    resolveTlsa: async (_port: number, _protocol: string, host: string) => {
      if (host === 'mx.broken.test') throw new DnsLookupError('SERVFAIL', `_25._tcp.${host}`, RRType.TLSA);
      if (host === 'mx.pkix.test') return answer([pkixOnly], true);
      if (host === 'mx.none.test' || host === 'mx.down.test') throw new DnsLookupError('NODATA', `_25._tcp.${host}`, RRType.TLSA);
      return answer([tlsa], true);
    },
  };
  const testingPolicy = { kind: 'policy' as const, domain: 'sts.test', policy: { mode: 'testing' as const, mx: ['mx.sts.test'], maxAge: 60 } };
  const mtaSts = {
    everywhere: true,
    policies: { lookUp: async (domain: string) => (domain === 'sts.test' ? testingPolicy : domain === 'down.test' ? { kind: 'none' as const, unavailable: 'MTA-STS: fetching ... failed: timed out' } : { kind: 'none' as const }) },
  };
  const policy = new TlsPolicy({ default: 'may', domains: { 'plain.test': 'none', 'sts.test': 'dane', 'none.test': 'dane' }, daneResolver, mtaSts, logger: silentLogger() });
  const hostTls = async (domain: string, requireTls = false) => (await policy.forDestination(domain, 'mx', 25, requireTls)).forHost(`mx.${domain}`);

  test('an authenticated TLSA answer means DANE, even where an MTA-STS policy exists', async () => {
    const dane = await hostTls('sts.test');
    assert.ok(dane.use && typeof dane.tls === 'object' && dane.tls.name === 'DANE' && dane.tls.required && dane.tls.verify);
  });

  test('an MX RRset that is not authenticated: no DANE (RFC 7672 §2.2.1)', async () => {
    assert.deepEqual(await hostTls('insecure.test'), { use: true, tls: 'opportunistic' });
  });

  test('only unusable (PKIX) TLSA records: TLS still required, unverified', async () => {
    const pkix = await hostTls('pkix.test');
    assert.ok(pkix.use && typeof pkix.tls === 'object' && pkix.tls.required && !pkix.tls.verify);
  });

  test('a failed TLSA lookup: the host is not used now, deferred with a DANE error', async () => {
    const broken = await hostTls('broken.test');
    assert.deepEqual(broken, { use: false, status: 'deferred', reply: { enhanced: '4.7.5', text: 'DANE: the TLSA lookup of _25._tcp.mx.broken.test failed (SERVFAIL); the host is not used until it answers' } });
  });

  test('level none: plaintext, and neither DANE nor MTA-STS is asked', async () => {
    assert.deepEqual(await hostTls('plain.test'), { use: true, tls: 'none' });
  });

  test('level dane without TLSA records falls back to may', async () => {
    assert.deepEqual(await hostTls('none.test'), { use: true, tls: 'opportunistic' });
  });

  test('REQUIRETLS: returned (5.7.30) where nothing verifies the host; deferred (4.7.30) while an MTA-STS policy cannot be fetched', async () => {
    const nothing = await hostTls('none.test', true);
    assert.ok(!nothing.use && nothing.status === 'bounced' && nothing.reply.enhanced === '5.7.30', JSON.stringify(nothing));
    const down = await hostTls('down.test', true);
    assert.ok(!down.use && down.status === 'deferred' && down.reply.enhanced === '4.7.30' && /timed out/.test(down.reply.text), JSON.stringify(down));
    const dane = await hostTls('a.test', true);
    assert.ok(dane.use);
  });
});

test('DANE-TA over a real handshake: a chain under the anchor that does not name the host is refused', async () => {
  const ca = testCa();
  const server = createTlsServer({ cert: ca.server.chain, key: ca.server.key }, (s) => s.end());
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const socket = await new Promise<TLSSocket>((done, fail) => {
    const s = connect({ host: '127.0.0.1', port: (server.address() as { port: number }).port, servername: 'mx.other.test', rejectUnauthorized: false }, () => done(s));
    s.once('error', fail);
  });
  const anchor = { usage: 2, selector: 0, matchingType: 1, certificateData: createHash('sha256').update(new X509Certificate(ca.ca).raw).digest() };
  const lookup = { name: '_25._tcp.mx.other.test', records: [anchor] };
  assert.match(daneVerifier('mx.other.test', lookup)(socket) ?? '', /^it was issued under the DANE-TA trust anchor of _25\._tcp\.mx\.other\.test, but not for mx\.other\.test/);
  assert.equal(daneVerifier('mx.example.test', lookup)(socket), undefined);
  socket.destroy();
  server.close();
});

test('configuration: unknown levels, and dane without a validating resolver, are refused naming the key and the fix', () => {
  assert.deepEqual(problemsOf('delivery: { tls: { domains: { other.example: sometimes } } }\n'), [
    'delivery.tls.domains.other.example: expected one of none, may, encrypt, verify, dane, mta-sts, got "sometimes"',
  ]);
  const fix = 'name a validating resolver, e.g. delivery.tls.dane.resolver: [ "127.0.0.1:53" ] (DANE trusts only its authenticated answers), or choose another level';
  assert.deepEqual(problemsOf('delivery: { tls: { default: dane, domains: { example.net: dane } } }\n'), [
    `delivery.tls.default: dane needs delivery.tls.dane.resolver: ${fix}`,
    `delivery.tls.domains.example.net: dane needs delivery.tls.dane.resolver: ${fix}`,
  ]);
});

test('a CA file that cannot be read stops start-up, naming the entry and the fix', () => {
  const config = parseConfig('delivery: { tls: { ca: [ /nonexistent/ca.pem ] } }\n', CONFIG_FILE);
  const resolver = new Resolver({ servers: [{ address: '127.0.0.1', port: 53 }] });
  assert.throws(
    () => tlsPolicyOf(config, resolver, silentLogger()),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.problems[0] === 'delivery.tls.ca[0]: cannot read /nonexistent/ca.pem: ENOENT; give a readable CA certificate file in PEM form',
  );
  resolver.close();
});

test('required TLS whose handshake fails: a TlsPolicyError, and no second connection in plaintext', async () => {
  let connections = 0;
  // A peer that offers STARTTLS, says go ahead, then answers the handshake with plaintext.
  const peer = createNetServer((socket) => {
    connections++;
    socket.write('220 peer.test ESMTP\r\n');
    socket.on('data', (data) => {
      const line = data.toString('latin1');
      if (line.startsWith('EHLO')) socket.write('250-peer.test\r\n250 STARTTLS\r\n');
      else if (line.startsWith('STARTTLS')) socket.write('220 go ahead\r\n');
      else socket.end('this is not TLS\r\n');
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((done) => peer.listen(0, '127.0.0.1', done));
  const port = (peer.address() as { port: number }).port;
  const options = { host: 'peer.test', address: '127.0.0.1', port, protocol: 'smtp' as const, heloName: 'relay.example.test', timeouts: { greetingMs: 5000, commandMs: 5000 } };
  await assert.rejects(connectSmtp({ ...options, tls: { required: true, name: 'encrypt' } }), (err: unknown) => {
    assert.ok(err instanceof TlsPolicyError);
    assert.match(err.message, /^TLS is required \(encrypt\) but the TLS handshake with peer\.test\[127\.0\.0\.1\] failed: /);
    return true;
  });
  assert.equal(connections, 1);
  const opportunistic = await connectSmtp({ ...options, tls: 'opportunistic' });
  assert.equal(opportunistic.tls, undefined, 'opportunistic TLS goes on in plaintext on a new connection');
  assert.equal(connections, 3);
  await opportunistic.quit();
  peer.close();
});

test('REQUIRETLS to a peer that does not offer it: nothing sent, 5.7.30 for every recipient', async () => {
  const commands: string[] = [];
  const peer = createNetServer((socket) => {
    socket.write('220 peer.test ESMTP\r\n');
    socket.on('data', (data) => {
      for (const line of data.toString('latin1').split('\r\n').filter(Boolean)) {
        commands.push(line);
        socket.write(line.startsWith('EHLO') ? '250-peer.test\r\n250 8BITMIME\r\n' : line === 'QUIT' ? '221 bye\r\n' : '250 ok\r\n');
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((done) => peer.listen(0, '127.0.0.1', done));
  const connection = await connectSmtp({ host: 'peer.test', address: '127.0.0.1', port: (peer.address() as { port: number }).port, protocol: 'smtp', heloName: 'relay.example.test', tls: 'none' });
  const outcomes = await connection.send({
    sender: 'alice@example.test', recipients: [{ address: 'bob@peer.test' }, { address: 'carol@peer.test' }], body: '7bit', smtputf8: false, requireTls: true, size: 9,
    open: () => Readable.from([Buffer.from('Subject: x\r\n\r\nsecret\r\n')]),
  });
  assert.deepEqual(outcomes.map((o) => [o.status, o.reply.text]), [
    ['bounced', 'REQUIRETLS support required, but was not offered by host peer.test[127.0.0.1]'],
    ['bounced', 'REQUIRETLS support required, but was not offered by host peer.test[127.0.0.1]'],
  ]);
  assert.ok(!commands.some((c) => c.startsWith('MAIL')), commands.join(' | '));
  await connection.quit();
  peer.close();
});
