// DKIM signing (RFC 6376; RFC 8463 for Ed25519) of mail our users send: from trusted networks or
// authenticated clients, with a header From in one of the domains we hold a key for. It runs
// last, after every other change to the message. An 8-bit body is made 7-bit first, the way
// delivery would for a peer without 8BITMIME, so that no later downgrade breaks the signature.
import { Readable } from 'node:stream';
import { dkimSign } from 'mailauth';
import type { Logger } from '../log/logger.ts';
import { downgraded, planDowngrade } from '../smtp/client/mime-downgrade.ts';
import { CONTINUE, type EndOfDataContext, type EndOfDataVerdict, type SmtpCheck } from './check.ts';
import type { DkimSigningKey } from './dkim-key.ts';
import { readFromFields } from './header-from.ts';
import { asciiDomain, domainOf } from './our-domains.ts';

export interface DkimSigner {
  domain: string;
  selector: string;
  key: DkimSigningKey;
}

export const DKIM_SIGN = 'dkim-sign';

export function dkimSignCheck(signers: readonly DkimSigner[], logger: Logger): SmtpCheck {
  return {
    name: DKIM_SIGN,
    async endOfData(ctx: EndOfDataContext): Promise<EndOfDataVerdict> {
      if (!ctx.trusted && ctx.client.authUser === undefined) return CONTINUE;
      const fromDomain = authorDomainOf(await readFromFields(await ctx.readMessage()));
      const signer = fromDomain === undefined ? undefined : signerFor(signers, fromDomain);
      if (!signer) return CONTINUE;
      await makeSevenBit(ctx);
      const signature = { signingDomain: signer.domain, selector: signer.selector, privateKey: signer.key.pem, algorithm: signer.key.algorithm, canonicalization: 'relaxed/relaxed' };
      // mailauth signs with the entries of signatureData; the same fields at the top level only satisfy its types.
      const signed = await dkimSign((await ctx.readMessage()) as Readable, { ...signature, signatureData: [signature] });
      const field = signed.signatures.replace(/\r\n$/, '');
      if (signed.errors.length > 0 || field === '') {
        // Unsigned mail still goes: refusing it would lose our users' mail over our own key.
        logger.error({ check: DKIM_SIGN, domain: signer.domain, selector: signer.selector, errors: signed.errors.map((e) => String((e as { err?: Error }).err?.message ?? e)) }, 'DKIM signing failed; the message goes unsigned');
        return CONTINUE;
      }
      ctx.addHeader(field);
      return CONTINUE;
    },
  };
}

/** The domain of the first address of the first From field (the author DMARC aligns with). */
function authorDomainOf(fromValues: string[]): string | undefined {
  // Comments and quoted display names go first: either may hold something that looks like an address.
  const value = (fromValues[0] ?? '').replace(/"(?:[^"\\]|\\.)*"/g, ' ').replace(/\((?:[^()\\]|\\.)*\)/g, ' ');
  const address = /<([^<>]*)>/.exec(value)?.[1] ?? /[^\s<>,;"]+@[^\s<>,;"]+/.exec(value)?.[0];
  return address === undefined ? undefined : asciiDomain(domainOf(address).replace(/\.$/, ''));
}

/** The key of the From domain itself, else of the closest parent domain we sign for (relaxed DMARC alignment). */
function signerFor(signers: readonly DkimSigner[], domain: string): DkimSigner | undefined {
  return signers
    .filter((s) => domain === s.domain || domain.endsWith(`.${s.domain}`))
    .sort((a, b) => b.domain.length - a.domain.length)[0];
}

async function makeSevenBit(ctx: EndOfDataContext): Promise<void> {
  const plan = await planDowngrade((await ctx.readMessage()) as Readable);
  // What cannot be converted (8-bit headers) is signed as it is: delivery refuses it to a 7-bit peer anyway.
  if (!plan.eightBit || plan.problem) return;
  await ctx.replaceMessage(Readable.from(downgraded((await ctx.readMessage()) as Readable, plan)));
}
