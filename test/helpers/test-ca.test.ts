// The shared test CA helper: a TLS client that trusts only the test CA accepts the server certificate.
import assert from 'node:assert/strict';
import { connect, createSecureContext, createServer } from 'node:tls';
import { test } from 'node:test';
import { testCa } from '../helpers/test-ca.ts';

test('the test CA signs a server certificate a verifying TLS client accepts for mx.example.test and by SNI', async (t) => {
  const ca = testCa();
  const other = ca.leaf('other', 'DNS:other.example.test');
  const server = createServer({ key: ca.server.key, cert: ca.server.chain, SNICallback: (name, done) => done(null, name === 'other.example.test' ? createSecureContext({ key: other.key, cert: other.chain }) : undefined) });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  t.after(() => server.close());
  const { port } = server.address() as { port: number };
  for (const servername of ['mx.example.test', 'other.example.test']) {
    const peer = await new Promise<string>((done, fail) => {
      const socket = connect({ host: '127.0.0.1', port, servername, ca: ca.ca }, () => {
        done(String(socket.getPeerCertificate().subjectaltname));
        socket.end();
      });
      socket.once('error', fail);
    });
    assert.match(peer, new RegExp(`DNS:${servername.replace(/\./g, '\\.')}`));
  }
  assert.equal(testCa(), ca, 'made once per process');
});
