import { z } from 'zod';
import { domainName, positiveInt } from '../fields.ts';
import { enumOf, type SectionContext } from './common.ts';

const verdictAction = enumOf(['reject', 'quarantine', 'tag', 'accept'] as const);
const temporaryAction = enumOf(['defer', 'tag', 'accept'] as const);

/**
 * policy.auth: sender authentication (SPF, DKIM, DMARC, ARC) of mail from clients that are
 * neither trusted (relay.networks) nor authenticated, and what each result leads to.
 */
export const policyAuthSection = ({ path }: SectionContext) =>
  z
    .strictObject({
      enabled: z.boolean().default(false),
      /** The name in our Authentication-Results fields; default: hostname. */
      authservId: domainName().optional(),
      dmarc: z.boolean().default(true),
      arc: z.boolean().default(true),
      minKeyBits: positiveInt().default(1024),
      actions: z
        .strictObject({
          spfFail: verdictAction.default('tag'),
          spfSoftfail: verdictAction.default('accept'),
          spfPermerror: verdictAction.default('accept'),
          spfTemperror: temporaryAction.default('accept'),
          dkimFail: verdictAction.default('accept'),
          dmarcReject: verdictAction.default('reject'),
          dmarcQuarantine: verdictAction.default('quarantine'),
          dmarcNone: verdictAction.default('accept'),
          dmarcTemperror: temporaryAction.default('accept'),
          arcFail: verdictAction.default('accept'),
        })
        .prefault({}),
      /** ARC sealing (RFC 8617 §5.1) of the mail we verify, for relays whose next hop trusts our seal. */
      seal: z.strictObject({ domain: domainName(), selector: z.string().min(1), key: path }).optional(),
    })
    .prefault({});
