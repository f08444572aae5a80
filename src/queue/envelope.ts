// The envelope of a message as the spool keeps it: what SMTP said about the message, not what
// its headers say. Everything the delivery issue needs for routing, DSNs (RFC 3461) and TLS
// requirements (RFC 8689) is here, so nothing has to be re-derived from the session later.

/** RFC 3461 NOTIFY: 'never' alone, or any of the three conditions. */
export type DsnNotify = 'never' | Array<'success' | 'failure' | 'delay'>;

export interface Recipient {
  /** The forward path as given, without angle brackets; the domain is lower-cased, the local part kept as sent. */
  address: string;
  /** RFC 3461 NOTIFY; undefined when the client did not say (the default: failure and delay). */
  notify?: DsnNotify;
  /** RFC 3461 ORCPT, decoded from xtext: the address type (e.g. "rfc822", "utf-8") and the original address. */
  orcpt?: { type: string; address: string };
  /** The internal host this recipient goes to (the directory's mailHost), instead of its domain route's host. */
  relayHost?: string;
}

export interface Envelope {
  /** The reverse path without angle brackets; '' for the null sender <>. */
  sender: string;
  recipients: Recipient[];
  /** BODY= on MAIL; '7bit' when not given. */
  body: '7bit' | '8bitmime';
  smtputf8: boolean;
  /** RFC 8689 REQUIRETLS on MAIL: the message must only leave over verified TLS. */
  requireTls: boolean;
  /** RFC 3461 RET and ENVID (ENVID decoded from xtext). */
  ret?: 'full' | 'hdrs';
  envid?: string;
  /** SIZE= the client declared on MAIL, if any. */
  declaredSize?: number;
  client: ClientInfo;
  /** Milliseconds since the epoch, when the end of data arrived. */
  receivedAt: number;
}

export interface ClientInfo {
  address: string;
  port: number;
  /** The name given in EHLO/HELO. */
  helo: string;
  /** The role of the listener the message came in on. */
  listener: 'mta' | 'submission' | 'submissions';
  /** Set when the session was under TLS. */
  tls?: { version: string; cipher: string };
  /** The authenticated user (SASL authorization identity), when the session authenticated. */
  authUser?: string;
}
