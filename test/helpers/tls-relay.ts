// The relay both outbound-TLS tests start: Postern taking mail for anywhere from 127.0.0.1 over
// STARTTLS (a test CA certificate), example.test delivered to a Maildir, JSON logs to read.
import assert from 'node:assert/strict';
import { sendWithSmtplib } from './smtp-send.ts';
import { testCa } from './test-ca.ts';

/** The configuration's first lines; the caller adds resolver, dns, delivery and queue. */
export function tlsRelayConfig(smtpPort: number): string {
  const { server } = testCa();
  return `hostname: relay.example.test
dataDir: var
log: { format: json }
smtp:
  listeners: [ { address: 127.0.0.1, port: ${smtpPort} } ]
  tls: { certificates: [ { cert: ${server.chainFile}, key: ${server.keyFile} } ] }
domains: [ example.test ]
relay: { networks: [ 127.0.0.1/32 ] }
routes: { example.test: { type: maildir, path: mail } }
`;
}

/** Sends one message from alice@example.test over STARTTLS (REQUIRETLS needs TLS) and expects it accepted. */
export async function relayOverTls(smtpPort: number, to: string, subject: string, mailOptions: string[] = []): Promise<void> {
  const [r] = await sendWithSmtplib(smtpPort, [{ from: 'alice@example.test', to: [to], body: `Subject: ${subject}\r\n\r\nbody\r\n`, mail_options: mailOptions }], 1, { tls: 'starttls', cafile: testCa().caFile });
  assert.equal(r!.code, 250, r!.reply);
}
