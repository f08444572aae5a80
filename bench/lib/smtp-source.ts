// Drives an SMTP server with Postfix's smtp-source and times it.
import { spawn, spawnSync } from 'node:child_process';

export const SMTP_SOURCE = '/usr/sbin/smtp-source';

export interface SmtpLoad {
  sessions: number;
  messages: number;
  /** Body bytes per message (smtp-source -l). */
  size: number;
  /** Recipient address: a domain the server queues for without delivering. */
  to: string;
}

export interface SmtpRun {
  seconds: number;
  messagesPerSecond: number;
}

/** smtp-source args: one message per connection (its default), as mail from many MTAs arrives. */
export function smtpSourceArgs(port: number, load: SmtpLoad): string[] {
  return ['-s', String(load.sessions), '-m', String(load.messages), '-l', String(load.size), '-M', 'client.example.test', '-f', 'bench@client.example.test', '-t', load.to, `127.0.0.1:${port}`];
}

export function runSmtpSource(port: number, load: SmtpLoad): Promise<SmtpRun> {
  return new Promise((done, fail) => {
    const started = process.hrtime.bigint();
    const child = spawn(SMTP_SOURCE, smtpSourceArgs(port, load), { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', fail);
    child.once('close', (status) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (status !== 0) return fail(new Error(`smtp-source ${smtpSourceArgs(port, load).join(' ')} exited with ${status}: ${output.trim()}`));
      done({ seconds, messagesPerSecond: load.messages / seconds });
    });
  });
}

/** Waits until the server sends its 220 greeting, using smtp-source itself (one message). */
export async function waitForSmtp(port: number, to: string, timeoutMs: number, hasExited: () => boolean, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const probe = spawnSync(SMTP_SOURCE, smtpSourceArgs(port, { sessions: 1, messages: 1, size: 10, to }), { encoding: 'utf8', timeout: 10_000 });
    if (probe.status === 0) return;
    if (hasExited()) throw new Error(`server exited before accepting mail: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no SMTP server accepting mail on 127.0.0.1:${port} within ${timeoutMs} ms: ${describe()}`);
}
