import { z } from 'zod';
import type { SectionContext } from './common.ts';
import { allowlistSection } from './policy-allowlist.ts';
import { policyAuthSection } from './policy-auth.ts';
import { blocklistSection } from './policy-dnsbl.ts';
import { policyDkimSection } from './policy-dkim.ts';
import { greetDelayField } from './policy-greet-delay.ts';
import { greylistSection } from './policy-greylist.ts';
import { rateLimitsSection } from './policy-rate-limits.ts';
import { policyRelaySection } from './policy-relay.ts';
import { spoofingSection } from './policy-spoofing.ts';
import { submissionSection } from './policy-submission.ts';

/** The checks of the security policy (relay control itself is `relay`); each sub-section has its own file beside this one. */
export const policySection = (context: SectionContext) =>
  z
    .strictObject({
      auth: policyAuthSection(context),
      dkim: policyDkimSection(context),
      relay: policyRelaySection(),
      spoofing: spoofingSection(),
      submission: submissionSection(),
      greetDelay: greetDelayField(),
      rateLimits: rateLimitsSection(),
      allowlist: allowlistSection(),
      dnsbl: blocklistSection(),
      rhsbl: blocklistSection(),
      greylist: greylistSection(),
    })
    .prefault({});
