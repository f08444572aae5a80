// The outbound engine's interface: what the queue manager hands to a connection and what it gets
// back. One outcome per recipient, so the queue can retry, bounce or notify each on its own.
import type { TLSSocket } from 'node:tls';

export interface PeerReply {
  code: number;
  enhanced?: string;
  /** All lines of the reply joined with '\n', without the code, separator and enhanced code. */
  text: string;
  /** The command this answers, as Postfix names it in "(in reply to RCPT TO command)": 'RCPT TO', 'end of DATA', ... */
  inReplyTo?: string;
}

export interface OutboundRecipient {
  address: string;
  notify?: 'never' | Array<'success' | 'failure' | 'delay'>;
  orcpt?: { type: string; address: string };
}

export interface OutboundMessage {
  /** '' is the null sender <>. */
  sender: string;
  recipients: OutboundRecipient[];
  body: '7bit' | '8bitmime';
  smtputf8: boolean;
  ret?: 'full' | 'hdrs';
  envid?: string;
  /** RFC 8689: MAIL FROM carries REQUIRETLS; a peer that does not offer it gets nothing (5.7.30). The caller sends such a message only over a verified connection. */
  requireTls?: boolean;
  /** Bytes of the stored message. */
  size: number;
  /** The stored message, CRLF line endings only, not dot-stuffed; called anew per attempt. */
  open(): NodeJS.ReadableStream;
}

export type RecipientOutcome =
  /** relayed: NOTIFY had SUCCESS but the peer lacks DSN (RFC 3461 §5.2.2), so the caller sends a "relayed" DSN. */
  | { status: 'sent'; reply: PeerReply; relayed: boolean }
  /** A 4xx, or a connection or timeout problem (the text says which). */
  | { status: 'deferred'; reply: PeerReply | { text: string } }
  /** A 5xx, or our own permanent refusal (5.6.7 SMTPUTF8 needed, 5.6.3 not convertible to 7bit, 5.3.4 too big for the peer). */
  | { status: 'bounced'; reply: PeerReply | { text: string; enhanced: string } };

export interface ConnectOptions {
  /** The peer's name (the MX host name), for logs and TLS SNI. */
  host: string;
  /** The IP address to connect to, or an absolute unix socket path for LMTP. */
  address: string;
  port: number;
  protocol: 'smtp' | 'lmtp';
  heloName: string;
  /** delivery.sourceAddress */
  localAddress?: string;
  /** 'opportunistic': STARTTLS used when offered, the certificate not verified, a failed handshake falls back to plaintext on a new connection. */
  tls: 'opportunistic' | 'none' | PeerTlsPolicy;
  /** Defaults like Postfix: 30 s, 300 s, 300 s, 600 s. */
  timeouts?: { connectMs?: number; greetingMs?: number; commandMs?: number; dataMs?: number };
}

/** TLS as a destination's policy wants it (delivery.tls): required or not, and how the peer is judged. */
export interface PeerTlsPolicy {
  /** True: no plaintext, ever; a missing STARTTLS, a failed handshake or an untrusted peer ends the connection with a TlsPolicyError. */
  required: boolean;
  /** The policy's name for logs and errors: 'encrypt', 'verify', 'DANE', 'MTA-STS'. */
  name: string;
  /** CA certificates (PEM) the handshake's chain is checked against; default: Node's bundled roots. */
  ca?: string[];
  /** Why the peer is not to be trusted, or undefined when it is; absent: any certificate will do. */
  verify?(socket: TLSSocket): string | undefined;
  /** When given, a peer that fails `verify` is only reported here (MTA-STS testing mode) and the connection goes on. */
  onUntrusted?(reason: string): void;
}

export interface PeerExtensions {
  pipelining: boolean;
  size?: number;
  eightBitMime: boolean;
  smtputf8: boolean;
  dsn: boolean;
  chunking: boolean;
  startTls: boolean;
  requireTls: boolean;
}

export interface SmtpConnection {
  readonly peer: { host: string; address: string; port: number };
  readonly extensions: PeerExtensions;
  /** verified: the policy that checked the peer ('verify', 'DANE', 'MTA-STS'); absent when nothing was checked. */
  readonly tls?: { version: string; cipher: string; verified?: string };
  /** One transaction (several may follow on one connection). Never throws: failures become per-recipient outcomes, in the order of message.recipients. */
  send(message: OutboundMessage): Promise<RecipientOutcome[]>;
  /** False once the connection failed or the peer said 421. */
  readonly usable: boolean;
  quit(): Promise<void>;
}
