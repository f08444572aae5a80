// What became of one recipient in one delivery attempt, whichever transport tried.
/** A peer's reply (with its code) or a reason of our own (without one). */
export interface OutcomeReply {
  code?: number;
  enhanced?: string;
  text: string;
}

/** The SMTP client's RecipientOutcome, widened to the outcomes of local routes. */
export type DeliveryOutcome =
  | { status: 'sent'; reply: OutcomeReply; relayed: boolean }
  | { status: 'deferred'; reply: OutcomeReply }
  | { status: 'bounced'; reply: OutcomeReply };

/** "host[address]:port" as Postfix writes a relay in its logs and DSNs. */
export interface RelayInfo {
  host: string;
  address?: string;
  port?: number;
}

export interface AttemptResult {
  outcome: DeliveryOutcome;
  /** Where it went or was last tried; undefined when no connection was made (DNS, local). */
  relay?: RelayInfo;
  /** For success DSNs: the recipient was delivered to its final mailbox here (maildir, LMTP). */
  final?: boolean;
  /** Milliseconds spent connecting (0 on a kept connection) and in the transaction, for the delivery log. */
  timing?: { connectMs: number; transferMs: number };
  /** The connection's TLS, and the policy that verified the peer ('verify', 'DANE', 'MTA-STS'), for the delivery log. */
  tls?: { version: string; cipher: string; verified?: string };
}

export function relayText(relay: RelayInfo | undefined): string {
  if (!relay) return 'none';
  return `${relay.host}${relay.address ? `[${relay.address}]` : ''}${relay.port ? `:${relay.port}` : ''}`;
}

/** "TLSv1.3 TLS_AES_256_GCM_SHA384, verified by DANE" (or "unverified"), for the delivery log. */
export function tlsText(tls: NonNullable<AttemptResult['tls']>): string {
  return `${tls.version} ${tls.cipher}, ${tls.verified ? `verified by ${tls.verified}` : 'unverified'}`;
}

/** A reply or a local reason as one line: "550 5.1.1 No such user" or the text alone. */
export function replyText(reply: OutcomeReply): string {
  const code = reply.code !== undefined ? `${reply.code} ` : '';
  const enhanced = reply.enhanced ? `${reply.enhanced} ` : '';
  return `${code}${enhanced}${reply.text.replace(/\s*\n\s*/g, ' ')}`;
}

/** The RFC 3463 status of an outcome, for logs and DSNs. */
export function statusOf(outcome: DeliveryOutcome): string {
  if (outcome.reply.enhanced) return outcome.reply.enhanced;
  if (outcome.status === 'sent') return '2.0.0';
  return outcome.status === 'bounced' ? '5.0.0' : '4.0.0';
}
