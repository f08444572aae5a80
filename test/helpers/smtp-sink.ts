// A receiving MTA for delivery tests: Postern's own SMTP server on a 127.0.0.x address (with
// STARTTLS when given a certificate), with its own spool, answering RCPT (and MAIL) as the test
// says, so every message that arrived can be read.
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { createSecureContext } from 'node:tls';
import { silentLogger } from '../../src/log/logger.ts';
import type { SmtpCheck, Verdict } from '../../src/policy/check.ts';
import type { Envelope } from '../../src/queue/envelope.ts';
import { Spool } from '../../src/queue/spool.ts';
import { startSmtpServer, type SmtpServer } from '../../src/smtp/server/server.ts';
import type { ServerTls } from '../../src/smtp/server/tls-contexts.ts';
import { scratchDir } from './scratch-dirs.ts';

function sinkTls({ chain, key }: { chain: string; key: string }): ServerTls {
  const defaultContext = createSecureContext({ cert: chain, key });
  return { defaultContext, SNICallback: (_name, callback) => callback(null, defaultContext) };
}

export interface ReceivedMessage {
  envelope: Envelope;
  body: string;
}

export interface TestSink {
  address: string;
  port: number;
  /** What arrived so far, oldest first. */
  received(): Promise<ReceivedMessage[]>;
  /** How RCPT is answered from now on: undefined accepts. */
  answerRcpt(fn: (address: string) => Verdict | undefined): void;
  close(): Promise<void>;
}

/** tls: the certificate chain and key the sink offers with STARTTLS; without it, no STARTTLS. */
export async function startSink(address: string, port: number, options: { tls?: { chain: string; key: string } } = {}): Promise<TestSink> {
  const spool = await Spool.open({ dir: join(await scratchDir(), 'sink'), minFreeBytes: 0, logger: silentLogger() });
  let rcpt: (address: string) => Verdict | undefined = () => undefined;
  const check: SmtpCheck = { name: 'sink', rcpt: (ctx) => rcpt(ctx.recipient.address) ?? { kind: 'accept' } };
  const server: SmtpServer = await startSmtpServer({
    hostname: `sink-${address}.example.test`,
    listeners: [{ address, port, role: 'mta' }],
    limits: { maxMessageSize: 10_000_000, maxRecipients: 1000, maxErrors: 100, commandTimeoutMs: 10_000, dataTimeoutMs: 10_000, sessionTimeoutMs: 60_000, maxConnections: 100, maxConnectionsPerClient: 100, maxLineLength: 4096 },
    bareLineEndings: 'reject',
    isTrusted: () => true,
    checks: [check],
    tls: options.tls && sinkTls(options.tls),
    sink: spool,
    logger: silentLogger(),
  });
  return {
    address,
    port,
    async received() {
      const out: ReceivedMessage[] = [];
      for (const id of spool.page(10_000)) out.push({ envelope: spool.message(id)!.envelope, body: await text(spool.readBody(id)) });
      return out;
    },
    answerRcpt(fn) {
      rcpt = fn;
    },
    async close() {
      await server.close(0);
      spool.close();
    },
  };
}
