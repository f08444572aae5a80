// Runs test/helpers/smtp_send.py (Python's smtplib) and reads its per-message results.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const SCRIPT = resolve(import.meta.dirname, 'smtp_send.py');

export interface OutgoingMessage {
  from: string;
  to: string[];
  body: string;
  mail_options?: string[];
  rcpt_options?: string[];
}

export interface SendResult {
  index: number;
  ok: boolean;
  code: number;
  reply: string;
}

/** TLS and AUTH for the sessions: STARTTLS or implicit TLS, verified against `cafile`; AUTH with `login`;
 *  the client's own address (`source`, e.g. 127.0.0.2) and its EHLO name (`helo`). */
export interface SessionSecurity {
  tls?: 'starttls' | 'implicit';
  cafile?: string;
  login?: [user: string, password: string];
  source?: string;
  helo?: string;
}

export function sendWithSmtplib(port: number, messages: OutgoingMessage[], sessions = 1, security: SessionSecurity = {}): Promise<SendResult[]> {
  return new Promise((done, fail) => {
    const child = spawn('python3', [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.once('error', fail);
    child.once('close', (code) => {
      if (code !== 0) return fail(new Error(`smtp_send.py exited with ${code}: ${err}`));
      const results = out.trim() === '' ? [] : out.trim().split('\n').map((l) => JSON.parse(l) as SendResult);
      done(results.sort((a, b) => a.index - b.index));
    });
    child.stdin.end(JSON.stringify({ host: '127.0.0.1', port, sessions, messages, ...security }));
  });
}
