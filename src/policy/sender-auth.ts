// Sender authentication at the end of data: SPF (RFC 7208), DKIM (RFC 6376), DMARC (RFC 7489)
// and ARC (RFC 8617) by mailauth, whose DNS lookups go through Postern's resolver. The message
// gets one Authentication-Results field (RFC 8601) naming us; incoming ones that claim our
// authserv-id are removed first. Mail from trusted networks and authenticated users is ours
// to sign, not to verify: it passes untouched.
import { randomInt } from 'node:crypto';
import { Readable } from 'node:stream';
import { authenticate, type AuthenticateResult } from 'mailauth';
import type { Resolver } from '../dns/resolver/resolver.ts';
import type { Logger } from '../log/logger.ts';
import { authResultsField, claimsAuthservId, withoutHeaderFields } from './auth-results-field.ts';
import { authVerdict, type AuthActions } from './auth-verdict.ts';
import { CONTINUE, type EndOfDataContext, type EndOfDataVerdict, type SmtpCheck } from './check.ts';
import { mailauthResolver } from './mailauth-resolver.ts';

export interface SenderAuthOptions {
  authservId: string;
  dmarc: boolean;
  arc: boolean;
  minKeyBits: number;
  actions: AuthActions;
  /** ARC sealing of what we verified; undefined: no seal. */
  seal?: { domain: string; selector: string; privateKey: string };
  resolver: Resolver;
  logger: Logger;
}

/** The findings later checks can read from ctx.results under this name. */
export const SENDER_AUTH = 'sender-auth';

export function senderAuthCheck(options: SenderAuthOptions): SmtpCheck {
  const resolve = mailauthResolver(options.resolver);
  return {
    name: SENDER_AUTH,
    async endOfData(ctx: EndOfDataContext): Promise<EndOfDataVerdict> {
      if (ctx.trusted || ctx.client.authUser !== undefined) return CONTINUE;
      const result = await authenticate((await ctx.readMessage()) as Readable, {
        sender: ctx.sender || undefined,
        ip: ctx.client.address,
        helo: ctx.client.helo,
        mta: options.authservId,
        resolver: resolve,
        minBitLength: options.minKeyBits,
        disableArc: !options.arc,
        disableDmarc: !options.dmarc,
        disableBimi: true,
        ...(options.seal && { seal: { signingDomain: options.seal.domain, selector: options.seal.selector, privateKey: options.seal.privateKey } }),
      });
      ctx.results.set(SENDER_AUTH, result);
      await removeForgedResults(ctx, result, options.authservId);
      for (const field of arcSealFields(result).reverse()) ctx.addHeader(field);
      const outcome = authVerdict(result, options.actions, randomInt(100));
      if (outcome.tag) ctx.addHeader(`X-Postern-Auth-Failure: ${outcome.tag}`);
      ctx.addHeader(authResultsField(options.authservId, resultLines(result)));
      if (outcome.verdict.kind !== 'continue') {
        options.logger.info({ client: ctx.client.address, from: ctx.sender, check: SENDER_AUTH, verdict: outcome.verdict.kind, results: resultLines(result) }, 'sender authentication');
      }
      return outcome.verdict;
    },
  };
}

/** The results in RFC 8601 form: each DKIM signature, SPF, ARC, DMARC. */
function resultLines(result: AuthenticateResult): string[] {
  return [...(result.dkim.results ?? []).map((r) => r.info), result.spf ? result.spf.info : '', result.arc ? (result.arc.info ?? '') : '', result.dmarc ? result.dmarc.info : ''].filter((line) => line !== '');
}

/** mailauth's seal comes first in its headers: ARC-Seal, ARC-Message-Signature, ARC-Authentication-Results. */
function arcSealFields(result: AuthenticateResult): string[] {
  return result.headers
    .split(/\r\n(?![ \t])/)
    .filter((field) => /^arc-/i.test(field))
    .map((field) => field.replace(/\r?\n(?![ \t])/g, '\r\n '));
}

async function removeForgedResults(ctx: EndOfDataContext, result: AuthenticateResult, authservId: string): Promise<void> {
  const parsed = result.dkim.headers?.parsed ?? [];
  const forged = parsed.filter((h) => h.key === 'authentication-results' && claimsAuthservId(String(h.line), authservId)).length;
  if (forged === 0) return;
  const message = (await ctx.readMessage()) as Readable;
  await ctx.replaceMessage(Readable.from(withoutHeaderFields(message, (field) => claimsAuthservId(field, authservId))));
}
