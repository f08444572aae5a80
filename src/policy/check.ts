// The policy interface of the SMTP engine, which calls it; the checks live beside this file.
// At each stage of a session the engine runs a chain of checks in order (Haraka's hooks, typed). The first verdict other than 'continue' decides; 'accept'
// ends the chain with a yes (e.g. an allowlist before a blocklist). The engine itself decides
// nothing beyond protocol correctness: relay control, blocklists and the rest are checks.
import type { ClientInfo, Envelope, Recipient } from '../queue/envelope.ts';

export type Verdict =
  | { kind: 'continue' }
  | { kind: 'accept' }
  /** A permanent refusal: code 5xx, an RFC 3463 enhanced code like "5.7.1", and the reply text. */
  | { kind: 'reject'; code: number; enhanced: string; text: string }
  /** A temporary refusal: code 4xx. */
  | { kind: 'defer'; code: number; enhanced: string; text: string };

export const CONTINUE: Verdict = { kind: 'continue' };

/** What every stage sees of the session; checks may record findings in `results` for later checks. */
export interface SessionContext {
  client: Omit<ClientInfo, 'helo'> & { helo?: string };
  /** True when the client address is in relay.networks (trusted) — set by the engine from its config. */
  trusted: boolean;
  /** Findings of earlier checks, keyed by check name (Haraka's results bag). */
  results: Map<string, unknown>;
}

export interface MailContext extends SessionContext {
  sender: string;
  params: Pick<Envelope, 'body' | 'smtputf8' | 'requireTls' | 'ret' | 'envid' | 'declaredSize'>;
}

export interface RcptContext extends MailContext {
  recipient: Recipient;
  /** Recipients accepted so far in this transaction. */
  accepted: readonly Recipient[];
}

export interface DataContext extends MailContext {
  recipients: readonly Recipient[];
}

export interface EndOfDataContext extends DataContext {
  /** Size of the stored message in bytes. */
  size: number;
  /**
   * The message as stored (CRLF line endings). Read on demand: content checks in later issues
   * stream it; the engine does not hold it in memory.
   */
  readMessage(): Promise<NodeJS.ReadableStream>;
}

/** One check. Every hook is optional; a check implements only the stages it cares about. */
export interface SmtpCheck {
  /** A stable name, used in the refusal's log line ("check": name) and in results. */
  readonly name: string;
  connect?(ctx: SessionContext): Promise<Verdict> | Verdict;
  helo?(ctx: SessionContext & { helo: string }): Promise<Verdict> | Verdict;
  mail?(ctx: MailContext): Promise<Verdict> | Verdict;
  rcpt?(ctx: RcptContext): Promise<Verdict> | Verdict;
  data?(ctx: DataContext): Promise<Verdict> | Verdict;
  endOfData?(ctx: EndOfDataContext): Promise<Verdict> | Verdict;
}
