// The server side of SASL PLAIN (RFC 4616) and LOGIN (draft-murchison-sasl-login) as SMTP AUTH
// carries them (RFC 4954): base64 lines in, 334 challenges out, until the credentials are known.
// Checking them is the directory's job, not this file's.
import { reply, type Reply } from './syntax/reply.ts';

export const SASL_MECHANISMS = ['PLAIN', 'LOGIN'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export type SaslStep =
  /** Send "334 " + challenge (base64) and wait for the client's next line. */
  | { kind: 'challenge'; challenge: string }
  | { kind: 'credentials'; authzid: string; authcid: string; password: string }
  | { kind: 'error'; reply: Reply };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });
const USERNAME = Buffer.from('Username:').toString('base64');
const PASSWORD = Buffer.from('Password:').toString('base64');
const ABORTED: SaslStep = { kind: 'error', reply: reply(501, '5.0.0', 'Authentication aborted') };
const BAD_BASE64: SaslStep = { kind: 'error', reply: reply(501, '5.5.2', 'Invalid base64 data') };
const BAD_PLAIN: SaslStep = { kind: 'error', reply: reply(501, '5.5.2', 'Invalid PLAIN message: expected authzid NUL authcid NUL password') };
const EMPTY_USER: SaslStep = { kind: 'error', reply: reply(501, '5.5.2', 'Empty user name') };

export function isSaslMechanism(name: string): name is SaslMechanism {
  return (SASL_MECHANISMS as readonly string[]).includes(name);
}

/** A client response: strict base64 of UTF-8 text; "=" is the empty initial response (RFC 4954 §4). */
function decode(response: string): string | undefined {
  if (response === '=') return '';
  if (!BASE64.test(response)) return undefined;
  try {
    return UTF8.decode(Buffer.from(response, 'base64'));
  } catch {
    return undefined;
  }
}

function plainCredentials(message: string): SaslStep {
  const parts = message.split('\0');
  if (parts.length !== 3 || parts[1] === '' || parts[2] === '') return BAD_PLAIN;
  return { kind: 'credentials', authzid: parts[0]!, authcid: parts[1]!, password: parts[2]! };
}

export class SaslExchange {
  private user: string | undefined;

  constructor(readonly mechanism: SaslMechanism) {}

  /** The AUTH command itself, with its initial response if the client sent one. */
  begin(initial: string | undefined): SaslStep {
    if (initial === undefined) return { kind: 'challenge', challenge: this.mechanism === 'PLAIN' ? '' : USERNAME };
    return this.respond(initial);
  }

  /** A line the client sent after a 334 challenge (or the initial response). */
  respond(line: string): SaslStep {
    if (line === '*') return ABORTED;
    const text = decode(line);
    if (text === undefined) return BAD_BASE64;
    if (this.mechanism === 'PLAIN') return plainCredentials(text);
    if (this.user === undefined) {
      if (text === '') return EMPTY_USER;
      this.user = text;
      return { kind: 'challenge', challenge: PASSWORD };
    }
    return { kind: 'credentials', authzid: '', authcid: this.user, password: text };
  }
}
