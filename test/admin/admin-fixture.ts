// A real Postern with the admin listener, relaying from 127.0.0.1 to two destinations: up.test
// (a sink that accepts) and down.test (an address where nothing listens, so mail is deferred
// with "connection refused"). Shared by the admin API, metrics and console tests.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startPostern, tempDir, writeConfig, type RunningPostern } from '../helpers/postern-process.ts';
import { startSink, type TestSink } from '../helpers/smtp-sink.ts';

export const TOKEN = 'test-admin-token-0123456789abcdef';
export const READER_TOKEN = 'reader-token-fedcba9876543210';

export interface AdminFixture {
  postern: RunningPostern;
  sink: TestSink;
  smtpPort: number;
  adminUrl: string;
  dataDir: string;
  /** fetch against the admin listener with the admin token (unless headers say otherwise). */
  api(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** extraYaml is appended to the configuration; files are written beside it first (zone files and the like). */
export async function startAdminFixture(extraYaml = '', files: Record<string, string> = {}, adminYaml = ''): Promise<AdminFixture> {
  const dir = tempDir('postern-admin-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir.path, name), text);
  const smtpPort = await freePort();
  const adminPort = await freePort();
  const sinkPort = await freePort('127.0.0.71');
  const downPort = await freePort('127.0.0.72');
  const sink = await startSink('127.0.0.71', sinkPort);
  const config = writeConfig(
    dir.path,
    `hostname: mx.example.test
dataDir: var
log: { format: json }
smtp: { listeners: [ { address: 127.0.0.1, port: ${smtpPort} } ] }
relay: { networks: [ 127.0.0.1/32 ] }
routes:
  up.test: { type: smtp, host: 127.0.0.71, port: ${sinkPort} }
  down.test: { type: smtp, host: 127.0.0.72, port: ${downPort} }
delivery: { connectTimeout: 1s }
queue: { retry: { min: 1h } }
admin: { listen: "127.0.0.1:${adminPort}", token: ${TOKEN}, tokens: [ { name: reader, token: ${READER_TOKEN} } ]${adminYaml} }
${extraYaml}`,
  );
  const postern = await startPostern(config);
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  return {
    postern,
    sink,
    smtpPort,
    adminUrl,
    dataDir: `${dir.path}/var`,
    api: (path, init = {}) => fetch(`${adminUrl}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, ...(init.headers as Record<string, string> | undefined) } }),
    async close() {
      await postern.stop();
      await sink.close();
      dir.remove();
    },
  };
}
