// A client's side of TSIG: sign the request, then check every reply of the exchange against it
// (one answer, or each message of a zone transfer).

import type { TsigKey } from './keys.ts';
import { systemClock, TsigSigner, TsigVerifier, type Clock } from './session.ts';

export interface SignedExchange {
  sign(request: Buffer): Buffer;
  /** Throws TsigFailure when the next reply is not authentic. */
  verify(reply: Buffer): void;
}

/** One exchange signed with `key`: `sign` the request first, then `verify` each reply in order. */
export function signedExchange(key: TsigKey, clock: Clock = systemClock): SignedExchange {
  let verifier: TsigVerifier | undefined;
  return {
    sign(request) {
      const signer = new TsigSigner(key, clock);
      const signed = signer.sign(request);
      verifier = new TsigVerifier(key, clock, signer.lastMac);
      return signed;
    },
    verify(reply) {
      if (verifier === undefined) throw new Error('TSIG: a reply checked before the request was signed');
      verifier.verify(reply);
    },
  };
}
