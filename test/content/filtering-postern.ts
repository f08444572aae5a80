// A real Postern filtering inbound mail for example.test into a sink, for the content e2e tests:
// the client (Python's smtplib on 127.0.0.1) is outside relay.networks, so its mail is inbound.
import assert from 'node:assert/strict';
import { freePort, startPostern, tempDir, writeConfig, type RunningPostern } from '../helpers/postern-process.ts';
import { sendWithSmtplib, type SendResult } from '../helpers/smtp-send.ts';
import { startSink, type ReceivedMessage, type TestSink } from '../helpers/smtp-sink.ts';

export interface FilteringPostern {
  postern: RunningPostern;
  /** Postern's SMTP port on 127.0.0.1; 127.0.0.9 is its relay.networks (trusted: internal or outbound mail). */
  port: number;
  /** What the sender was answered for each message, by subject. */
  reply(subject: string): SendResult;
  /** The message with this subject as it reached the sink (waits up to 10 s). */
  arrived(subject: string): Promise<ReceivedMessage>;
  /** Whether anything with this subject reached the sink. */
  delivered(subject: string): Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * Starts Postern with `contentYaml` as its content section (indented YAML, or '' for the
 * defaults) and sends it `messages` (raw, by subject; "Subject: Test message" is replaced by
 * the key) in one smtplib run of three sessions.
 */
export async function startFilteringPostern(contentYaml: string, messages: Record<string, string>): Promise<FilteringPostern> {
  const dir = tempDir();
  const smtpPort = await freePort();
  const sinkPort = await freePort('127.0.0.46');
  const sink: TestSink = await startSink('127.0.0.46', sinkPort);
  const postern = await startPostern(
    writeConfig(
      dir.path,
      `hostname: mx.example.test
dataDir: var
log: { format: json }
smtp: { listeners: [ { address: 127.0.0.1, port: ${smtpPort} } ] }
domains: [ example.test ]
relay: { networks: [ 127.0.0.9/32 ] }
routes: { example.test: { type: smtp, host: 127.0.0.46, port: ${sinkPort} } }
${contentYaml}`,
    ),
  );
  const subjects = Object.keys(messages);
  const bodies = subjects.map((subject) => messages[subject]!.replace('Subject: Test message', `Subject: ${subject}`));
  const results = await sendWithSmtplib(smtpPort, bodies.map((body) => ({ from: 'alice@sender.test', to: ['bob@example.test'], body })), 3);
  const replies = new Map(results.map((r) => [subjects[r.index]!, r]));
  const find = async (subject: string) => (await sink.received()).find((m) => m.body.includes(`Subject: ${subject}`) || m.body.includes(`] ${subject}\r\n`));
  return {
    postern,
    port: smtpPort,
    reply(subject) {
      const result = replies.get(subject);
      assert.ok(result, `no reply for "${subject}"`);
      return result;
    },
    async arrived(subject) {
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((d) => setTimeout(d, 50))) {
        const hit = await find(subject);
        if (hit) return hit;
      }
      throw new Error(`"${subject}" did not reach the sink`);
    },
    delivered: async (subject) => (await find(subject)) !== undefined,
    async stop() {
      await postern.stop();
      await sink.close();
      dir.remove();
    },
  };
}
