// Signing and checking the messages of one exchange with one key: a request and its response,
// or a request and the many messages of a zone transfer, each MAC chained to the one before
// (RFC 8945 §5.3.1). Both ends use the same two classes: a client signs its request and checks
// the replies, a server checks the request and signs its replies.

import { canonicalName, nameWireLength } from '../wire/names.ts';
import type { TsigAlgorithm, TsigKey } from './keys.ts';
import { computeMac, sameMac } from './mac.ts';
import { appendTsig, findTsig, type TsigFields } from './record.ts';

/** RFC 8945 §10: 300 seconds is the recommended fudge. */
export const DEFAULT_FUDGE = 300;

/** TSIG error codes (RFC 8945 §4.2 and the RCODE registry). */
export const TsigError = { NOERROR: 0, BADSIG: 16, BADKEY: 17, BADTIME: 18, BADTRUNC: 22 } as const;

/** Seconds since the epoch; injectable so tests can skew the clock. */
export type Clock = () => number;
export const systemClock: Clock = () => Math.floor(Date.now() / 1000);

const MAC_LENGTHS: Record<TsigAlgorithm, number> = { 'hmac-sha1': 20, 'hmac-sha224': 28, 'hmac-sha256': 32, 'hmac-sha384': 48, 'hmac-sha512': 64 };

/** RFC 8945 §5.3.1: at most 99 messages of a stream may go unsigned between two signed ones. */
const MAX_UNSIGNED_RUN = 99;

export class TsigSigner {
  /** The MAC of the last message signed: chained into the next one. */
  private prior: Buffer | undefined;
  private signed = 0;

  /** `requestMac` when signing responses to a signed request; absent when signing a request. */
  constructor(
    private readonly key: TsigKey,
    private readonly clock: Clock = systemClock,
    private readonly requestMac?: Buffer,
  ) {}

  /** The MAC of the last message signed (a client checks replies against its request's MAC). */
  get lastMac(): Buffer | undefined {
    return this.prior;
  }

  /** The octets sign() adds to a message (without Other Data): for fitting answers into UDP. */
  get overhead(): number {
    // Owner, type, class, TTL, RDLENGTH; algorithm, time, fudge, MAC size, MAC, original ID, error, other length.
    return nameWireLength(this.key.name) + 10 + nameWireLength(this.key.algorithm) + 6 + 2 + 2 + MAC_LENGTHS[this.key.algorithm] + 2 + 2 + 2;
  }

  /** `message` with a TSIG; `error` and `otherData` for error answers (BADTIME), with
   *  `timeSigned` echoing the request's. */
  sign(message: Buffer, extra: { error?: number; otherData?: Buffer; timeSigned?: number } = {}): Buffer {
    const fields: TsigFields = {
      keyName: this.key.name,
      algorithm: this.key.algorithm,
      timeSigned: extra.timeSigned ?? this.clock(),
      fudge: DEFAULT_FUDGE,
      mac: Buffer.alloc(0),
      originalId: message.readUInt16BE(0),
      error: extra.error ?? TsigError.NOERROR,
      otherData: extra.otherData ?? Buffer.alloc(0),
    };
    const later = this.signed > 0;
    fields.mac = computeMac(this.key, fields, [message], later ? this.prior : this.requestMac, later);
    this.prior = fields.mac;
    this.signed++;
    return appendTsig(message, fields);
  }
}

/** Why a message did not verify: a TSIG error code, or FORMERR for a malformed TSIG, or an
 *  unsigned message where a signature was needed. */
export class TsigFailure extends Error {
  constructor(
    readonly error: number | 'FORMERR' | 'UNSIGNED',
    message: string,
  ) {
    super(message);
    this.name = 'TsigFailure';
  }
}

export class TsigVerifier {
  private prior: Buffer | undefined;
  private verified = 0;
  /** Messages of a stream that came unsigned since the last signed one: covered by the next MAC. */
  private unsignedRun: Buffer[] = [];

  /** `requestMac` when checking the responses to a request we signed. */
  constructor(
    private readonly key: TsigKey,
    private readonly clock: Clock = systemClock,
    private readonly requestMac?: Buffer,
  ) {}

  /** Checks the next message of the exchange; throws TsigFailure when it is not authentic.
   *  A later message of a stream may be unsigned (up to 99 in a row); the first must be signed. */
  verify(message: Buffer): void {
    let found;
    try {
      found = findTsig(message);
    } catch (err) {
      throw new TsigFailure('FORMERR', `malformed message or TSIG: ${(err as Error).message}`);
    }
    if (found === undefined) {
      if (this.verified === 0) throw new TsigFailure('UNSIGNED', `expected a TSIG with key ${this.key.name}, got an unsigned message`);
      if (this.unsignedRun.length >= MAX_UNSIGNED_RUN) throw new TsigFailure('UNSIGNED', `more than ${MAX_UNSIGNED_RUN} unsigned messages in a row`);
      this.unsignedRun.push(message);
      return;
    }
    const { tsig, unsigned } = found;
    if (canonicalName(tsig.keyName) !== this.key.name || canonicalName(tsig.algorithm) !== this.key.algorithm) {
      throw new TsigFailure(TsigError.BADKEY, `signed with key ${tsig.keyName} (${tsig.algorithm}), expected ${this.key.name} (${this.key.algorithm})`);
    }
    // An error answer to our request (BADSIG, BADKEY) comes with an empty MAC: report the error.
    if (tsig.error !== TsigError.NOERROR && tsig.mac.length === 0) throw new TsigFailure(tsig.error, `the peer answered TSIG error ${tsig.error}`);
    const later = this.verified > 0;
    const expected = computeMac(this.key, tsig, [...this.unsignedRun, unsigned], later ? this.prior : this.requestMac, later);
    if (!sameMac(expected, tsig.mac)) throw new TsigFailure(TsigError.BADSIG, `the MAC does not match key ${this.key.name}`);
    if (Math.abs(this.clock() - tsig.timeSigned) > tsig.fudge) throw new TsigFailure(TsigError.BADTIME, `signed at ${tsig.timeSigned}, ${this.clock() - tsig.timeSigned} s from our clock (fudge ${tsig.fudge} s)`);
    if (tsig.error !== TsigError.NOERROR) throw new TsigFailure(tsig.error, `the peer answered TSIG error ${tsig.error}`);
    this.prior = tsig.mac;
    this.verified++;
    this.unsignedRun = [];
  }
}
