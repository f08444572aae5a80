import { z } from 'zod';
import type { SectionContext } from './common.ts';
import { policyAuthSection } from './policy-auth.ts';
import { policyDkimSection } from './policy-dkim.ts';

/** The checks of the security policy (relay control itself is `relay`); each sub-section has its own file beside this one. */
export const policySection = (context: SectionContext) =>
  z
    .strictObject({
      auth: policyAuthSection(context),
      dkim: policyDkimSection(context),
    })
    .prefault({});
