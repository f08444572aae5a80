// Judging a peer after the TLS handshake by the destination's policy. A required policy that
// the peer does not meet ends the connection before any mail command: the message waits
// (deferred) instead of going out where the policy says it must not.
import type { TLSSocket } from 'node:tls';
import type { PeerTlsPolicy } from './types.ts';

/** The peer does not meet a required TLS policy; `policy` names it ('encrypt', 'verify', 'DANE', 'MTA-STS'). */
export class TlsPolicyError extends Error {
  constructor(
    message: string,
    readonly policy: string,
  ) {
    super(message);
  }
}

/** The name of the policy that verified the peer, undefined when nothing was verified; throws when a required policy is not met. */
export function judgePeer(secure: TLSSocket, host: string, policy: PeerTlsPolicy): string | undefined {
  if (!policy.verify) return undefined;
  const reason = policy.verify(secure);
  if (reason === undefined) return policy.name;
  if (policy.onUntrusted) {
    policy.onUntrusted(reason);
    return undefined;
  }
  if (policy.required) throw new TlsPolicyError(`TLS is required (${policy.name}) but the certificate of ${host} is not valid: ${reason}`, policy.name);
  return undefined;
}
