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

/**
 * What an end-of-data check may answer beyond a Verdict. Both are answered 250, as Postfix's
 * HOLD and DISCARD are: the sender learns nothing it could use to probe the filter.
 * quarantine: the message is stored but never delivered until an administrator releases it;
 * discard: the message is dropped.
 */
export type EndOfDataVerdict = Verdict | { kind: 'quarantine'; reason: string; rule?: string } | { kind: 'discard'; reason: string };

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
  /** Size of the message in bytes, as it is now (after the changes of earlier checks). */
  readonly size: number;
  /**
   * The message as it will be stored (CRLF line endings), with the changes of earlier checks.
   * Read on demand: checks stream it; the engine does not hold it in memory.
   */
  readMessage(): Promise<NodeJS.ReadableStream>;
  /**
   * Adds a header field at the top of the message, above the Received line: "Name: value",
   * without the final CRLF; folded lines are joined by CRLF and a space or tab. Fields added
   * later go above earlier ones, as trace fields do.
   */
  addHeader(field: string): void;
  /**
   * Replaces the whole message (a filter's rewrite: a stripped attachment, a tagged subject).
   * The replacement is complete, with the fields added so far (read them with readMessage()).
   */
  replaceMessage(message: Buffer | NodeJS.ReadableStream): Promise<void>;
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
  endOfData?(ctx: EndOfDataContext): Promise<EndOfDataVerdict> | EndOfDataVerdict;
}
